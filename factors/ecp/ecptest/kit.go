package ecptest

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/strongauth/strongauth/factors/ecp"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/revocation"
)

// Person is a test person of a development PKI.
type Person struct {
	Surname, Name, Patronymic string
	// IIN is the person's 12-digit individual identification number.
	IIN string
	// Kind is the NCA profile: devpki.Individual (the zero value), or a
	// legal entity's devpki.FirstHead, devpki.RightToSign,
	// devpki.Employee…, which need BIN (and may name the Organisation).
	Kind              devpki.Kind
	BIN, Organisation string
	// Revoked puts the certificate on the issuing CA's CRL.
	Revoked bool
}

// PKIOptions configures NewPKI.
type PKIOptions struct {
	// People get one key each. Required.
	People []Person
	// Algorithm of every key. Zero means devpki.GOST2015 (the NCA's).
	Algorithm devpki.Algorithm
	// Now is the clock the certificates and CRLs are made at. Nil means
	// time.Now.
	Now func() time.Time
}

// PKI is a development PKI in the Kazakh NCA profile: a root, an issuing
// CA, a key per person and CRLs. Nothing of it is trusted anywhere else.
type PKI struct {
	Root, CA *devpki.CA
	// Leaves are the people's keys, in the order of PKIOptions.People.
	Leaves []*devpki.Leaf
	// CRLs are the root's CRL (for the CA) and the CA's (for the people).
	CRLs []revocation.StaticCRL
	now  func() time.Time
}

