// Package ecptest is strongauth's test kit for ECP login pages: a stand-in
// for NCALayer, the NCA's desktop signer, that speaks its WebSocket
// protocol with test keys (Sim, Serve); a one-call development PKI in the
// Kazakh NCA profile whose verifier the host's ecp factor can use (NewPKI);
// and Answer, which answers a challenge as NCALayer would, for tests that
// drive the host's endpoints without a browser. A host tests its own login
// pages end to end with it — headless Chromium, its own page, the kit's
// simulator — without the NCA's software or real keys.
//
// It is for tests and development only: its keys are test keys, the
// simulator asks nobody before signing (unless Config.Approve does) and
// refuses to start unless Config.InsecureTestKeys says so; it never belongs
// in production.
//
// # Protocol
//
// On connect it sends {"result": {"version": "1.4"}}. Each text message is a
// request {"module", "method", "args"}; for module kz.gov.pki.knca.basics,
// method sign and args
//
//	{"allowedStorages": […] | null, "format": "cms", "data": "<base64>" | ["…"],
//	 "signingParams": {"decode": true, "encapsulate": false, "digested": false},
//	 "signerParams": {"extKeyUsageOids": […], "iin": "…", "bin": "…"}, "locale": "ru"}
//
// it picks the first key whose certificate matches the signer parameters
// (IIN, BIN, every extended key usage listed, and a storage allowed), signs
// the data — base64-decoded when decode is true — as a CMS SignedData,
// attached when encapsulate is true, and answers
//
//	{"status": true, "body": {"result": ["-----BEGIN CMS-----…"]}}
//
// with one PEM CMS per data item, as the current NCALayer does. With
// "format": "xml" it signs each data item (the XML document itself when
// decode is false) as an enveloped XML-DSig, as signXml does, and answers
// the signed documents; the legacy kz.gov.pki.knca.commonUtils signXml
// request (args [storage, keyType, xml, "", ""]) is answered
// {"code": "200", "responseObject": "<signed xml>"}, or {"code": "500",
// "message": …}. When the
// user "cancels" (Config.Approve returns ErrCancelled) it answers, like
// NCALayer, {"status": true, "body": {}}; any other failure is
// {"status": false, "code": "…", "message": "…"} with the codes below.
//
// # Keys
//
// A Key is a certificate and a function that makes a CMS with its private
// key. DevKey turns a signature/devpki leaf into one (GOST-2015, GOST-2004,
// RSA or ECDSA); WriteDir and LoadDir carry such keys to a simulator in
// another process as NAME.crt.pem with NAME.key.hex (GOST) or NAME.key.pem
// (PKCS#8), each key checked against its certificate when loaded.
//
// # Security
//
// The simulator accepts WebSocket connections only from Config.Origins
// (exact scheme://host:port; a request without an Origin header — not a
// browser — is accepted), bounds every message (Config.MaxMessage), and
// never logs the data it signs.
package ecptest

import (
	"context"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/strongauth/strongauth/internal/errcode"
)

// Protocol constants.
const (
	Module     = "kz.gov.pki.knca.basics"
	MethodSign = "sign"
	// ModuleCommonUtils and MethodSignXML are the legacy module and method
	// that sign an XML document: args [storage, keyType, xml, "", ""],
	// answer {"code": "200", "responseObject": "<signed xml>"}.
	ModuleCommonUtils = "kz.gov.pki.knca.commonUtils"
	MethodSignXML     = "signXml"
	StoragePKCS12     = "PKCS12"
	// DefaultVersion is the NCALayer version announced on connect.
	DefaultVersion = "1.4"
	// DefaultMaxMessage bounds a request.
	DefaultMaxMessage = 1 << 20
)

