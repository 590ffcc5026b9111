package ecp

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/internal/origins"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/store"
)

// Defaults and bounds.
const (
	// DefaultKeyPrefix prefixes the store keys of stored challenges.
	DefaultKeyPrefix = "sa:ecp:"
	// storeGrace keeps a challenge in the store a little past its expiry,
	// so that a late answer is told "expired" rather than "replayed".
	storeGrace = time.Minute
	// maxInput bounds the Finish input (a CMS of at most
	// signature.DefaultMaxInputSize, base64-encoded, in JSON).
	maxInput = 2 * signature.DefaultMaxInputSize
)

// Mapper turns a verified signer into the account it authenticates. The
// host implements it: look the IIN (and for organisations the BIN and
// roles) up in its own user table, and return the subject, or an error to
// refuse (wrap auth.ErrVerification, or return any error: it denies).
type Mapper interface {
	Map(ctx context.Context, req *MapRequest) (subject string, err error)
}

// MapperFunc adapts a function to Mapper.
type MapperFunc func(ctx context.Context, req *MapRequest) (string, error)

// Map calls f.
func (f MapperFunc) Map(ctx context.Context, req *MapRequest) (string, error) { return f(ctx, req) }

// Hinter is an optional capability of a Mapper: given the subject a flow
// already has (a step-up), it returns the IIN and BIN to put into the
// NCALayer request, so that NCALayer offers only that person's keys. It is
// a convenience for the user, not a check (Finish still verifies).
type Hinter interface {
	Hint(ctx context.Context, subject string) (iin, bin string)
}

// MapRequest is what a Mapper receives.
type MapRequest struct {
	// Action is the flow's action.
	Action string
	// FlowSubject is the subject the flow already has ("" at login).
	FlowSubject string
	// Identity is the verified signer's identity.
	Identity signature.Identity
	// Signer is the full verification result of the signer.
	Signer *signature.Signer
}

// Config configures the ECP factor.
type Config struct {
	// Verifier verifies the signatures. Required.
	Verifier *signature.Verifier
	// Store keeps each flow's challenge, single-use. Required.
	Store store.Store
	// Mapper maps the signer to an account. Required.
	Mapper Mapper
	// Origin is the host's web origin ("https://portal.example.kz"). When
	// set, a flow started on another origin cannot begin ECP. When empty,
	// the origin the flow was started on (Flow.Client.Origin) is used, and
	// a flow without one cannot begin ECP.
	Origin string
	// ChallengeTTL is how long a challenge is accepted. Zero means
	// signature.DefaultChallengeTTL (3 minutes).
	ChallengeTTL time.Duration
	// Purposes gives the key purpose per action. An action without an entry
	// uses signature.PurposeLogin().
	Purposes map[string]signature.Purpose
	// Checks gives an identity rule per action (signature.RequireRole…),
	// applied after verification and before the Mapper.
	Checks map[string]signature.Check
	// Attached asks NCALayer for a CMS with the challenge inside
	// (encapsulate: true); the default is a detached CMS.
	Attached bool
	// Formats gives the answer formats accepted per action: FormatCMS (a
	// CMS over the challenge's text form) and FormatXML (an enveloped
	// XML-DSig over its XML form, as NCALayer's signXml makes it). An
	// action without an entry accepts both.
	Formats map[string][]Format
	// InsecureLoginXMLForm issues the XML challenge in the common
	// <login><timeTicket/><sessionid/></login> shape
	// (signature.XMLFormLogin) instead of the default form that also binds
	// the origin, flow and action. For front ends that build that document
	// themselves; a signature relayed by a phishing page is then bound only
	// by the server-side nonce.
	InsecureLoginXMLForm bool
	// AllowedStorages and Locale shape the NCALayer request.
	AllowedStorages []string
	Locale          string
	// KeyPrefix prefixes the store keys, which are KeyPrefix + "{<flow
	// ID>}": the flow's hash tag (store.HashTag). Zero means
	// DefaultKeyPrefix. It may not contain '{' or '}'.
	KeyPrefix string
	// Rand is the source of challenge nonces. Nil means crypto/rand.
	Rand io.Reader
}