// NewPKI makes a development PKI in one call.
func NewPKI(o PKIOptions) (*PKI, error) {
	if len(o.People) == 0 {
		return nil, fmt.Errorf("%w: PKIOptions.People is empty", ErrConfig)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	alg := o.Algorithm
	if alg == "" {
		alg = devpki.GOST2015
	}
	g := devpki.New(devpki.Config{Now: o.Now})
	root, err := g.Root(devpki.CAOptions{CommonName: "ECPTEST ROOT (NOT THE NCA)", Algorithm: alg})
	if err != nil {
		return nil, err
	}
	ca, err := root.Intermediate(devpki.CAOptions{CommonName: "ECPTEST ISSUING CA (NOT THE NCA)", MaxPathLenZero: true})
	if err != nil {
		return nil, err
	}
	p := &PKI{Root: root, CA: ca, now: o.Now}
	var revoked []devpki.Revoked
	for _, person := range o.People {
		lo := devpki.LeafOptions{Kind: person.Kind, Surname: person.Surname, Name: person.Name,
			Patronymic: person.Patronymic, IIN: person.IIN, BIN: person.BIN, Organization: person.Organisation}
		if lo.Kind == "" {
			lo.Kind = devpki.Individual
		}
		leaf, err := ca.Issue(lo)
		if err != nil {
			return nil, fmt.Errorf("person %s: %w", person.IIN, err)
		}
		p.Leaves = append(p.Leaves, leaf)
		if person.Revoked {
			revoked = append(revoked, devpki.Revoked{Serial: leaf.Cert.SerialNumber, At: o.Now().Add(-time.Hour), Reason: 1})
		}
	}
	year := o.Now().AddDate(1, 0, 0)
	rootCRL, err := root.CRL(devpki.CRLOptions{NextUpdate: year})
	if err != nil {
		return nil, err
	}
	caCRL, err := ca.CRL(devpki.CRLOptions{Revoked: revoked, NextUpdate: year})
	if err != nil {
		return nil, err
	}
	p.CRLs = []revocation.StaticCRL{{CRL: rootCRL, Issuer: root.Cert}, {CRL: caCRL, Issuer: ca.Cert}}
	return p, nil
}

// Leaf returns the key of the person with iin, or nil.
func (p *PKI) Leaf(iin string) *devpki.Leaf {
	for _, l := range p.Leaves {
		if k := DevKey(l); k.IIN() == iin {
			return l
		}
	}
	return nil
}

// Keys returns the people's keys for a Sim.
func (p *PKI) Keys() []Key {
	out := make([]Key, len(p.Leaves))
	for i, l := range p.Leaves {
		out[i] = DevKey(l)
	}
	return out
}

// Verifier returns a signature.Verifier that trusts this PKI's root and
// checks revocation against its CRLs, with cfg's other settings (Roots,
// Intermediates and Revocation are set here; Now defaults to the PKI's
// clock). Give it to ecp.Config.Verifier.
func (p *PKI) Verifier(cfg signature.Config) (*signature.Verifier, *revocation.Checker, error) {
	if cfg.Now == nil {
		cfg.Now = p.now
	}
	rc, err := revocation.New(revocation.Config{Mode: revocation.CRLOnly, CRLs: p.CRLs, Now: cfg.Now})
	if err != nil {
		return nil, nil, err
	}
	cfg.Roots = []*x509.Certificate{p.Root.Cert}
	cfg.Intermediates = []*x509.Certificate{p.CA.Cert}
	cfg.Revocation = rc
	v, err := signature.NewVerifier(cfg)
	if err != nil {
		rc.Close()
		return nil, nil, err
	}
	return v, rc, nil
}

// ErrNoAnswer reports that the simulator refused or the user "cancelled":
// its Code is in the message.
var ErrNoAnswer = errors.New("ecptest: no signature")

// Answer signs the challenge of an ecp factor's Begin (its Challenge.Data,
// an ecp.BeginData or its JSON) with key as NCALayer would, and returns
// the input for the factor's Finish: {"cms": …} for the CMS request, or
// {"xml": …} when format is ecp.FormatXML. It is what a test of a host's
// own endpoints posts in place of a browser with NCALayer.
func Answer(ctx context.Context, key Key, beginData any, format ecp.Format) (json.RawMessage, error) {
	raw, err := json.Marshal(beginData)
	if err != nil {
		return nil, err
	}
	var d ecp.BeginData
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("ecptest: not an ecp challenge: %w", err)
	}
	var req any
	switch format {
	case ecp.FormatCMS, "":
		req, format = d.NCALayer, ecp.FormatCMS
	case ecp.FormatXML:
		req = d.NCALayerXML
	default:
		return nil, fmt.Errorf("ecptest: unknown format %q", format)
	}
	msg, err := json.Marshal(req)
	if err != nil || string(msg) == "null" {
		return nil, fmt.Errorf("ecptest: the challenge offers no %s request", format)
	}
	// The key is chosen by the caller: the request's signer filter is set
	// to it, as a user picks a key in NCALayer's dialog.
	var m map[string]any
	if err := json.Unmarshal(msg, &m); err != nil {
		return nil, err
	}
	args, _ := m["args"].(map[string]any)
	if args == nil {
		return nil, fmt.Errorf("ecptest: the %s request has no args", format)
	}
	signer, _ := args["signerParams"].(map[string]any)
	if signer == nil {
		signer = map[string]any{}
	}
	signer["iin"] = key.IIN()
	signer["bin"] = key.BIN()
	args["signerParams"] = signer
	if msg, err = json.Marshal(m); err != nil {
		return nil, err
	}
	sim, err := New(Config{InsecureTestKeys: true, Keys: []Key{key}, Origins: []string{"http://localhost"}})
	if err != nil {
		return nil, err
	}
	r := sim.Handle(ctx, msg)
	if !r.Status || r.Body == nil || len(r.Body.Result) != 1 {
		return nil, fmt.Errorf("%w: %s %s", ErrNoAnswer, r.Code, r.Message)
	}
	return json.Marshal(map[string]string{string(format): r.Body.Result[0]})
}

// Serve starts a simulator for the test on a loopback port, as NCALayer
// listens on wss://127.0.0.1:13579, and returns its ws:// URL (give it to
// the page in place of NCALayer's). It is stopped when the test ends. cfg
// needs Keys and Origins; InsecureTestKeys is set here, since a test is
// what this is for.
func Serve(t testing.TB, cfg Config) string {
	t.Helper()
	cfg.InsecureTestKeys = true
	sim, err := New(cfg)
	if err != nil {
		t.Fatalf("ecptest.Serve: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("ecptest.Serve: %v", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "ws://" + ln.Addr().String()
}
