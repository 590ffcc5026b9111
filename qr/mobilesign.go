package qr

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/strongauth/strongauth/internal/origins"
	"github.com/strongauth/strongauth/signature"
)

// Mode B limits.
const (
	// DefaultMobileSignTTL is how long the URLs of a mode B session live.
	DefaultMobileSignTTL = 180 * time.Second
	// MaxMobileSubmit bounds the body of the signed-document PUT.
	MaxMobileSubmit = 2*signature.DefaultMaxInputSize + 64<<10
	// challengeMime is the mime type of the document to sign.
	challengeMime = "text/plain"
	// maxBareSignature and maxBareCertificate bound the parts of a
	// SIGN_BYTES_ARRAY answer (as signature.VerifyBytes does).
	maxBareSignature, maxBareCertificate = 1024, 16 << 10
)

// Sign methods of the mobileSign protocol: the document's signMethod, what
// eGov Mobile is asked to do with it.
const (
	// SignOnly asks for a detached CMS over the document.
	SignOnly = "CMS_SIGN_ONLY"
	// WithData asks for a CMS with the document inside.
	WithData = "CMS_WITH_DATA"
	// SignXML asks for an enveloped XML-DSig of the XML document, which
	// travels in documentXml both ways.
	SignXML = "XML"
	// SignBytesArray asks for a bare signature over the document's bytes
	// plus the signer's certificate (see ParseMobileSubmit for the form).
	SignBytesArray = "SIGN_BYTES_ARRAY"
)

// SignMethods lists the sign methods mode B speaks.
func SignMethods() []string { return []string{SignOnly, WithData, SignXML, SignBytesArray} }

func knownMethod(m string) bool {
	return m == SignOnly || m == WithData || m == SignXML || m == SignBytesArray
}

// Errors of mode B.
var (
	// ErrBearer reports a document request without the right bearer token.
	ErrBearer = errors.New("qr: missing or wrong bearer token")
	// ErrSignatureRefused reports a mode B signature the verifier refused;
	// the error also wraps the signature package's sentinel.
	ErrSignatureRefused = errors.New("qr: signature refused")
)

// Organisation is who asks for the signature, as eGov Mobile shows it.
type Organisation struct {
	NameRu string `json:"nameRu"`
	NameKz string `json:"nameKz"`
	NameEn string `json:"nameEn"`
	BIN    string `json:"bin"`
}

// MobileSignConfig configures mode B: QR signing in eGov Mobile (and apps
// speaking its public mobileSign protocol) with the user's ECP key.
//
// The QR code shows "mobileSign:<API 1 URL>". The app GETs API 1 (once)
// and learns the document URL and a bearer token; it GETs the document
// (once): a signature.Challenge bound to the web origin, the flow and the
// action; it PUTs the same JSON back with the CMS signature (once). The
// signature is verified with Verifier (chain, purpose, revocation, signing
// time, the challenge's binding and lifetime); the signer's identity comes
// only from the certificate in the CMS, and a Mapper (in the factor adapter)
// maps it to a subject.
type MobileSignConfig struct {
	// Verifier verifies the CMS. Required.
	Verifier *signature.Verifier
	// BaseURL is the absolute URL under which the host mounts the mode B
	// handler: API 1 is BaseURL/api1/{token}, the document
	// BaseURL/doc/{id}. https, or http on localhost. Required.
	BaseURL string
	// Organisation is shown by the app. NameRu is required; the others
	// default to it.
	Organisation Organisation
	// Origin is the web origin bound into challenges when a flow has none
	// ("https://portal.example.kz").
	Origin string
	// Purposes gives the key purpose per action; others use
	// signature.PurposeLogin (which refuses information-system
	// certificates).
	Purposes map[string]signature.Purpose
	// Checks gives an identity rule per action (signature.RequirePerson…),
	// applied after verification.
	Checks map[string]signature.Check
	// Actions lists the actions for which a mode B session may begin;
	// Begin refuses the others with ErrModeNotAllowed. Required: mode B has
	// no number matching, so whoever sees the code can answer it with
	// their own key (see the package doc, "Mode B"), and a host opts in per
	// action.
	Actions []string
	// Method is the sign method eGov Mobile is asked for (the document's
	// signMethod): SignOnly, WithData, SignXML or SignBytesArray. Zero
	// means SignOnly. An answer in another method is refused
	// (ErrSignMethod).
	Method string
	// Methods gives the sign method per action; other actions use Method.
	Methods map[string]string
	// TTL is how long every URL of a session lives. Zero means
	// DefaultMobileSignTTL; at most signature.MaxChallengeTTL.
	TTL time.Duration
	// Description describes an action for the app in a language ("kk",
	// "ru", "en"). Nil means "<service>: <action text>".
	Description func(action, lang string) string
}