// Failure codes of {"status": false, "code"} answers.
const (
	CodeBadRequest      = "BAD_REQUEST"      // not JSON, or arguments missing or malformed
	CodeUnknownModule   = "MODULE_NOT_FOUND" // another module
	CodeUnknownMethod   = "METHOD_NOT_FOUND" // another method of the basics module
	CodeUnsupported     = "UNSUPPORTED"      // a format other than cms, or digested data
	CodeNoSuitableKey   = "NO_SUITABLE_KEY"  // no key matches the signer parameters
	CodeSigningFailed   = "SIGNING_FAILED"   // the key could not sign
	CodeRefused         = "REFUSED"          // Config.Approve refused with another error
	maxDataItems        = 16
	defaultWriteTimeout = 10 * time.Second
)

// ErrCancelled, returned by Config.Approve, makes the simulator answer as
// NCALayer does when the user closes its dialog.
var ErrCancelled = errors.New("ecptest: cancelled by the user")

// ErrConfig reports an invalid Config.
var ErrConfig = errcode.Sentinel("ecptest: invalid configuration", errcode.Config)

// Key is one test key the simulator signs with.
type Key struct {
	// Certificate is the key's certificate; its IIN (subject serialNumber
	// "IIN…"), BIN (OU "BIN…") and extended key usages select it.
	Certificate *x509.Certificate
	// Sign makes a CMS SignedData (DER) over content with the key, the
	// content inside (attached) or not (detached).
	Sign func(content []byte, attached bool) ([]byte, error)
	// SignXML signs an XML document as NCALayer's signXml does (an
	// enveloped XML-DSig). Nil: the key cannot sign XML (UNSUPPORTED).
	SignXML func(doc []byte) ([]byte, error)
	// Storage is the storage type it pretends to live in. Zero means
	// "PKCS12" (a key file).
	Storage string
}

// IIN returns the individual identification number in the certificate's
// subject ("" if none).
func (k *Key) IIN() string { return subjectValue(k.Certificate, oidSerialNumber, "IIN") }

// BIN returns the business identification number in the certificate's
// subject ("" if none).
func (k *Key) BIN() string { return subjectValue(k.Certificate, oidOU, "BIN") }

var (
	oidSerialNumber = asn1.ObjectIdentifier{2, 5, 4, 5}
	oidOU           = asn1.ObjectIdentifier{2, 5, 4, 11}
)

func subjectValue(c *x509.Certificate, oid asn1.ObjectIdentifier, prefix string) string {
	if c == nil {
		return ""
	}
	for _, a := range c.Subject.Names {
		if s, ok := a.Value.(string); ok && a.Type.Equal(oid) && strings.HasPrefix(s, prefix) {
			return strings.TrimPrefix(s, prefix)
		}
	}
	return ""
}

// ekus returns the certificate's extended key usages as dotted OIDs.
func ekus(c *x509.Certificate) []string {
	known := map[x509.ExtKeyUsage]string{
		x509.ExtKeyUsageServerAuth:      "1.3.6.1.5.5.7.3.1",
		x509.ExtKeyUsageClientAuth:      "1.3.6.1.5.5.7.3.2",
		x509.ExtKeyUsageCodeSigning:     "1.3.6.1.5.5.7.3.3",
		x509.ExtKeyUsageEmailProtection: "1.3.6.1.5.5.7.3.4",
		x509.ExtKeyUsageTimeStamping:    "1.3.6.1.5.5.7.3.8",
		x509.ExtKeyUsageOCSPSigning:     "1.3.6.1.5.5.7.3.9",
	}
	var out []string
	for _, u := range c.ExtKeyUsage {
		if s, ok := known[u]; ok {
			out = append(out, s)
		}
	}
	for _, o := range c.UnknownExtKeyUsage {
		out = append(out, o.String())
	}
	return out
}