// Factor is the ECP factor: a CMS signature, made by the NCA's NCALayer
// with the user's key, over a single-use challenge. It implements
// auth.Factor and is safe for concurrent use.
type Factor struct {
	cfg Config
	// login is signature.PurposeLogin(), made once: the purpose of every
	// action without its own.
	login signature.Purpose
}

// New validates cfg and returns the factor.
func New(cfg Config) (*Factor, error) {
	if cfg.Verifier == nil || cfg.Store == nil || cfg.Mapper == nil {
		return nil, fmt.Errorf("%w: ecp: Verifier, Store and Mapper are required", auth.ErrConfig)
	}
	if cfg.Origin != "" {
		if _, err := origins.Check(cfg.Origin); err != nil {
			return nil, fmt.Errorf("%w: ecp: Origin: %w", auth.ErrConfig, err)
		}
		if _, err := signature.NewChallenge(bytes.NewReader(make([]byte, signature.NonceSize)),
			signature.Binding{Origin: cfg.Origin, Flow: "f", Action: "a"}, time.Unix(0, 0), 0); err != nil {
			return nil, fmt.Errorf("%w: ecp: Origin %q is not scheme://host[:port]", auth.ErrConfig, cfg.Origin)
		}
		cfg.Origin = strings.ToLower(cfg.Origin)
	}
	switch {
	case cfg.ChallengeTTL == 0:
		cfg.ChallengeTTL = signature.DefaultChallengeTTL
	case cfg.ChallengeTTL < time.Second || cfg.ChallengeTTL > signature.MaxChallengeTTL:
		return nil, fmt.Errorf("%w: ecp: ChallengeTTL must be in [1s, %v]", auth.ErrConfig, signature.MaxChallengeTTL)
	}
	for action, p := range cfg.Purposes {
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("%w: ecp: purpose of %q: %w", auth.ErrConfig, action, err)
		}
	}
	for action, fs := range cfg.Formats {
		if len(fs) == 0 {
			return nil, fmt.Errorf("%w: ecp: no format for %q", auth.ErrConfig, action)
		}
		for _, f := range fs {
			if f != FormatCMS && f != FormatXML {
				return nil, fmt.Errorf("%w: ecp: unknown format %q for %q", auth.ErrConfig, f, action)
			}
		}
	}
	for action, c := range cfg.Checks {
		if c == nil {
			return nil, fmt.Errorf("%w: ecp: nil check for %q", auth.ErrConfig, action)
		}
	}
	if cfg.KeyPrefix == "" {
		cfg.KeyPrefix = DefaultKeyPrefix
	}
	if !store.ValidKeyPrefix(cfg.KeyPrefix) {
		return nil, fmt.Errorf("%w: ecp: KeyPrefix may not contain '{' or '}'", auth.ErrConfig)
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	cfg.Purposes = cloneMap(cfg.Purposes)
	cfg.Checks = cloneMap(cfg.Checks)
	formats := make(map[string][]Format, len(cfg.Formats))
	for a, fs := range cfg.Formats {
		formats[a] = append([]Format(nil), fs...)
	}
	cfg.Formats = formats
	return &Factor{cfg: cfg, login: signature.PurposeLogin()}, nil
}