func (m *MobileSignConfig) validate(_ time.Duration) (*MobileSignConfig, error) {
	c := *m
	if c.Verifier == nil {
		return nil, fmt.Errorf("%w: MobileSign.Verifier is required", ErrConfig)
	}
	u, err := url.Parse(strings.TrimSuffix(c.BaseURL, "/"))
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil ||
		!(u.Scheme == "https" || u.Scheme == "http" && origins.IsLoopbackHost(u.Hostname())) {
		return nil, fmt.Errorf("%w: MobileSign.BaseURL must be an absolute https URL (http only on localhost)", ErrConfig)
	}
	c.BaseURL = u.String()
	if c.Organisation.NameRu == "" {
		return nil, fmt.Errorf("%w: MobileSign.Organisation.NameRu is required", ErrConfig)
	}
	if c.Organisation.NameKz == "" {
		c.Organisation.NameKz = c.Organisation.NameRu
	}
	if c.Organisation.NameEn == "" {
		c.Organisation.NameEn = c.Organisation.NameRu
	}
	switch {
	case c.TTL == 0:
		c.TTL = DefaultMobileSignTTL
	case c.TTL < time.Second || c.TTL > signature.MaxChallengeTTL:
		return nil, fmt.Errorf("%w: MobileSign.TTL must be in [1s, %v]", ErrConfig, signature.MaxChallengeTTL)
	}
	if len(c.Actions) == 0 {
		return nil, fmt.Errorf("%w: MobileSign.Actions must list the actions that allow mode B", ErrConfig)
	}
	c.Actions = slices.Clone(m.Actions)
	for _, a := range c.Actions {
		if a == "" || !ValidName(a) {
			return nil, fmt.Errorf("%w: MobileSign.Actions: %q is not an action name", ErrConfig, a)
		}
	}
	if c.Method == "" {
		c.Method = SignOnly
	}
	if !knownMethod(c.Method) {
		return nil, fmt.Errorf("%w: MobileSign.Method must be one of %v", ErrConfig, SignMethods())
	}
	c.Methods = make(map[string]string, len(m.Methods))
	for a, meth := range m.Methods {
		if !knownMethod(meth) {
			return nil, fmt.Errorf("%w: MobileSign method of %q must be one of %v", ErrConfig, a, SignMethods())
		}
		c.Methods[a] = meth
	}
	c.Purposes = make(map[string]signature.Purpose, len(m.Purposes))
	for a, p := range m.Purposes {
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("%w: MobileSign purpose of %q: %w", ErrConfig, a, err)
		}
		c.Purposes[a] = p
	}
	c.Checks = make(map[string]signature.Check, len(m.Checks))
	for a, ck := range m.Checks {
		if ck == nil {
			return nil, fmt.Errorf("%w: MobileSign check of %q is nil", ErrConfig, a)
		}
		c.Checks[a] = ck
	}
	return &c, nil
}

// allows reports whether mode B may begin for action.
func (m *MobileSignConfig) allows(action string) bool { return slices.Contains(m.Actions, action) }

// method is the sign method asked for action.
func (m *MobileSignConfig) method(action string) string {
	if meth, ok := m.Methods[action]; ok {
		return meth
	}
	return m.Method
}

func (m *MobileSignConfig) purpose(action string) signature.Purpose {
	if p, ok := m.Purposes[action]; ok {
		return p
	}
	return signature.PurposeLogin()
}

// MobileSigner is who signed a mode B session: facts from the certificate
// (nothing secret) and the subject the Mapper chose.
type MobileSigner struct {
	Subject    string   `json:"subject"`
	IIN        string   `json:"iin,omitempty"`
	BIN        string   `json:"bin,omitempty"`
	CommonName string   `json:"cn,omitempty"`
	Roles      []string `json:"roles,omitempty"`
	KeyStorage string   `json:"key_storage"`
	Serial     string   `json:"serial"`
	Issuer     string   `json:"issuer"`
	Algorithm  string   `json:"algorithm"`
	// Method is the sign method of the answer (SignOnly, WithData,
	// SignXML, SignBytesArray).
	Method string `json:"method"`
}

