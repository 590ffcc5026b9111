package qr_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	qrfactor "github.com/strongauth/strongauth/factors/qr"
	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/qr/phone"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/sigtest"
)

var pkis sigtest.Cache

// serials is a RevocationChecker that revokes the listed serials.
type serials map[string]bool

func (s serials) CheckRevocation(_ context.Context, cert, _ *x509.Certificate) (signature.RevocationStatus, error) {
	if s[fmt.Sprintf("%X", cert.SerialNumber)] {
		return signature.RevocationStatus{Source: "test", Status: "revoked", Reason: 6}, signature.ErrRevoked
	}
	return signature.RevocationStatus{Source: "test", Status: "good", Reason: -1}, nil
}

func devTrust(t *testing.T, revoked ...*devpki.Leaf) (*sigtest.PKI, *mobileTrust) {
	p := pkis.Get(t, devpki.GOST2015)
	rv := serials{}
	for _, l := range revoked {
		rv[fmt.Sprintf("%X", l.Cert.SerialNumber)] = true
	}
	return p, &mobileTrust{roots: p.Roots(), intermediates: []*x509.Certificate{p.CA.Cert}, revocation: rv}
}

// beginMobile begins kind qr in mode B and returns the QR content.
func (h *host) beginMobile(b *browser) string {
	h.t.Helper()
	req := h.step(b, auth.KindQR)
	req.Input = json.RawMessage(`{"mode":"mobile-sign"}`)
	ch, err := h.eng.Begin(ctx, req)
	require.NoError(h.t, err)
	begun := ch.Data.(qrfactor.Begun)
	require.Equal(h.t, qr.ModeMobileSign, begun.Mode)
	assert.Zero(h.t, begun.RefreshMillis, "a mobileSign code does not change")
	return begun.Content
}

func signer(t *testing.T, l *devpki.Leaf, now time.Time) phone.SignFunc {
	return func(content []byte, attached bool) ([]byte, error) {
		return l.SignCMS(content, devpki.CMSOptions{Attached: attached, SigningTime: now})
	}
}

// leafKey is a test key as eGov Mobile uses it, for every sign method.
func leafKey(l *devpki.Leaf, now time.Time) phone.Key {
	return phone.Signers{
		CMS: func(c []byte, attached bool) ([]byte, error) {
			return l.SignCMS(c, devpki.CMSOptions{Attached: attached, SigningTime: now})
		},
		XML: func(doc []byte) ([]byte, error) { return l.SignXML(doc, devpki.XMLOptions{CR: true}) },
		Bytes: func(c []byte) ([]byte, []byte, error) {
			sig, err := l.SignBytes(c, 0)
			return sig, l.Cert.Raw, err
		},
	}
}

// confirm reads the browser's status over HTTP, as the page does, and
// returns the name of the signer and the finish input that confirms it.
func (h *host) confirm(b *browser) (name string, input json.RawMessage) {
	h.t.Helper()
	st := h.status(b, "")
	require.Equal(h.t, qr.StateApproved, st.State)
	require.NotNil(h.t, st.Signer, "an approved mode B session names its signer")
	in, err := json.Marshal(qrfactor.FinishInput{Confirm: st.Signer.Confirm})
	require.NoError(h.t, err)
	return st.Signer.Name, in
}

// finishConfirmed finishes kind qr with the browser's confirmation of the
// signer the status names.
func (h *host) finishConfirmed(b *browser) (*auth.Outcome, error) {
	h.t.Helper()
	_, in := h.confirm(b)
	req := h.step(b, auth.KindQR)
	req.Input = in
	return h.eng.Finish(ctx, req)
}

// withMethods sets mode B's sign method per action (and the default).
func withMethods(def string, perAction map[string]string) hostOption {
	return func(c *hostConfig) {
		prev := c.qr
		c.qr = func(q *qr.Config) {
			if prev != nil {
				prev(q)
			}
			q.MobileSign.Method, q.MobileSign.Methods = def, perAction
		}
	}
}