// Config configures a Sim.
type Config struct {
	// InsecureTestKeys must be true: it acknowledges that the simulator
	// signs with the given test keys for any page of Origins without
	// asking anyone. New refuses to build a simulator without it, so that
	// the kit cannot end up in a production configuration by accident.
	InsecureTestKeys bool
	// Keys are the test keys, tried in order. Required.
	Keys []Key
	// Origins are the exact web origins whose pages may connect
	// ("http://localhost:8080"). Required. (The real NCALayer accepts any
	// origin; the simulator is stricter.)
	Origins []string
	// Approve, if set, stands for the user in NCALayer's dialog: it is
	// called before each signature with the request and the chosen key;
	// ErrCancelled answers as a cancelled dialog, another error refuses.
	// Nil signs everything.
	Approve func(ctx context.Context, req *Request, key *Key) error
	// Version is announced on connect. Zero means DefaultVersion.
	Version string
	// MaxMessage bounds a request in bytes. Zero means DefaultMaxMessage.
	MaxMessage int64
	// Log receives one line per request (never the data). Nil discards.
	Log *slog.Logger
}

// Request is a request to the simulator.
type Request struct {
	Module string   `json:"module"`
	Method string   `json:"method"`
	Args   SignArgs `json:"args"`
}

// SignArgs are the arguments of basics.sign.
type SignArgs struct {
	AllowedStorages []string `json:"allowedStorages"`
	Format          string   `json:"format"`
	// Data is a string or an array of strings.
	Data          json.RawMessage `json:"data"`
	SigningParams struct {
		Decode      bool `json:"decode"`
		Encapsulate bool `json:"encapsulate"`
		Digested    bool `json:"digested"`
	} `json:"signingParams"`
	SignerParams struct {
		ExtKeyUsageOids []string `json:"extKeyUsageOids"`
		IIN             string   `json:"iin"`
		BIN             string   `json:"bin"`
	} `json:"signerParams"`
	Locale string `json:"locale"`
}