func cloneMap[V any](m map[string]V) map[string]V {
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Kind implements auth.Factor.
func (f *Factor) Kind() auth.Kind { return auth.KindECP }

// Format is an answer format of the ECP factor.
type Format string

// Answer formats.
const (
	// FormatCMS: a CMS SignedData over the challenge's text form.
	FormatCMS Format = "cms"
	// FormatXML: an enveloped XML-DSig over the challenge's XML form.
	FormatXML Format = "xml"
)

// BeginData is the Challenge.Data that Begin returns to the browser.
type BeginData struct {
	// Formats lists the answer formats the action accepts.
	Formats []Format `json:"formats"`
	// Challenge is the canonical challenge, base64 (what gets signed as
	// CMS). Empty when the action does not accept CMS.
	Challenge string `json:"challenge,omitempty"`
	// NCALayer is the ready request for wss://127.0.0.1:13579: the page
	// sends JSON.stringify(ncalayer) to the socket as it is. Nil when the
	// action does not accept CMS.
	NCALayer *signature.NCALayerRequest `json:"ncalayer"`
	// ChallengeXML is the challenge as an XML document (what gets signed
	// as XML-DSig), NCALayerXML the basics.sign request (format "xml") and
	// NCALayerSignXML the legacy commonUtils.signXml request for it. Empty
	// when the action does not accept XML.
	ChallengeXML    string                           `json:"challenge_xml,omitempty"`
	NCALayerXML     *signature.NCALayerRequest       `json:"ncalayer_xml,omitempty"`
	NCALayerSignXML *signature.NCALayerLegacyRequest `json:"ncalayer_signxml,omitempty"`
	// ExpiresAt is when the challenge stops being accepted.
	ExpiresAt time.Time `json:"expires_at"`
}

// FinishInput is what Finish accepts from the browser, exactly one of: the
// CMS NCALayer returned (PEM "-----BEGIN CMS-----", or base64) as "cms",
// the signed XML document as "xml", or NCALayer's whole response (basics
// or legacy signXml) as "ncalayer".
type FinishInput struct {
	CMS      string          `json:"cms,omitempty"`
	XML      string          `json:"xml,omitempty"`
	NCALayer json.RawMessage `json:"ncalayer,omitempty"`
}

// A challenge is kept in the store as a version byte (storedV1) followed by
// the challenge document. Records of earlier releases are the JSON object
// storedJSON.
const storedV1 = 0x01

type storedJSON struct {
	Challenge []byte `json:"c"`
}

// storedChallenge returns the challenge document of a stored record.
func storedChallenge(raw []byte) ([]byte, error) {
	if len(raw) > 0 && raw[0] == storedV1 {
		return raw[1:], nil
	}
	var st storedJSON
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, err
	}
	return st.Challenge, nil
}

// key is the store key of a flow's challenge: the flow ID is its hash
// tag, as in the engine's key of the flow.
func (f *Factor) key(flowID string) string { return store.TaggedKey(f.cfg.KeyPrefix, "", flowID) }

func (f *Factor) origin(flow *auth.Flow) (string, error) {
	fo := strings.ToLower(flow.Client.Origin)
	switch {
	case f.cfg.Origin != "" && fo != "" && fo != f.cfg.Origin:
		return "", fmt.Errorf("%w: the flow was started on another origin", signature.ErrChallengeMismatch)
	case f.cfg.Origin != "":
		return f.cfg.Origin, nil
	case fo != "":
		return fo, nil
	}
	return "", fmt.Errorf("%w: the flow has no origin and none is configured", signature.ErrChallengeMismatch)
}

func (f *Factor) formats(action string) []Format {
	if fs, ok := f.cfg.Formats[action]; ok {
		return fs
	}
	return []Format{FormatCMS, FormatXML}
}

func (f *Factor) xmlForm() signature.XMLForm {
	if f.cfg.InsecureLoginXMLForm {
		return signature.XMLFormLogin
	}
	return signature.XMLFormChallenge
}

func (f *Factor) purpose(action string) signature.Purpose {
	if p, ok := f.cfg.Purposes[action]; ok {
		return p
	}
	return f.login
}

// Begin implements auth.Factor: it issues a challenge for the flow, stores
// it (replacing any earlier one) and returns it with the NCALayer request.
func (f *Factor) Begin(ctx context.Context, req *auth.BeginRequest) (*auth.Challenge, error) {
	if req == nil || req.Flow == nil {
		return nil, fmt.Errorf("%w: no flow", auth.ErrInvalidInput)
	}
	origin, err := f.origin(req.Flow)
	if err != nil {
		return nil, auth.Classify(auth.ErrVerification, err)
	}
	b := signature.Binding{Origin: origin, Flow: req.Flow.ID, Action: req.Flow.Action}
	ch, err := signature.NewChallenge(f.cfg.Rand, b, req.Now, f.cfg.ChallengeTTL)
	if err != nil {
		return nil, auth.Classify(auth.ErrUnavailable, err)
	}
	doc := ch.Marshal()
	val := append(append(make([]byte, 0, 1+len(doc)), storedV1), doc...)
	if _, err := f.cfg.Store.Put(ctx, f.key(req.Flow.ID), val, f.cfg.ChallengeTTL+storeGrace); err != nil {
		return nil, auth.Classify(auth.ErrUnavailable, err)
	}
	opts := signature.NCALayerOptions{
		Attached:        f.cfg.Attached,
		EKU:             f.purpose(req.Flow.Action).NCALayerEKU,
		AllowedStorages: f.cfg.AllowedStorages,
		Locale:          f.cfg.Locale,
	}
	if h, ok := f.cfg.Mapper.(Hinter); ok && req.Flow.Subject != "" {
		opts.IIN, opts.BIN = h.Hint(ctx, req.Flow.Subject)
	}
	data := &BeginData{Formats: append([]Format(nil), f.formats(req.Flow.Action)...), ExpiresAt: ch.ExpiresAt}
	for _, format := range data.Formats {
		switch format {
		case FormatCMS:
			data.Challenge = base64.StdEncoding.EncodeToString(doc)
			data.NCALayer = signature.NewNCALayerRequest(doc, opts)
		case FormatXML:
			x := ch.XML(f.xmlForm())
			data.ChallengeXML = string(x)
			data.NCALayerXML = signature.NewNCALayerXMLRequest(x, opts)
			data.NCALayerSignXML = signature.NewNCALayerSignXMLRequest(x, "", "")
		}
	}
	return &auth.Challenge{Kind: auth.KindECP, Data: data, ExpiresAt: ch.ExpiresAt}, nil
}