func (s *Service) docKey(id string) string { return s.cfg.KeyPrefix + "doc:" + hashHex(id) }

// mobileContent is the QR text of a mode B session.
func (s *Service) mobileContent(r *record) string {
	return "mobileSign:" + s.mobile.BaseURL + "/api1/" + r.Token
}

// beginMobile fills a new record's mode B fields: the challenge and the
// document ID, and the session's lifetime.
func (s *Service) beginMobile(r *record, req BeginRequest, now time.Time) error {
	origin := req.Origin
	if origin == "" {
		origin = s.mobile.Origin
	}
	ch, err := signature.NewChallenge(s.cfg.Rand, signature.Binding{Origin: origin, Flow: req.FlowID, Action: req.Action},
		now, s.mobile.TTL)
	if errors.Is(err, signature.ErrChallengeMismatch) {
		return malformed("origin, flow or action cannot be bound into a challenge")
	}
	if err != nil {
		return unavailable("challenge", err)
	}
	if r.DocID, err = s.randomID(16); err != nil {
		return err
	}
	r.Mode = ModeMobileSign
	r.Method = s.mobile.method(req.Action)
	r.Challenge = ch.Marshal()
	// The challenge's lifetime is whole seconds; the session ends with it.
	r.Start, r.Expires = ch.IssuedAt, ch.ExpiresAt
	return nil
}

// MobileAPI1 is API 1's answer: what asks, until when, and where the
// document is.
type MobileAPI1 struct {
	Description  string       `json:"description"`
	ExpiryDate   time.Time    `json:"expiry_date"`
	Organisation Organisation `json:"organisation"`
	Document     struct {
		URI       string `json:"uri"`
		AuthType  string `json:"auth_type"`
		AuthToken string `json:"auth_token"`
	} `json:"document"`
}

// String redacts the bearer token.
func (a *MobileAPI1) String() string { return "qr.MobileAPI1{" + a.Description + "}" }

// MobileMeta is one line of what the app shows under a document.
type MobileMeta struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// MobileFile is a document's content as the protocol carries it.
type MobileFile struct {
	Mime string `json:"mime"`
	// Data is base64: the challenge to sign (GET); in the answer (PUT) the
	// base64 CMS (CMS methods) or the JSON text of the bare signature and
	// certificate (SIGN_BYTES_ARRAY; see ParseMobileSubmit).
	Data string `json:"data"`
}

// MobileFileDocument wraps a MobileFile as the protocol nests it.
type MobileFileDocument struct {
	File MobileFile `json:"file"`
}

// MobileDocument is one document to sign.
type MobileDocument struct {
	ID     int          `json:"id"`
	NameRu string       `json:"nameRu"`
	NameKz string       `json:"nameKz"`
	NameEn string       `json:"nameEn"`
	Meta   []MobileMeta `json:"meta"`
	// Document is the content for the CMS methods and SIGN_BYTES_ARRAY.
	Document *MobileFileDocument `json:"document,omitempty"`
	// DocumentXML is the XML document for the XML method: the document
	// to sign (GET), the signed document (PUT).
	DocumentXML string `json:"documentXml,omitempty"`
}

// MobileDocuments is the document API's JSON (GET answer and PUT body).
type MobileDocuments struct {
	SignMethod      string           `json:"signMethod"`
	Version         int              `json:"version"`
	DocumentsToSign []MobileDocument `json:"documentsToSign"`
}

// mobileRecord reads the live mode B session under key.
func (s *Service) mobileRecord(ctx context.Context, key string) (*record, error) {
	r, _, err := s.get(ctx, key)
	if err != nil {
		return nil, err
	}
	if !r.mobile() {
		return nil, ErrNoSession
	}
	if err := s.live(ctx, r, key); err != nil {
		return nil, err
	}
	return r, nil
}

func (s *Service) description(r *record, lang string) string {
	if s.mobile.Description != nil {
		if d := s.mobile.Description(r.Action, lang); d != "" {
			return d
		}
	}
	text := s.cfg.ActionText(r.Action, lang)
	if text == "" {
		text = r.Action
	}
	return s.cfg.Service + ": " + text
}