func TestMobileSignLoginOverHTTP(t *testing.T) {
	p, tr := devTrust(t)
	h := newHost(t, withMobile(tr))
	b := h.start("login", "")
	content := h.beginMobile(b)
	assert.True(t, strings.HasPrefix(content, "mobileSign:"+h.srv.URL+"/qr/egov/api1/"), content)
	// The browser shows it like any frame.
	img := h.get(b, "/frame.png")
	require.Equal(t, http.StatusOK, img.StatusCode)
	assert.Equal(t, content, decodePNG(t, img.Body))

	app := &phone.MobileSign{HTTP: h.srv.Client(), Lang: "kk"}
	req, err := app.Fetch(ctx, content)
	require.NoError(t, err)
	assert.Equal(t, "eGov.kz: Жүйеге кіру", req.API1.Description)
	assert.Equal(t, "Portal", req.API1.Organisation.NameEn)
	assert.Equal(t, h.clock.Now().Add(qr.DefaultMobileSignTTL), req.API1.ExpiryDate)
	assert.Equal(t, qr.SignOnly, req.Documents.SignMethod)
	assert.Contains(t, req.Documents.DocumentsToSign[0].Meta, qr.MobileMeta{Name: "Орны", Value: "Almaty, KZ"})
	assert.Equal(t, qr.StateScanned, h.status(b, "").State)

	h.clock.Advance(10 * time.Second)
	require.NoError(t, app.Sign(ctx, req, signer(t, p.Hardware, h.clock.Now())))
	assert.Equal(t, qr.StateApproved, h.status(b, "?after=scanned&wait=1").State)

	_, err = h.finish(b)
	assert.ErrorIs(t, err, qr.ErrUnconfirmed, "not without the browser's confirmation")
	assert.Equal(t, "invalid_input", auth.Code(err))
	out, err := h.finishConfirmed(b)
	require.NoError(t, err)
	require.NotNil(t, out.Result)
	assert.Equal(t, "iin:"+sigtest.IIN, out.Result.Subject)
	assert.Equal(t, "strong", out.Result.ACR)
	ev, _ := out.Flow.EvidenceOf(auth.KindQR)
	assert.Equal(t, auth.Strong, ev.Strength)
	assert.Equal(t, []string{auth.AMRMCA, auth.AMRSmartCard}, ev.AMR,
		"the token storage OID of the dev PKI is not an NCA value: no hwk is claimed for it")
	assert.Equal(t, sigtest.IIN, ev.Attributes["iin"])
	assert.Equal(t, "mobile-sign", ev.Attributes["mode"])
	assert.Equal(t, "GOST 34.10-2015 512 (KZ)", ev.Attributes["algorithm"])
	assert.Equal(t, qr.SignOnly, ev.Attributes["sign_method"])
}

func TestMobileSignRefusalsOverHTTP(t *testing.T) {
	p := pkis.Get(t, devpki.GOST2015)
	_, tr := devTrust(t, p.Employee)
	h := newHost(t, withMobile(tr))
	other := pkis.Get(t, devpki.ECDSAP256)
	cases := []struct {
		name         string
		sign         func(req, otherReq *phone.MobileSignRequest) []byte
		code, reason string
	}{
		{"CMS over another challenge", func(_, o *phone.MobileSignRequest) []byte {
			cms, _ := p.Individual.SignCMS(o.Challenge, devpki.CMSOptions{SigningTime: h.clock.Now()})
			return cms
		}, "verification_failed", "digest_mismatch"},
		{"revoked certificate", func(r, _ *phone.MobileSignRequest) []byte {
			cms, _ := p.Employee.SignCMS(r.Challenge, devpki.CMSOptions{SigningTime: h.clock.Now()})
			return cms
		}, "revoked", "revoked"},
		{"information-system certificate for a person's login", func(r, _ *phone.MobileSignRequest) []byte {
			cms, _ := p.InfoSystem.SignCMS(r.Challenge, devpki.CMSOptions{SigningTime: h.clock.Now()})
			return cms
		}, "verification_failed", "key_usage"},
		{"untrusted PKI", func(r, _ *phone.MobileSignRequest) []byte {
			cms, _ := other.Individual.SignCMS(r.Challenge, devpki.CMSOptions{SigningTime: h.clock.Now()})
			return cms
		}, "verification_failed", "chain_untrusted"},
	}
	app := &phone.MobileSign{HTTP: h.srv.Client(), Lang: "ru"}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, decoy := h.start("login", ""), h.start("login", "")
			req, err := app.Fetch(ctx, h.beginMobile(b))
			require.NoError(t, err)
			otherReq, err := app.Fetch(ctx, h.beginMobile(decoy))
			require.NoError(t, err)
			err = app.Submit(ctx, req, c.sign(req, otherReq))
			se := serverError(t, err)
			assert.Equal(t, http.StatusForbidden, se.Status)
			assert.Equal(t, c.code, se.Code)
			assert.Equal(t, c.reason, se.Reason)
			assert.Equal(t, auth.MessageForCode(c.code, "ru"), se.Message)
			assert.Equal(t, qr.StateFailed, h.status(b, "").State)
			_, err = h.finish(b)
			assert.ErrorIs(t, err, qr.ErrFailed)
		})
	}
}