// Finish implements auth.Factor: it consumes the flow's challenge (any
// answer uses it up), verifies the CMS over it — chain, purpose,
// revocation, signing time, origin, flow, action, expiry —, applies the
// action's Check and asks the Mapper for the subject.
func (f *Factor) Finish(ctx context.Context, req *auth.FinishRequest) (*auth.Proof, error) {
	if req == nil || req.Flow == nil {
		return nil, fmt.Errorf("%w: no flow", auth.ErrInvalidInput)
	}
	raw, err := f.cfg.Store.Consume(ctx, f.key(req.Flow.ID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, auth.Classify(auth.ErrReplay, signature.ErrReplay)
	}
	if err != nil {
		return nil, auth.Classify(auth.ErrUnavailable, err)
	}
	doc, err := storedChallenge(raw)
	if err != nil {
		return nil, auth.Classify(auth.ErrUnavailable, errors.New("ecp: stored challenge is corrupt"))
	}
	ch, err := signature.ParseChallenge(doc)
	if err != nil {
		return nil, auth.Classify(auth.ErrUnavailable, errors.New("ecp: stored challenge is corrupt"))
	}
	answer, err := parseInput(req.Input)
	if err != nil {
		return nil, classify(err)
	}
	format := FormatCMS
	if signature.IsXML(answer) {
		format = FormatXML
	}
	if !slices.Contains(f.formats(req.Flow.Action), format) {
		return nil, classify(fmt.Errorf("%w: %s answers are not accepted for this action", signature.ErrUnsupportedAlgorithm, format))
	}
	origin, err := f.origin(req.Flow)
	if err != nil {
		return nil, classify(err)
	}
	if o := strings.ToLower(req.Client.Origin); o != "" && o != origin {
		return nil, classify(fmt.Errorf("%w: answered from another origin", signature.ErrChallengeMismatch))
	}
	b := signature.Binding{Origin: origin, Flow: req.Flow.ID, Action: req.Flow.Action}
	res, err := f.cfg.Verifier.VerifyChallengeAny(ctx, answer, ch, b, req.Now, f.purpose(req.Flow.Action), f.xmlForm())
	if err != nil {
		return nil, classify(err)
	}
	if len(res.Signers) != 1 { // a Verifier configured for documents may allow more
		return nil, classify(fmt.Errorf("%w: a login needs exactly one signer", signature.ErrTooManySigners))
	}
	signer := &res.Signers[0]
	if c, ok := f.cfg.Checks[req.Flow.Action]; ok {
		if err := c(&signer.Identity); err != nil {
			return nil, classify(err)
		}
	}
	subject, err := f.cfg.Mapper.Map(ctx, &MapRequest{
		Action: req.Flow.Action, FlowSubject: req.Flow.Subject, Identity: signer.Identity, Signer: signer,
	})
	if err != nil {
		return nil, classifyMapper(err)
	}
	if subject == "" {
		return nil, fmt.Errorf("%w: the mapper returned no subject", auth.ErrVerification)
	}
	return proof(subject, signer), nil
}

// proof builds the Proof of a verified signer.
func proof(subject string, s *signature.Signer) *auth.Proof {
	amr := []string{auth.AMRSmartCard}
	switch s.Identity.KeyStorage {
	case signature.KeyStorageHardware:
		amr = append(amr, auth.AMRHardware)
	case signature.KeyStorageFile:
		amr = append(amr, auth.AMRSoftware)
	}
	roles := make([]string, len(s.Identity.Roles))
	for i, r := range s.Identity.Roles {
		roles[i] = string(r)
	}
	attrs := map[string]string{
		"serial":      s.Certificate.Serial,
		"issuer":      s.Certificate.Issuer,
		"algorithm":   s.Algorithm,
		"key_storage": string(s.Identity.KeyStorage),
	}
	if s.Identity.IIN != "" {
		attrs["iin"] = s.Identity.IIN
	}
	if s.Identity.BIN != "" {
		attrs["bin"] = s.Identity.BIN
	}
	if len(roles) > 0 {
		attrs["roles"] = strings.Join(roles, ",")
	}
	return &auth.Proof{Subject: subject, AMR: amr, Attributes: attrs}
}

// parseInput reads FinishInput: the common shapes {"cms": "…"} and
// {"xml": "…"} by a scanner without reflection (fastInput), anything else
// by encoding/json.
func parseInput(in json.RawMessage) ([]byte, error) {
	if len(in) == 0 || len(in) > maxInput {
		return nil, fmt.Errorf("%w: no or oversized input", signature.ErrMalformed)
	}
	if field, value, ok := fastInput(in); ok {
		switch {
		case field == "cms" && !signature.IsXML(value):
			return value, nil
		case field == "xml" && signature.IsXML(value):
			return value, nil
		}
	}
	return parseInputJSON(in)
}

// parseInputJSON reads FinishInput with encoding/json.
func parseInputJSON(in json.RawMessage) ([]byte, error) {
	var fi FinishInput
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fi); err != nil || dec.More() {
		return nil, fmt.Errorf("%w: input is not {\"cms\"|\"xml\"|\"ncalayer\": …} JSON", signature.ErrMalformed)
	}
	n := 0
	for _, set := range []bool{fi.CMS != "", fi.XML != "", len(fi.NCALayer) != 0} {
		if set {
			n++
		}
	}
	switch {
	case n != 1:
	case fi.CMS != "":
		if signature.IsXML([]byte(fi.CMS)) {
			return nil, fmt.Errorf("%w: an XML document as \"cms\"", signature.ErrMalformed)
		}
		return []byte(fi.CMS), nil
	case fi.XML != "":
		if !signature.IsXML([]byte(fi.XML)) {
			return nil, fmt.Errorf("%w: \"xml\" is not an XML document", signature.ErrMalformed)
		}
		return []byte(fi.XML), nil
	default:
		s, err := signature.ParseNCALayerResponse(fi.NCALayer)
		if err != nil {
			return nil, err
		}
		return []byte(s), nil
	}
	return nil, fmt.Errorf("%w: exactly one of cms, xml and ncalayer is required", signature.ErrMalformed)
}