// Response is the simulator's answer.
type Response struct {
	Status  bool   `json:"status"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	Body    *Body  `json:"body,omitempty"`
	// ResponseObject is the signed XML of a legacy signXml answer.
	ResponseObject string `json:"responseObject,omitempty"`
}

// Body is the body of a successful answer: one CMS per data item, or none
// when the user cancelled.
type Body struct {
	Result []string `json:"result,omitempty"`
}

// Sim is the simulator: an http.Handler that upgrades to a WebSocket. It is
// safe for concurrent use.
type Sim struct {
	cfg    Config
	signed atomic.Int64
}

// New validates cfg and returns a Sim.
func New(cfg Config) (*Sim, error) {
	if !cfg.InsecureTestKeys {
		return nil, fmt.Errorf("%w: InsecureTestKeys must be set: the simulator signs with test keys, unasked, and is for tests and development only", ErrConfig)
	}
	if len(cfg.Keys) == 0 {
		return nil, fmt.Errorf("%w: no keys", ErrConfig)
	}
	for i, k := range cfg.Keys {
		if k.Certificate == nil || k.Sign == nil {
			return nil, fmt.Errorf("%w: key %d needs Certificate and Sign", ErrConfig, i)
		}
	}
	if len(cfg.Origins) == 0 {
		return nil, fmt.Errorf("%w: no origins", ErrConfig)
	}
	for _, o := range cfg.Origins {
		u, err := url.Parse(o)
		if err != nil || u.Host == "" || o != u.Scheme+"://"+u.Host {
			return nil, fmt.Errorf("%w: origin %q is not scheme://host[:port]", ErrConfig, o)
		}
	}
	cfg.Keys = slices.Clone(cfg.Keys)
	cfg.Origins = slices.Clone(cfg.Origins)
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	}
	if cfg.MaxMessage <= 0 {
		cfg.MaxMessage = DefaultMaxMessage
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Sim{cfg: cfg}, nil
}

// Signed reports how many signatures the simulator has made.
func (s *Sim) Signed() int64 { return s.signed.Load() }

// ServeHTTP accepts a WebSocket from an allowed origin and serves requests
// on it until the client leaves.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if o := r.Header.Get("Origin"); o != "" && !slices.Contains(s.cfg.Origins, o) {
		s.cfg.Log.Warn("ecptest: connection from a foreign origin refused", slog.String("origin", truncate(o, 100)))
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true}) // the origin is checked above, exactly
	if err != nil {
		return
	}
	defer c.CloseNow()
	c.SetReadLimit(s.cfg.MaxMessage)
	ctx := r.Context()
	if err := s.write(ctx, c, map[string]any{"result": map[string]string{"version": s.cfg.Version}}); err != nil {
		return
	}
	for {
		typ, msg, err := c.Read(ctx)
		if err != nil {
			if websocket.CloseStatus(err) == websocket.StatusMessageTooBig {
				s.cfg.Log.Warn("ecptest: request too large")
			}
			return
		}
		if typ != websocket.MessageText {
			_ = s.write(ctx, c, fail(CodeBadRequest, "text messages only"))
			continue
		}
		if err := s.write(ctx, c, s.Handle(ctx, msg)); err != nil {
			return
		}
	}
}

func (s *Sim) write(ctx context.Context, c *websocket.Conn, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, defaultWriteTimeout)
	defer cancel()
	return c.Write(ctx, websocket.MessageText, b)
}

func fail(code, msg string) *Response { return &Response{Status: false, Code: code, Message: msg} }

// Handle answers one request message (the WebSocket is only its transport).
func (s *Sim) Handle(ctx context.Context, msg []byte) *Response {
	var raw struct {
		Module string          `json:"module"`
		Method string          `json:"method"`
		Args   json.RawMessage `json:"args"`
	}
	if err := json.Unmarshal(msg, &raw); err != nil {
		return fail(CodeBadRequest, "the request is not JSON of the expected shape")
	}
	if raw.Module == ModuleCommonUtils {
		return s.handleSignXML(ctx, raw.Method, raw.Args)
	}
	req := Request{Module: raw.Module, Method: raw.Method}
	if err := json.Unmarshal(raw.Args, &req.Args); err != nil {
		return fail(CodeBadRequest, "the request is not JSON of the expected shape")
	}
	switch {
	case req.Module != Module:
		return fail(CodeUnknownModule, "unknown module")
	case req.Method != MethodSign:
		return fail(CodeUnknownMethod, "unknown method")
	case req.Args.Format != "cms" && req.Args.Format != "xml":
		return fail(CodeUnsupported, "only formats cms and xml are supported")
	case req.Args.SigningParams.Digested:
		return fail(CodeUnsupported, "digested data is not supported")
	}
	items, err := dataItems(req.Args.Data, req.Args.SigningParams.Decode)
	if err != nil {
		return fail(CodeBadRequest, err.Error())
	}
	key, refusal := s.pick(ctx, &req)
	if refusal != nil {
		return refusal
	}
	out := &Response{Status: true, Body: &Body{}}
	for _, content := range items {
		signed, err := s.sign(key, req.Args.Format, content, req.Args.SigningParams.Encapsulate)
		if err != nil {
			return err
		}
		out.Body.Result = append(out.Body.Result, signed)
	}
	s.cfg.Log.Info("ecptest: signed", slog.String("iin", key.IIN()), slog.String("bin", key.BIN()), slog.String("format", req.Args.Format),
		slog.Int("items", len(items)), slog.Bool("attached", req.Args.SigningParams.Encapsulate))
	return out
}

// pick chooses the key for req and asks Config.Approve; a non-nil Response
// is the answer instead (no key, cancelled, refused).
func (s *Sim) pick(ctx context.Context, req *Request) (*Key, *Response) {
	key := s.choose(&req.Args)
	if key == nil {
		s.cfg.Log.Info("ecptest: no suitable key", slog.String("iin", req.Args.SignerParams.IIN), slog.String("bin", req.Args.SignerParams.BIN))
		return nil, fail(CodeNoSuitableKey, "no key matches the signer parameters")
	}
	if s.cfg.Approve != nil {
		if err := s.cfg.Approve(ctx, req, key); errors.Is(err, ErrCancelled) {
			s.cfg.Log.Info("ecptest: cancelled", slog.String("iin", key.IIN()))
			return nil, &Response{Status: true, Body: &Body{}}
		} else if err != nil {
			return nil, fail(CodeRefused, "refused")
		}
	}
	return key, nil
}

// sign signs one item in format ("cms": PEM CMS; "xml": the signed
// document).
func (s *Sim) sign(key *Key, format string, content []byte, attached bool) (string, *Response) {
	var out string
	switch {
	case format == "xml" && key.SignXML == nil:
		return "", fail(CodeUnsupported, "the key cannot sign XML")
	case format == "xml":
		doc, err := key.SignXML(content)
		if err != nil {
			s.cfg.Log.Warn("ecptest: signing failed", slog.String("iin", key.IIN()), slog.String("error", err.Error()))
			return "", fail(CodeSigningFailed, "the key could not sign")
		}
		out = string(doc)
	default:
		der, err := key.Sign(content, attached)
		if err != nil {
			s.cfg.Log.Warn("ecptest: signing failed", slog.String("iin", key.IIN()), slog.String("error", err.Error()))
			return "", fail(CodeSigningFailed, "the key could not sign")
		}
		out = string(pem.EncodeToMemory(&pem.Block{Type: "CMS", Bytes: der}))
	}
	s.signed.Add(1)
	return out, nil
}

// handleSignXML answers the legacy commonUtils.signXml: args [storage,
// keyType, xml, "", ""]; {"code": "200", "responseObject": …} on success,
// {"code": "500", "message": …} otherwise (a cancelled dialog included).
func (s *Sim) handleSignXML(ctx context.Context, method string, args json.RawMessage) *Response {
	legacyFail := func(msg string) *Response { return &Response{Code: "500", Message: msg} }
	if method != MethodSignXML {
		return legacyFail("unknown method")
	}
	var list []string
	if err := json.Unmarshal(args, &list); err != nil || len(list) < 3 || list[2] == "" {
		return legacyFail("args must be [storage, keyType, xml, …]")
	}
	req := &Request{Module: ModuleCommonUtils, Method: MethodSignXML}
	req.Args.Format = "xml"
	req.Args.AllowedStorages = []string{list[0]}
	req.Args.Data, _ = json.Marshal(list[2])
	key, refusal := s.pick(ctx, req)
	if refusal != nil {
		if refusal.Status {
			return legacyFail("action.canceled")
		}
		return legacyFail(refusal.Code)
	}
	signed, fr := s.sign(key, "xml", []byte(list[2]), false)
	if fr != nil {
		return legacyFail(fr.Code)
	}
	s.cfg.Log.Info("ecptest: signed", slog.String("iin", key.IIN()), slog.String("format", "xml"), slog.String("method", MethodSignXML))
	return &Response{Code: "200", ResponseObject: signed}
}

// dataItems reads data: a string or an array of 1 to 16 strings, each
// base64-decoded when decode is set.
func dataItems(raw json.RawMessage, decode bool) ([][]byte, error) {
	var list []string
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		list = []string{one}
	} else if err := json.Unmarshal(raw, &list); err != nil {
		return nil, errors.New("data must be a string or an array of strings")
	}
	if len(list) == 0 || len(list) > maxDataItems {
		return nil, fmt.Errorf("data must hold 1 to %d items", maxDataItems)
	}
	out := make([][]byte, len(list))
	for i, s := range list {
		if !decode {
			out[i] = []byte(s)
			continue
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, errors.New("data is not base64")
		}
		out[i] = b
	}
	return out, nil
}

// choose returns the first key that matches the signer parameters.
func (s *Sim) choose(a *SignArgs) *Key {
	for i := range s.cfg.Keys {
		k := &s.cfg.Keys[i]
		storage := k.Storage
		if storage == "" {
			storage = StoragePKCS12
		}
		switch {
		case a.AllowedStorages != nil && !slices.Contains(a.AllowedStorages, storage):
		case a.SignerParams.IIN != "" && a.SignerParams.IIN != k.IIN():
		case a.SignerParams.BIN != "" && a.SignerParams.BIN != k.BIN():
		case !containsAll(ekus(k.Certificate), a.SignerParams.ExtKeyUsageOids):
		default:
			return k
		}
	}
	return nil
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