func TestMobileSignProtocolOverHTTP(t *testing.T) {
	_, tr := devTrust(t)
	h := newHost(t, withMobile(tr))
	b := h.start("login", "")
	content := h.beginMobile(b)
	api1 := strings.TrimPrefix(content, "mobileSign:")
	get := func(url, bearer string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := h.srv.Client().Do(req)
		require.NoError(t, err)
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	r := get(api1, "")
	require.Equal(t, http.StatusOK, r.StatusCode)
	var a qr.MobileAPI1
	require.NoError(t, json.NewDecoder(r.Body).Decode(&a))
	assert.Equal(t, "Token", a.Document.AuthType)
	r = get(api1, "")
	assert.Equal(t, http.StatusConflict, r.StatusCode, "API 1 is single-use")
	assert.Equal(t, "replayed", errorBody(t, r).Code)
	r = get(a.Document.URI, "")
	assert.Equal(t, http.StatusUnauthorized, r.StatusCode)
	assert.Equal(t, "bearer", errorBody(t, r).Reason)
	r = get(a.Document.URI, "wrong-token")
	assert.Equal(t, http.StatusUnauthorized, r.StatusCode)
	r = get(h.srv.URL+"/qr/egov/doc/AAAAAAAAAAAAAAAAAAAAAA", a.Document.AuthToken)
	assert.Equal(t, http.StatusGone, r.StatusCode)
	r = get(a.Document.URI, a.Document.AuthToken)
	require.Equal(t, http.StatusOK, r.StatusCode)
	r = get(a.Document.URI, a.Document.AuthToken)
	assert.Equal(t, http.StatusConflict, r.StatusCode, "the document is single-use")

	// A mode A phone cannot use a mode B code, nor the reverse.
	alice := h.phone("alice", "phone")
	_, err := alice.Scan(ctx, content)
	assert.Equal(t, "malformed", serverError(t, err).Reason)
	m := &phone.MobileSign{HTTP: h.srv.Client()}
	_, err = m.Fetch(ctx, h.beginQR(h.start("login", "")))
	assert.ErrorContains(t, err, "not a mobileSign QR code")
}

func TestMobileSignStepUpSubject(t *testing.T) {
	p, tr := devTrust(t)
	h := newHost(t, withMobile(tr))
	b := h.start("sign-document", "iin:000000000000")
	app := &phone.MobileSign{HTTP: h.srv.Client()}
	req, err := app.Fetch(ctx, h.beginMobile(b))
	require.NoError(t, err)
	se := serverError(t, app.Sign(ctx, req, signer(t, p.Individual, h.clock.Now())))
	assert.Equal(t, http.StatusForbidden, se.Status)
	assert.Equal(t, "subject_mismatch", se.Code)
	assert.Equal(t, "other_account", se.Reason)
}

// With the real NCA test PKI ("GOST TEST 2022"): current GOST-2015 keys
// sign in through eGov Mobile's protocol in every sign method; the revoked
// one (certificateHold in the real CRL) is refused through the revocation
// hook in every method. Required when CI=true; skipped elsewhere without
// the material.
func TestMobileSignWithRealNCAKeys(t *testing.T) {
	root, inter := sigtest.NCAGOSTRoots(t)
	revoked := sigtest.NCAKey(t, "keys/individual_revoked", gost.CurveTC26512A())
	tr := &mobileTrust{roots: []*x509.Certificate{root}, intermediates: []*x509.Certificate{inter},
		revocation: serials{fmt.Sprintf("%X", revoked.Cert.SerialNumber): true}}
	for _, method := range qr.SignMethods() {
		t.Run(method, func(t *testing.T) {
			h := newHost(t, withMobile(tr), withMethods(method, nil))
			app := &phone.MobileSign{HTTP: h.srv.Client(), Lang: "ru"}
			for _, name := range []string{"individual_valid", "legal_head_valid"} {
				leaf := sigtest.NCAKey(t, "keys/"+name, gost.CurveTC26512A())
				b := h.start("login", "")
				req, err := app.Fetch(ctx, h.beginMobile(b))
				require.NoError(t, err)
				assert.Equal(t, method, req.Documents.SignMethod)
				require.NoError(t, app.SignWith(ctx, req, leafKey(leaf, h.clock.Now())), name)
				shown, _ := h.confirm(b)
				assert.Equal(t, leaf.Cert.Subject.CommonName, shown)
				out, err := h.finishConfirmed(b)
				require.NoError(t, err, name)
				assert.Equal(t, "iin:123456789011", out.Result.Subject)
				assert.Equal(t, []string{auth.AMRMCA, auth.AMRSmartCard, auth.AMRSoftware}, out.Result.AMR)
				ev, _ := out.Flow.EvidenceOf(auth.KindQR)
				assert.Equal(t, method, ev.Attributes["sign_method"])
				assert.Equal(t, "GOST 34.10-2015 512 (KZ)", ev.Attributes["algorithm"])
			}
			b := h.start("login", "")
			req, err := app.Fetch(ctx, h.beginMobile(b))
			require.NoError(t, err)
			se := serverError(t, app.SignWith(ctx, req, leafKey(revoked, h.clock.Now())))
			assert.Equal(t, http.StatusForbidden, se.Status)
			assert.Equal(t, "revoked", se.Reason)
		})
	}
}

// TestMobileSignMethodsWithRSA: every sign method end to end over HTTP with
// an RSA key of the development PKI, chosen per action; a replayed answer
// and an answer in another method are refused with stable codes.
func TestMobileSignMethodsWithRSA(t *testing.T) {
	p := pkis.Get(t, devpki.RSA2048)
	tr := &mobileTrust{roots: p.Roots(), intermediates: []*x509.Certificate{p.CA.Cert}}
	for _, method := range qr.SignMethods() {
		t.Run(method, func(t *testing.T) {
			h := newHost(t, withMobile(tr), withMethods(qr.SignOnly, map[string]string{"sign-document": method}))
			app := &phone.MobileSign{HTTP: h.srv.Client(), Lang: "en"}
			b := h.start("sign-document", "iin:"+sigtest.IIN)
			req, err := app.Fetch(ctx, h.beginMobile(b))
			require.NoError(t, err)
			assert.Equal(t, method, req.Documents.SignMethod, "the action's method")
			a, err := phone.Answer(req, leafKey(p.Individual, h.clock.Now()), "")
			require.NoError(t, err)
			require.NoError(t, app.Send(ctx, req, a))
			se := serverError(t, app.Send(ctx, req, a))
			assert.Equal(t, http.StatusConflict, se.Status, "the answer is single-use")
			assert.Equal(t, "replayed", se.Code)
			out, err := h.finishConfirmed(b)
			require.NoError(t, err)
			assert.Equal(t, "iin:"+sigtest.IIN, out.Result.Subject)
			ev, _ := out.Flow.EvidenceOf(auth.KindQR)
			assert.Equal(t, "RSA-PKCS1v15-SHA256", ev.Attributes["algorithm"])

			// Another method than the one asked is refused for good.
			for _, other := range qr.SignMethods() {
				if other == method || (other == qr.SignXML) != (method == qr.SignXML) {
					continue // an XML key cannot sign a text document, nor the reverse
				}
				b := h.start("sign-document", "iin:"+sigtest.IIN)
				req, err := app.Fetch(ctx, h.beginMobile(b))
				require.NoError(t, err)
				a, err := phone.Answer(req, leafKey(p.Individual, h.clock.Now()), other)
				require.NoError(t, err)
				se := serverError(t, app.Send(ctx, req, a))
				assert.Equal(t, http.StatusForbidden, se.Status, other)
				assert.Equal(t, "invalid_input", se.Code, other)
				assert.Equal(t, "sign_method", se.Reason, other)
				assert.Equal(t, qr.StateFailed, h.status(b, "").State)
			}
		})
	}
}

// TestMobileSignTamperedOverHTTP: XML and bare-signature answers that do
// not sign this session's challenge, or not with the certificate they
// carry, are refused over HTTP with stable codes and reasons, and fail the
// session.
func TestMobileSignTamperedOverHTTP(t *testing.T) {
	p, tr := devTrust(t)
	cases := []struct {
		name, method, reason string
		answer               func(req, decoy *phone.MobileSignRequest) *qr.MobileAnswer
	}{
		{"XML of another session's challenge", qr.SignXML, "challenge_mismatch", func(_, decoy *phone.MobileSignRequest) *qr.MobileAnswer {
			a, _ := phone.Answer(decoy, leafKey(p.Individual, time.Time{}), "")
			return a
		}},
		{"XML whose signature value was changed", qr.SignXML, "bad_signature", func(req, _ *phone.MobileSignRequest) *qr.MobileAnswer {
			a, _ := phone.Answer(req, leafKey(p.Individual, time.Time{}), "")
			i := strings.Index(string(a.Signature), "<ds:SignatureValue>") + len("<ds:SignatureValue>") + 1
			a.Signature[i] = map[bool]byte{true: 'B', false: 'A'}[a.Signature[i] == 'A']
			return a
		}},
		{"bytes over another session's challenge", qr.SignBytesArray, "bad_signature", func(_, decoy *phone.MobileSignRequest) *qr.MobileAnswer {
			a, _ := phone.Answer(decoy, leafKey(p.Individual, time.Time{}), "")
			return a
		}},
		{"bytes with another person's certificate", qr.SignBytesArray, "bad_signature", func(req, _ *phone.MobileSignRequest) *qr.MobileAnswer {
			a, _ := phone.Answer(req, leafKey(p.Individual, time.Time{}), "")
			a.Certificate = p.Employee.Cert.Raw
			return a
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHost(t, withMobile(tr), withMethods(c.method, nil))
			app := &phone.MobileSign{HTTP: h.srv.Client(), Lang: "en"}
			b, decoy := h.start("login", ""), h.start("login", "")
			req, err := app.Fetch(ctx, h.beginMobile(b))
			require.NoError(t, err)
			decoyReq, err := app.Fetch(ctx, h.beginMobile(decoy))
			require.NoError(t, err)
			se := serverError(t, app.Send(ctx, req, c.answer(req, decoyReq)))
			assert.Equal(t, http.StatusForbidden, se.Status)
			assert.Equal(t, "verification_failed", se.Code)
			assert.Equal(t, c.reason, se.Reason)
			assert.Equal(t, qr.StateFailed, h.status(b, "").State)
		})
	}
}

// TestMobileSignAttackerKeyOverHTTP (issue 14, 2.8): an attacker who sees
// the victim's static code answers it with their own key. The victim's
// browser is not signed in to the attacker's account: the finish needs the
// browser's confirmation, which only comes with the attacker's name shown
// on the victim's page; another browser learns neither.
func TestMobileSignAttackerKeyOverHTTP(t *testing.T) {
	p, tr := devTrust(t)
	h := newHost(t, withMobile(tr))
	victim := h.start("login", "")
	code := h.beginMobile(victim)
	attackerApp := &phone.MobileSign{HTTP: h.srv.Client()}
	req, err := attackerApp.Fetch(ctx, code)
	require.NoError(t, err)
	require.NoError(t, attackerApp.SignWith(ctx, req, leafKey(p.Employee, h.clock.Now())))

	for _, in := range []string{``, `{}`, `{"confirm":""}`, `{"confirm":"guess"}`} {
		r := h.step(victim, auth.KindQR)
		r.Input = json.RawMessage(in)
		_, err := h.eng.Finish(ctx, r)
		assert.ErrorIs(t, err, qr.ErrUnconfirmed, in)
	}
	_, err = h.eng.Finish(ctx, auth.StepRequest{FlowID: victim.flow.ID, Binding: victim.binding, Kind: auth.KindQR,
		Input: json.RawMessage(`{"confirm":"x","ok":true}`)})
	assert.Equal(t, "invalid_input", auth.Code(err), "unknown members are refused")
	other := &browser{binding: "another-browser-binding-secret", flow: victim.flow}
	assert.Equal(t, http.StatusForbidden, h.get(other, "/status").StatusCode, "another browser sees no name")

	name, _ := h.confirm(victim)
	assert.Equal(t, p.Employee.Cert.Subject.CommonName, name, "the victim's page names who signed")
	// The victim answers "not me" and starts again: the attacker's
	// approval is gone.
	h.beginMobile(victim)
	_, err = h.finish(victim)
	assert.ErrorIs(t, err, qr.ErrPending)
	assert.NotContains(t, h.logs.String(), name, "no name in the operator log")
}

// TestMobileSignPerActionOverHTTP: mode B begins only for the actions
// that allow it (issue 14, 2.8); mode A still does.
func TestMobileSignPerActionOverHTTP(t *testing.T) {
	_, tr := devTrust(t)
	h := newHost(t, withMobile(tr), func(c *hostConfig) {
		prev := c.qr
		c.qr = func(q *qr.Config) {
			if prev != nil {
				prev(q)
			}
			q.MobileSign.Actions = []string{"login"}
		}
	})
	b := h.start("sign-document", "iin:"+sigtest.IIN)
	req := h.step(b, auth.KindQR)
	req.Input = json.RawMessage(`{"mode":"mobile-sign"}`)
	_, err := h.eng.Begin(ctx, req)
	assert.ErrorIs(t, err, qr.ErrModeNotAllowed)
	assert.Equal(t, "factor_not_allowed", auth.Code(err))
	assert.Equal(t, "mode_not_allowed", qrfactor.Reason(err))
	assert.NotEmpty(t, h.beginQR(b), "mode A is still offered for that action")
	h.beginMobile(h.start("login", ""))
}

func TestMobileSignNeedsAMapper(t *testing.T) {
	_, tr := devTrust(t)
	h := newHost(t, withMobile(tr))
	_, err := qrfactor.New(qrfactor.Config{Service: h.svc})
	assert.ErrorIs(t, err, auth.ErrConfig)
	plain := newHost(t)
	_, err = plain.factor.MobileSignHandler()
	assert.ErrorIs(t, err, auth.ErrConfig)
	b := plain.start("login", "")
	req := plain.step(b, auth.KindQR)
	req.Input = json.RawMessage(`{"mode":"mobile-sign"}`)
	_, err = plain.eng.Begin(ctx, req)
	assert.ErrorIs(t, err, auth.ErrInvalidInput, "mode B is not enabled there")
	req.Input = json.RawMessage(`{"mode":"device","x":1}`)
	_, err = plain.eng.Begin(ctx, req)
	assert.ErrorIs(t, err, auth.ErrInvalidInput)
}