// fastInput reads an input of exactly the shape {"cms"|"xml": "STRING"}
// (JSON whitespace allowed around each token) whose string holds printable
// ASCII and the escapes \" \\ \/ \b \f \n \r \t only. It returns the field
// and the unescaped string, or ok false for anything else, which
// parseInputJSON then reads (or refuses): whatever fastInput accepts,
// encoding/json decodes to the same bytes (FuzzParseInput checks it).
func fastInput(in []byte) (field string, value []byte, ok bool) {
	i := skipSpace(in, 0)
	if i >= len(in) || in[i] != '{' {
		return "", nil, false
	}
	i = skipSpace(in, i+1)
	if i+5 > len(in) || in[i] != '"' || in[i+4] != '"' {
		return "", nil, false
	}
	switch string(in[i+1 : i+4]) {
	case "cms":
		field = "cms"
	case "xml":
		field = "xml"
	default:
		return "", nil, false
	}
	i = skipSpace(in, i+5)
	if i >= len(in) || in[i] != ':' {
		return "", nil, false
	}
	i = skipSpace(in, i+1)
	if i >= len(in) || in[i] != '"' {
		return "", nil, false
	}
	i++
	start, esc := i, false
	for ; i < len(in); i++ {
		for i+8 <= len(in) && plainWord(binary.LittleEndian.Uint64(in[i:])) {
			i += 8
		}
		if i >= len(in) {
			break
		}
		c := in[i]
		if c >= 0x20 && c < 0x80 && c != '"' && c != '\\' {
			continue
		}
		if c != '\\' {
			break
		}
		if i+1 >= len(in) || unescape(in[i+1]) == 0 {
			return "", nil, false
		}
		esc = true
		i++
	}
	if i >= len(in) || in[i] != '"' || i == start {
		return "", nil, false
	}
	raw := in[start:i]
	i = skipSpace(in, i+1)
	if i >= len(in) || in[i] != '}' || skipSpace(in, i+1) != len(in) {
		return "", nil, false
	}
	if !esc {
		return field, raw, true
	}
	value = make([]byte, 0, len(raw))
	for {
		j := bytes.IndexByte(raw, '\\')
		if j < 0 {
			return field, append(value, raw...), true
		}
		value = append(append(value, raw[:j]...), unescape(raw[j+1]))
		raw = raw[j+2:]
	}
}