// MobileAPI1 answers API 1 of a mode B session, once: it marks the
// session scanned and issues the document's bearer token. A second call is
// ErrReplay; an unknown, replaced or mode A token is ErrNoSession.
func (s *Service) MobileAPI1(ctx context.Context, token, lang string) (*MobileAPI1, error) {
	if s.mobile == nil || !validID(token, idLen) {
		return nil, ErrNoSession
	}
	now := s.cfg.Now()
	key, err := s.byToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if _, err := s.mobileRecord(ctx, key); err != nil {
		return nil, err
	}
	bearer, err := s.randomID(32)
	if err != nil {
		return nil, err
	}
	r, err := s.update(ctx, key, now, func(r *record) (bool, error) {
		if !now.Before(r.Expires) {
			return false, ErrExpired
		}
		if r.State != StatePending {
			return false, ErrReplay
		}
		h := sha256.Sum256([]byte(bearer))
		r.State, r.Step, r.AuthHash, r.ScannedAt = StateScanned, "described", h[:], now
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	a := &MobileAPI1{Description: s.description(r, lang), ExpiryDate: r.Expires.UTC(), Organisation: s.mobile.Organisation}
	a.Document.URI = s.mobile.BaseURL + "/doc/" + r.DocID
	a.Document.AuthType = "Token"
	a.Document.AuthToken = bearer
	return a, nil
}

// authorised finds the session of a document ID and checks the bearer.
func (s *Service) authorised(ctx context.Context, docID, bearer string) (string, error) {
	if s.mobile == nil || !validID(docID, idLen) {
		return "", ErrNoSession
	}
	key, err := s.index(ctx, s.docKey(docID))
	if err != nil {
		return "", err
	}
	r, err := s.mobileRecord(ctx, key)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256([]byte(bearer))
	if len(r.AuthHash) != sha256.Size || subtle.ConstantTimeCompare(r.AuthHash, h[:]) != 1 ||
		subtle.ConstantTimeCompare([]byte(r.DocID), []byte(docID)) != 1 {
		return "", ErrBearer
	}
	return key, nil
}

// MobileDocument answers the document GET, once: the challenge to sign,
// with the requester's details as meta lines.
func (s *Service) MobileDocument(ctx context.Context, docID, bearer, lang string) (*MobileDocuments, error) {
	key, err := s.authorised(ctx, docID, bearer)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	r, err := s.update(ctx, key, now, func(r *record) (bool, error) {
		if !now.Before(r.Expires) {
			return false, ErrExpired
		}
		if r.Step != "described" {
			return false, ErrReplay
		}
		r.Step = "fetched"
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	method := r.Method
	if method == "" {
		method = SignOnly
	}
	d := MobileDocument{ID: 1, Meta: s.meta(r, lang)}
	d.NameKz, d.NameRu, d.NameEn = s.description(r, "kk"), s.description(r, "ru"), s.description(r, "en")
	if method == SignXML {
		ch, err := signature.ParseChallenge(r.Challenge)
		if err != nil {
			return nil, unavailable("store", errors.New("stored challenge is corrupt"))
		}
		d.DocumentXML = string(ch.XML(signature.XMLFormChallenge))
	} else {
		d.Document = &MobileFileDocument{File: MobileFile{Mime: challengeMime, Data: base64.StdEncoding.EncodeToString(r.Challenge)}}
	}
	return &MobileDocuments{SignMethod: method, Version: 1, DocumentsToSign: []MobileDocument{d}}, nil
}

// meta describes the requesting browser for the app, so that a user shown
// a relayed QR code sees it is not theirs.
func (s *Service) meta(r *record, lang string) []MobileMeta {
	names := map[string][4]string{ // browser, IP, place, time
		"kk": {"Браузер", "IP мекенжайы", "Орны", "Уақыты"},
		"ru": {"Браузер", "IP-адрес", "Место", "Время"},
		"en": {"Browser", "IP address", "Place", "Time"},
	}
	n, ok := names[lang]
	if !ok {
		n = names["en"]
	}
	m := []MobileMeta{{n[0], r.Browser + ", " + r.OS}}
	if r.IP != "" {
		m = append(m, MobileMeta{n[1], r.IP})
	}
	if r.Location != "" {
		m = append(m, MobileMeta{n[2], r.Location})
	}
	return append(m, MobileMeta{n[3], r.Start.UTC().Format(time.RFC3339)})
}

// MobileAnswer is eGov Mobile's answer to a mode B document, still to be
// verified. It holds a signature: String, GoString and LogValue omit it.
type MobileAnswer struct {
	// Method is the answer's signMethod.
	Method string
	// Signature is the CMS (DER, CMS methods), the signed XML document
	// (XML) or the bare signature (SIGN_BYTES_ARRAY).
	Signature []byte
	// Certificate is the signer's certificate, DER (SIGN_BYTES_ARRAY only).
	Certificate []byte
}

// String describes the answer without its signature.
func (a MobileAnswer) String() string {
	return fmt.Sprintf("qr.MobileAnswer{method=%s signature=%d bytes}", a.Method, len(a.Signature))
}

// GoString is String.
func (a MobileAnswer) GoString() string { return a.String() }

// LogValue implements slog.LogValuer.
func (a MobileAnswer) LogValue() slog.Value { return slog.StringValue(a.String()) }

// bareSignature is the data of a SIGN_BYTES_ARRAY answer.
type bareSignature struct {
	Signature   string `json:"signature"`
	Certificate string `json:"certificate"`
}

// Body returns the PUT body answering docs (the document GET's JSON) with
// a: docs with a.Method as signMethod and the signature where that method
// carries it. It is what an app sends; ParseMobileSubmit reads it back.
func (a *MobileAnswer) Body(docs *MobileDocuments) ([]byte, error) {
	if docs == nil || len(docs.DocumentsToSign) != 1 {
		return nil, errors.New("qr: answer needs the one fetched document")
	}
	out := *docs
	d := docs.DocumentsToSign[0]
	out.SignMethod = a.Method
	switch a.Method {
	case SignXML:
		d.Document, d.DocumentXML = nil, string(a.Signature)
	case SignBytesArray:
		j, err := json.Marshal(bareSignature{Signature: base64.StdEncoding.EncodeToString(a.Signature),
			Certificate: base64.StdEncoding.EncodeToString(a.Certificate)})
		if err != nil {
			return nil, err
		}
		d.Document, d.DocumentXML = &MobileFileDocument{File: MobileFile{Mime: mimeOf(d), Data: string(j)}}, ""
	default:
		d.Document, d.DocumentXML = &MobileFileDocument{File: MobileFile{Mime: mimeOf(d),
			Data: base64.StdEncoding.EncodeToString(a.Signature)}}, ""
	}
	out.DocumentsToSign = []MobileDocument{d}
	return json.Marshal(out)
}

func mimeOf(d MobileDocument) string {
	if d.Document != nil {
		return d.Document.File.Mime
	}
	return ""
}

// ParseMobileSubmit reads the body of the document PUT, answering a
// document that asked for method: the documents JSON with exactly one
// document, id 1, version 1, signMethod method (else ErrSignMethod), and
// the signature where that method puts it:
//
//	CMS_SIGN_ONLY, CMS_WITH_DATA  document.file.data: the CMS, base64
//	XML                           documentXml: the signed XML document
//	SIGN_BYTES_ARRAY              document.file.data: the JSON text
//	                              {"signature": base64, "certificate": base64 DER}
//
// The SIGN_BYTES_ARRAY form is not in a published specification: it is
// the form NCANode's /x509/sign returns "as eGov Mobile does" and /x509/verify
// checks (signature and certificate, base64), which server implementations
// of the protocol receive as a JSON string in data. It is read strictly —
// an object with exactly those two string members, no other, no duplicate,
// nothing after it. Anything else is ErrMalformed. On error the answer is
// nil.
func ParseMobileSubmit(body []byte, method string) (*MobileAnswer, error) {
	if !knownMethod(method) {
		return nil, fmt.Errorf("%w: unknown sign method asked", ErrConfig)
	}
	if len(body) > MaxMobileSubmit {
		return nil, malformed("signed document too large")
	}
	var d MobileDocuments
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&d); err != nil {
		return nil, malformed("signed document is not the documents JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, malformed("data after the signed document")
	}
	if len(d.DocumentsToSign) != 1 || d.DocumentsToSign[0].ID != 1 || d.Version != 1 {
		return nil, malformed("signed document shape")
	}
	if d.SignMethod != method {
		return nil, ErrSignMethod
	}
	doc := d.DocumentsToSign[0]
	a := &MobileAnswer{Method: method}
	if method == SignXML {
		if doc.Document != nil && doc.Document.File.Data != "" {
			return nil, malformed("an XML answer with file data")
		}
		if doc.DocumentXML == "" || len(doc.DocumentXML) > signature.DefaultMaxInputSize {
			return nil, malformed("signed XML size")
		}
		a.Signature = []byte(doc.DocumentXML)
		return a, nil
	}
	if doc.DocumentXML != "" {
		return nil, malformed("documentXml in a " + method + " answer")
	}
	if doc.Document == nil {
		return nil, malformed("no document in the answer")
	}
	data := doc.Document.File.Data
	if method == SignBytesArray {
		sig, cert, err := parseBareSignature(data)
		if err != nil {
			return nil, err
		}
		a.Signature, a.Certificate = sig, cert
		return a, nil
	}
	cms, err := decodeBase64(data)
	if err != nil || len(cms) == 0 || len(cms) > signature.DefaultMaxInputSize {
		return nil, malformed("signature is not base64 of a bounded size")
	}
	a.Signature = cms
	return a, nil
}

// decodeBase64 reads standard base64, padded or not (line breaks, which
// some encoders add every 76 characters, are skipped).
func decodeBase64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		b, err = base64.RawStdEncoding.DecodeString(s)
	}
	return b, err
}

// parseBareSignature reads {"signature": base64, "certificate": base64}
// strictly: one object, exactly these two string members once each,
// nothing after it.
func parseBareSignature(data string) (sig, cert []byte, err error) {
	bad := func(what string) ([]byte, []byte, error) {
		return nil, nil, malformed("SIGN_BYTES_ARRAY data: " + what)
	}
	if len(data) > 4*(maxBareSignature+maxBareCertificate) {
		return bad("too large")
	}
	dec := json.NewDecoder(strings.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return bad("not a JSON object")
	}
	var got bareSignature
	seen := map[string]bool{}
	for dec.More() {
		k, err := dec.Token()
		key, ok := k.(string)
		if err != nil || !ok || seen[key] || (key != "signature" && key != "certificate") {
			return bad("members must be signature and certificate, once each")
		}
		seen[key] = true
		v, err := dec.Token()
		val, ok := v.(string)
		if err != nil || !ok {
			return bad("members must be strings")
		}
		if key == "signature" {
			got.Signature = val
		} else {
			got.Certificate = val
		}
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') || len(seen) != 2 {
		return bad("members must be signature and certificate, once each")
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad("data after the object")
	}
	if sig, err = decodeBase64(got.Signature); err != nil || len(sig) == 0 || len(sig) > maxBareSignature {
		return bad("signature is not base64 of a bounded size")
	}
	if cert, err = decodeBase64(got.Certificate); err != nil || len(cert) == 0 || len(cert) > maxBareCertificate {
		return bad("certificate is not base64 of a bounded size")
	}
	return sig, cert, nil
}

// MobileMapper maps a verified signer of a mode B session to the subject it
// authenticates (the factor adapter's Mapper); an error refuses it.
type MobileMapper func(ctx context.Context, action, flowSubject string, s *signature.Signer) (subject string, err error)

// MobileSubmit takes the document PUT, once: it reads the answer in the
// sign method the document asked for (ParseMobileSubmit; another method is
// ErrSignMethod), verifies it over the session's challenge —
// VerifyChallenge for the CMS methods (detached for CMS_SIGN_ONLY, with the
// challenge inside for CMS_WITH_DATA), VerifyChallengeXML for XML,
// VerifyChallengeBytes for SIGN_BYTES_ARRAY: chain, purpose, revocation,
// binding, lifetime, and the signing time a CMS carries —, applies the
// action's Check, maps the signer with mapper and, if the flow has a
// subject, requires the same one (ErrWrongSubject). Any refusal fails the
// session for good and wraps ErrSignatureRefused and the cause (a
// signature sentinel, ErrSignMethod, or the mapper's error). On success
// the browser's Status names the signer, and the browser may redeem the
// approval within RedeemTTL once it confirms that name
// (WithConfirmation).
func (s *Service) MobileSubmit(ctx context.Context, docID, bearer string, body []byte, mapper MobileMapper) (*MobileSigner, error) {
	if mapper == nil {
		return nil, fmt.Errorf("%w: no mapper", ErrConfig)
	}
	key, err := s.authorised(ctx, docID, bearer)
	if err != nil {
		return nil, err
	}
	confirm, err := s.randomID(16)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	// Claim the single use first: of concurrent submissions one proceeds.
	r, err := s.update(ctx, key, now, func(r *record) (bool, error) {
		if !now.Before(r.Expires) {
			return false, ErrExpired
		}
		if r.Step != "fetched" {
			return false, ErrReplay
		}
		r.Step = "submitted"
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	method := r.Method
	if method == "" {
		method = SignOnly
	}
	ans, perr := ParseMobileSubmit(body, method)
	signer, verr := s.verifyMobile(ctx, r, method, ans, perr, now, mapper)
	_, err = s.update(ctx, key, now, func(r *record) (bool, error) {
		if r.Step != "submitted" || r.State != StateScanned {
			return false, ErrReplay
		}
		r.DecidedAt = now
		if verr != nil {
			r.State, r.Reason = StateFailed, signature.Code(verr)
			if errors.Is(verr, ErrSignMethod) {
				r.Reason = "sign_method"
			}
			return true, nil
		}
		r.State, r.Signer, r.Confirm, r.RedeemBy = StateApproved, signer, confirm, now.Add(s.cfg.RedeemTTL)
		return true, nil
	})
	if verr != nil {
		return nil, verr
	}
	if err != nil {
		return nil, err
	}
	return signer, nil
}

func (s *Service) verifyMobile(ctx context.Context, r *record, method string, ans *MobileAnswer, perr error, now time.Time,
	mapper MobileMapper) (*MobileSigner, error) {
	refuse := func(err error) (*MobileSigner, error) { return nil, fmt.Errorf("%w: %w", ErrSignatureRefused, err) }
	if perr != nil {
		return refuse(perr)
	}
	ch, err := signature.ParseChallenge(r.Challenge)
	if err != nil {
		return nil, unavailable("store", errors.New("stored challenge is corrupt"))
	}
	b := signature.Binding{Origin: ch.Origin, Flow: r.Flow, Action: r.Action}
	v, purpose := s.mobile.Verifier, s.mobile.purpose(r.Action)
	var res *signature.Result
	switch method {
	case SignXML:
		res, err = v.VerifyChallengeXML(ctx, ans.Signature, ch, b, now, purpose, signature.XMLFormChallenge)
	case SignBytesArray:
		res, err = v.VerifyChallengeBytes(ctx, ans.Signature, ans.Certificate, ch, b, now, purpose)
	default:
		res, err = v.VerifyChallenge(ctx, ans.Signature, ch, b, now, purpose)
		if err == nil && res.Detached != (method == SignOnly) {
			return refuse(fmt.Errorf("%w: a CMS %s the document where %s was asked", ErrSignMethod,
				map[bool]string{true: "without", false: "with"}[res.Detached], method))
		}
	}
	if err != nil {
		if errors.Is(err, signature.ErrRevocationUnavailable) {
			return nil, unavailable("revocation", err)
		}
		return refuse(err)
	}
	sg := &res.Signers[0]
	if ck, ok := s.mobile.Checks[r.Action]; ok {
		if err := ck(&sg.Identity); err != nil {
			return refuse(err)
		}
	}
	subject, err := mapper(ctx, r.Action, r.Subject, sg)
	if err != nil {
		return refuse(err)
	}
	if subject == "" {
		return refuse(errors.New("the mapper returned no subject"))
	}
	if r.Subject != "" && subject != r.Subject {
		return refuse(ErrWrongSubject)
	}
	roles := make([]string, len(sg.Identity.Roles))
	for i, ro := range sg.Identity.Roles {
		roles[i] = string(ro)
	}
	return &MobileSigner{Subject: subject, IIN: sg.Identity.IIN, BIN: sg.Identity.BIN, CommonName: sg.Identity.CommonName,
		Roles: roles, KeyStorage: string(sg.Identity.KeyStorage), Serial: sg.Certificate.Serial,
		Issuer: sg.Certificate.Issuer, Algorithm: sg.Algorithm, Method: method}, nil
}