// plainWord reports whether none of the 8 bytes of w needs a look: no
// control character, no byte of 0x80 or more, no '"' and no '\\' (the
// zero-byte tests of "Bit Twiddling Hacks", exact for whether any byte
// matches).
func plainWord(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	hasZero := func(x uint64) bool { return (x-ones)&^x&highs != 0 }
	return w&highs == 0 && // ASCII only; then "less than 0x20" is exact too
		(w-ones*0x20)&^w&highs == 0 &&
		!hasZero(w^(ones*'"')) && !hasZero(w^(ones*'\\'))
}

// unescape returns the byte a JSON escape \c stands for, or 0 for an
// escape fastInput leaves to encoding/json (\u…, or none).
func unescape(c byte) byte {
	switch c {
	case '"', '\\', '/':
		return c
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return 0
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// classify maps the signature package's refusals to the engine's
// client-safe categories; the signature sentinel stays errors.Is-able.
func classify(err error) error {
	switch {
	case errors.Is(err, signature.ErrNotAllowed):
		// A genuine signature of a signer the action's Check refuses: the
		// client code says so (the class stays verification_failed).
		return fmt.Errorf("%w: %w", ErrSignerNotAllowed, auth.Classify(auth.ErrVerification, err))
	case errors.Is(err, signature.ErrReplay):
		return auth.Classify(auth.ErrReplay, err)
	case errors.Is(err, signature.ErrExpired):
		return auth.Classify(auth.ErrExpired, err)
	case errors.Is(err, signature.ErrRevoked):
		return auth.Classify(auth.ErrRevoked, err)
	case errors.Is(err, signature.ErrRevocationUnavailable):
		return auth.Classify(auth.ErrUnavailable, err)
	case errors.Is(err, signature.ErrMalformed):
		return auth.Classify(auth.ErrInvalidInput, err)
	}
	return auth.Classify(auth.ErrVerification, err)
}

// ErrSignerNotAllowed is what Finish returns (errors.Is) for a valid
// signature whose signer the action's Check refuses: a key of another
// organisation, or one without the role the action needs (Config.Checks).
// It also matches auth.ErrVerification and the Check's
// signature.ErrNotAllowed. Its client code is "signer_not_allowed", with
// kk/ru/en messages (auth.ClientMessage), so that a page can say why
// rather than "verification failed".
var ErrSignerNotAllowed error = &codedError{code: "signer_not_allowed", msg: "ecp: the signer is not allowed to perform this action"}

// codedError is a sentinel with its own client code, which auth.Code reads
// before the auth class it is wrapped with.
type codedError struct{ code, msg string }

func (e *codedError) Error() string     { return e.msg }
func (e *codedError) ErrorCode() string { return e.code }

// classifyMapper keeps an engine category the mapper chose and denies
// everything else as a failed verification.
func classifyMapper(err error) error {
	var coded interface{ ErrorCode() string }
	if errors.As(err, &coded) {
		return fmt.Errorf("ecp: mapper: %w", err)
	}
	return auth.Classify(auth.ErrVerification, fmt.Errorf("ecp: mapper: %w", err))
}
