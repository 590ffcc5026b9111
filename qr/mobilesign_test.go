package qr_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// pkis shares the development PKIs between the tests (they take a moment).
var pkis sigtest.Cache

// revokedSerials is a RevocationChecker that revokes the listed serials.
type revokedSerials map[string]bool

func (r revokedSerials) CheckRevocation(_ context.Context, cert, _ *x509.Certificate) (signature.RevocationStatus, error) {
	if r[fmt.Sprintf("%X", cert.SerialNumber)] {
		return signature.RevocationStatus{Source: "test", Status: "revoked", Reason: -1}, signature.ErrRevoked
	}
	return signature.RevocationStatus{Source: "test", Status: "good", Reason: -1}, nil
}

const testOrigin = "https://portal.example.kz"

// mobileEnv is an env with mode B over a development PKI.
type mobileEnv struct {
	*env
	pki      *sigtest.PKI
	revoked  revokedSerials
	verifier *signature.Verifier
}

func newMobileEnv(t testing.TB, alg devpki.Algorithm, mods ...func(*qr.MobileSignConfig)) *mobileEnv {
	t.Helper()
	m := &mobileEnv{pki: pkis.Get(t, alg), revoked: revokedSerials{}}
	m.env = newEnv(t, func(c *qr.Config) {
		v, err := signature.NewVerifier(signature.Config{Roots: m.pki.Roots(), Intermediates: []*x509.Certificate{m.pki.CA.Cert}, Now: func() time.Time { return m.clock.Now() },
			Revocation: m.revoked})
		require.NoError(t, err)
		m.verifier = v
		ms := &qr.MobileSignConfig{Verifier: v, BaseURL: "https://portal.example.kz/qr/egov/",
			Organisation: qr.Organisation{NameRu: `АО "Портал"`, BIN: sigtest.BIN}, Origin: testOrigin,
			Actions: []string{"login", "sign-document"}}
		for _, f := range mods {
			f(ms)
		}
		c.MobileSign = ms
	})
	m.clock.Set(sigtest.Epoch())
	return m
}

// iinMapper maps a signer to "iin:<IIN>".
func iinMapper(_ context.Context, _, _ string, s *signature.Signer) (string, error) {
	if s.Identity.IIN == "" {
		return "", errors.New("no IIN")
	}
	return "iin:" + s.Identity.IIN, nil
}

// mobileSession is one mode B session as the app walks it.
type mobileSession struct {
	flow    string
	content string
	api1    *qr.MobileAPI1
	docs    *qr.MobileDocuments
	docID   string
	bearer  string
}

func (m *mobileEnv) beginMobile(flow string, mods ...func(*qr.BeginRequest)) *mobileSession {
	m.t.Helper()
	s := m.begin(flow, append([]func(*qr.BeginRequest){func(r *qr.BeginRequest) { r.Mode = qr.ModeMobileSign }}, mods...)...)
	require.Equal(m.t, qr.ModeMobileSign, s.Mode)
	return &mobileSession{flow: flow, content: s.Content}
}

func (m *mobileEnv) token(s *mobileSession) string {
	return s.content[strings.LastIndex(s.content, "/")+1:]
}

// fetch runs API 1 and the document GET.
func (m *mobileEnv) fetch(s *mobileSession) {
	m.t.Helper()
	var err error
	s.api1, err = m.svc.MobileAPI1(ctx, m.token(s), "ru")
	require.NoError(m.t, err)
	s.docID = s.api1.Document.URI[strings.LastIndex(s.api1.Document.URI, "/")+1:]
	s.bearer = s.api1.Document.AuthToken
	s.docs, err = m.svc.MobileDocument(ctx, s.docID, s.bearer, "ru")
	require.NoError(m.t, err)
}

// challenge is the document the session asks to sign: the challenge's
// text, or its XML form for the XML method.
func (m *mobileEnv) challenge(s *mobileSession) []byte {
	m.t.Helper()
	d := s.docs.DocumentsToSign[0]
	if s.docs.SignMethod == qr.SignXML {
		require.Nil(m.t, d.Document)
		return []byte(d.DocumentXML)
	}
	b, err := base64.StdEncoding.DecodeString(d.Document.File.Data)
	require.NoError(m.t, err)
	return b
}

// body returns the PUT body with cms as the data, in the asked method.
func (m *mobileEnv) body(s *mobileSession, cms []byte) []byte {
	return m.answerBody(s, &qr.MobileAnswer{Method: s.docs.SignMethod, Signature: cms})
}

func (m *mobileEnv) answerBody(s *mobileSession, a *qr.MobileAnswer) []byte {
	m.t.Helper()
	b, err := a.Body(s.docs)
	require.NoError(m.t, err)
	return b
}

func (m *mobileEnv) sign(leaf *devpki.Leaf, content []byte, attached bool) []byte {
	m.t.Helper()
	cms, err := leaf.SignCMS(content, devpki.CMSOptions{Attached: attached, SigningTime: m.clock.Now()})
	require.NoError(m.t, err)
	return cms
}

// answer signs content with leaf as eGov Mobile does for method.
func (m *mobileEnv) answer(leaf *devpki.Leaf, method string, content []byte) *qr.MobileAnswer {
	m.t.Helper()
	a := &qr.MobileAnswer{Method: method}
	var err error
	switch method {
	case qr.SignOnly, qr.WithData:
		a.Signature = m.sign(leaf, content, method == qr.WithData)
	case qr.SignXML:
		a.Signature, err = leaf.SignXML(content, devpki.XMLOptions{CR: true})
	case qr.SignBytesArray:
		a.Signature, err = leaf.SignBytes(content, 0)
		a.Certificate = leaf.Cert.Raw
	}
	require.NoError(m.t, err)
	return a
}

func (m *mobileEnv) submit(s *mobileSession, cms []byte) (*qr.MobileSigner, error) {
	return m.svc.MobileSubmit(ctx, s.docID, s.bearer, m.body(s, cms), iinMapper)
}

func (m *mobileEnv) submitAnswer(s *mobileSession, a *qr.MobileAnswer) (*qr.MobileSigner, error) {
	return m.svc.MobileSubmit(ctx, s.docID, s.bearer, m.answerBody(s, a), iinMapper)
}

// redeem redeems the flow's session as the bound browser does: it reads
// the status and confirms the signer it names.
func (m *mobileEnv) redeem(flow string) (*qr.Approval, error) {
	code := ""
	if st, err := m.svc.Status(ctx, flow, binding(flow)); err == nil && st.Signer != nil {
		code = st.Signer.Confirm
	}
	return m.svc.Redeem(ctx, flow, binding(flow), time.Time{}, qr.WithConfirmation(code))
}

func TestMobileSignHappyPath(t *testing.T) {
	for _, alg := range []devpki.Algorithm{devpki.GOST2015, devpki.ECDSAP256} {
		t.Run(string(alg), func(t *testing.T) {
			withData := alg == devpki.ECDSAP256
			m := newMobileEnv(t, alg, func(c *qr.MobileSignConfig) {
				if withData {
					c.Method = qr.WithData
				}
			})
			s := m.beginMobile(flowID(1))
			assert.Equal(t, "mobileSign:https://portal.example.kz/qr/egov/api1/"+m.token(s), s.content)
			st := m.status(s.flow)
			assert.Equal(t, qr.StatePending, st.State)
			assert.Equal(t, s.content, st.Content, "mode B codes do not animate")
			assert.Equal(t, m.clock.Now().Add(qr.DefaultMobileSignTTL), st.ExpiresAt)

			m.fetch(s)
			assert.Equal(t, "eGov.kz: Вход в систему", s.api1.Description)
			assert.Equal(t, `АО "Портал"`, s.api1.Organisation.NameKz, "names default to the Russian one")
			assert.Equal(t, "https://portal.example.kz/qr/egov/doc/"+s.docID, s.api1.Document.URI)
			assert.Equal(t, qr.StateScanned, m.status(s.flow).State)
			assert.Zero(t, m.status(s.flow).Number, "mode B has no number")
			d := s.docs.DocumentsToSign[0]
			assert.Equal(t, map[bool]string{false: qr.SignOnly, true: qr.WithData}[withData], s.docs.SignMethod)
			assert.Equal(t, "Sign in", strings.TrimPrefix(d.NameEn, "eGov.kz: "))
			assert.Contains(t, d.Meta, qr.MobileMeta{Name: "IP-адрес", Value: "203.0.113.7"})
			assert.Contains(t, d.Meta, qr.MobileMeta{Name: "Браузер", Value: "Chrome, Windows"})
			ch, err := signature.ParseChallenge(m.challenge(s))
			require.NoError(t, err)
			assert.Equal(t, signature.Binding{Origin: testOrigin, Flow: s.flow, Action: "login"},
				signature.Binding{Origin: ch.Origin, Flow: ch.Flow, Action: ch.Action})

			m.clock.Advance(15 * time.Second) // the user enters the key's PIN
			signer, err := m.submit(s, m.sign(m.pki.Individual, m.challenge(s), withData))
			require.NoError(t, err)
			assert.Equal(t, "iin:"+sigtest.IIN, signer.Subject)
			assert.Equal(t, sigtest.IIN, signer.IIN)
			assert.Equal(t, "file", signer.KeyStorage)
			st = m.status(s.flow)
			assert.Equal(t, qr.StateApproved, st.State)
			require.NotNil(t, st.Signer, "the browser learns who signed")
			assert.Equal(t, m.pki.Individual.Cert.Subject.CommonName, st.Signer.Name)

			_, err = m.svc.Redeem(ctx, s.flow, binding(s.flow), time.Time{})
			assert.ErrorIs(t, err, qr.ErrUnconfirmed, "not without the browser's confirmation")
			a, err := m.redeem(s.flow)
			require.NoError(t, err)
			assert.Equal(t, qr.ModeMobileSign, a.Mode)
			assert.Equal(t, signer, a.Signer)
			assert.Equal(t, "iin:"+sigtest.IIN, a.Subject)
			_, err = m.redeem(s.flow)
			assert.ErrorIs(t, err, qr.ErrNoSession)
		})
	}
}

func TestMobileSignURLsAreSingleUse(t *testing.T) {
	m := newMobileEnv(t, devpki.GOST2015)
	s := m.beginMobile(flowID(2))
	m.fetch(s)
	_, err := m.svc.MobileAPI1(ctx, m.token(s), "en")
	assert.ErrorIs(t, err, qr.ErrReplay, "API 1 twice")
	_, err = m.svc.MobileDocument(ctx, s.docID, s.bearer, "en")
	assert.ErrorIs(t, err, qr.ErrReplay, "the document twice")
	cms := m.sign(m.pki.Individual, m.challenge(s), false)
	_, err = m.submit(s, cms)
	require.NoError(t, err)
	_, err = m.submit(s, cms)
	assert.ErrorIs(t, err, qr.ErrReplay, "the signature twice")

	// A PUT before the document GET is refused.
	s2 := m.beginMobile(flowID(3))
	api1, err := m.svc.MobileAPI1(ctx, m.token(s2), "en")
	require.NoError(t, err)
	s2.docID = api1.Document.URI[strings.LastIndex(api1.Document.URI, "/")+1:]
	s2.bearer, s2.docs = api1.Document.AuthToken, s.docs
	_, err = m.submit(s2, cms)
	assert.ErrorIs(t, err, qr.ErrReplay)
}

func TestMobileSignBearer(t *testing.T) {
	m := newMobileEnv(t, devpki.GOST2015)
	s := m.beginMobile(flowID(4))
	api1, err := m.svc.MobileAPI1(ctx, m.token(s), "en")
	require.NoError(t, err)
	docID := api1.Document.URI[strings.LastIndex(api1.Document.URI, "/")+1:]
	for _, b := range []string{"", "x", api1.Document.AuthToken + "x", strings.ToUpper(api1.Document.AuthToken)} {
		_, err := m.svc.MobileDocument(ctx, docID, b, "en")
		assert.ErrorIs(t, err, qr.ErrBearer)
	}
	// Another session's bearer does not open this document.
	other := m.beginMobile(flowID(5))
	oa, err := m.svc.MobileAPI1(ctx, m.token(other), "en")
	require.NoError(t, err)
	_, err = m.svc.MobileDocument(ctx, docID, oa.Document.AuthToken, "en")
	assert.ErrorIs(t, err, qr.ErrBearer)
	_, err = m.svc.MobileDocument(ctx, docID, api1.Document.AuthToken, "en")
	require.NoError(t, err)
	assert.NotContains(t, api1.String(), api1.Document.AuthToken)
}

func TestMobileSignRefusals(t *testing.T) {
	m := newMobileEnv(t, devpki.GOST2015)
	cases := []struct {
		name   string
		cms    func(s *mobileSession) []byte
		target error
	}{
		{"a detached CMS over another challenge", func(*mobileSession) []byte {
			other := m.beginMobile(flowID(98))
			m.fetch(other)
			return m.sign(m.pki.Individual, m.challenge(other), false)
		}, signature.ErrDigestMismatch},
		{"an attached CMS over another challenge", func(*mobileSession) []byte {
			other := m.beginMobile(flowID(99))
			m.fetch(other)
			return m.sign(m.pki.Individual, m.challenge(other), true)
		}, signature.ErrContentMismatch},
		{"a revoked certificate", func(s *mobileSession) []byte {
			m.revoked[fmt.Sprintf("%X", m.pki.Employee.Cert.SerialNumber)] = true
			return m.sign(m.pki.Employee, m.challenge(s), false)
		}, signature.ErrRevoked},
		{"an information-system certificate for a person's login", func(s *mobileSession) []byte {
			return m.sign(m.pki.InfoSystem, m.challenge(s), false)
		}, signature.ErrKeyUsage},
		{"a certificate of another PKI", func(s *mobileSession) []byte {
			return m.sign(pkis.Get(t, devpki.ECDSAP256).Individual, m.challenge(s), false)
		}, signature.ErrChainUntrusted},
		{"garbage", func(*mobileSession) []byte { return []byte("not a CMS") }, signature.ErrMalformed},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := m.beginMobile(flowID(10 + i))
			m.fetch(s)
			_, err := m.submit(s, c.cms(s))
			assert.ErrorIs(t, err, qr.ErrSignatureRefused)
			assert.ErrorIs(t, err, c.target)
			st := m.status(s.flow)
			assert.Equal(t, qr.StateFailed, st.State, "a refusal fails the session for good")
			_, err = m.svc.Redeem(ctx, s.flow, binding(s.flow), time.Time{})
			assert.ErrorIs(t, err, qr.ErrFailed)
			_, err = m.submit(s, m.sign(m.pki.Individual, m.challenge(s), false))
			assert.ErrorIs(t, err, qr.ErrReplay, "no second try")
		})
	}
}

func TestMobileSignSubjectAndMapper(t *testing.T) {
	m := newMobileEnv(t, devpki.GOST2015)
	// A step-up for another account.
	s := m.beginMobile(flowID(20), func(r *qr.BeginRequest) { r.Subject = "iin:000000000000" })
	m.fetch(s)
	_, err := m.submit(s, m.sign(m.pki.Individual, m.challenge(s), false))
	assert.ErrorIs(t, err, qr.ErrWrongSubject)
	// The mapper refuses an unknown person.
	s = m.beginMobile(flowID(21))
	m.fetch(s)
	_, err = m.svc.MobileSubmit(ctx, s.docID, s.bearer, m.body(s, m.sign(m.pki.Individual, m.challenge(s), false)),
		func(context.Context, string, string, *signature.Signer) (string, error) {
			return "", errors.New("no such user")
		})
	assert.ErrorIs(t, err, qr.ErrSignatureRefused)
	assert.Equal(t, qr.StateFailed, m.status(s.flow).State)
}

func TestMobileSignExpiry(t *testing.T) {
	m := newMobileEnv(t, devpki.GOST2015)
	s := m.beginMobile(flowID(30))
	m.clock.Advance(qr.DefaultMobileSignTTL)
	_, err := m.svc.MobileAPI1(ctx, m.token(s), "en")
	assert.ErrorIs(t, err, qr.ErrExpired)
	assert.Equal(t, qr.StateExpired, m.status(s.flow).State)

	// Signed, but submitted too late.
	s = m.beginMobile(flowID(31))
	m.fetch(s)
	cms := m.sign(m.pki.Individual, m.challenge(s), false)
	m.clock.Advance(qr.DefaultMobileSignTTL)
	_, err = m.submit(s, cms)
	assert.ErrorIs(t, err, qr.ErrExpired)
}

func TestMobileSignConcurrentSubmissions(t *testing.T) {
	m := newMobileEnv(t, devpki.GOST2015)
	s := m.beginMobile(flowID(40))
	m.fetch(s)
	body := m.body(s, m.sign(m.pki.Individual, m.challenge(s), false))
	assert.Equal(t, 1, winners(20, func() error {
		_, err := m.svc.MobileSubmit(ctx, s.docID, s.bearer, body, iinMapper)
		if err != nil && !errors.Is(err, qr.ErrReplay) {
			t.Errorf("a losing submission: %v", err)
		}
		return err
	}))
}

func TestModesShareOneLiveSessionPerFlow(t *testing.T) {
	m := newMobileEnv(t, devpki.GOST2015)
	alice := m.enrol("alice", "phone")
	flow := flowID(50)
	a := m.begin(flow) // mode A: the default with a DeviceStore
	assert.Equal(t, qr.ModeDevice, a.Mode)
	s := m.beginMobile(flow)
	_, err := m.scan(alice, a.Content)
	assert.ErrorIs(t, err, qr.ErrNoSession, "mode B replaced the mode A code")
	m.begin(flow)
	_, err = m.svc.MobileAPI1(ctx, m.token(s), "en")
	assert.ErrorIs(t, err, qr.ErrNoSession, "and mode A the mode B one")

	// A mode B token is no mode A session, whatever frame is forged for it.
	s = m.beginMobile(flowID(51))
	forged := qr.Frame{Prefix: "strongauth", Token: m.token(s), T: 0, MAC: qr.FrameMAC(nil, 0)}
	_, err = m.scan(alice, forged.Content())
	assert.ErrorIs(t, err, qr.ErrNoSession)
	// … nor is a mode A token a mode B one.
	fr, _ := qr.ParseFrame(m.begin(flowID(52)).Content)
	_, err = m.svc.MobileAPI1(ctx, fr.Token, "en")
	assert.ErrorIs(t, err, qr.ErrNoSession)
}

// approved begins a mode B session for flow that the individual signs,
// and returns it with the confirmation code its status shows.
func (m *mobileEnv) approved(flow string) (*mobileSession, string) {
	m.t.Helper()
	s := m.beginMobile(flow)
	m.fetch(s)
	_, err := m.submit(s, m.sign(m.pki.Individual, m.challenge(s), false))
	require.NoError(m.t, err)
	return s, m.status(s.flow).Signer.Confirm
}

func TestMobileSignRedeemNeedsTheBinding(t *testing.T) {
	m := newMobileEnv(t, devpki.GOST2015)
	s, code := m.approved(flowID(60))
	_, err := m.svc.Redeem(ctx, s.flow, binding("attacker"), time.Time{}, qr.WithConfirmation(code))
	assert.ErrorIs(t, err, qr.ErrBinding)
	_, err = m.svc.Status(ctx, s.flow, binding("attacker"))
	assert.ErrorIs(t, err, qr.ErrBinding, "nor does another browser learn the name and code")
	_, err = m.svc.Redeem(ctx, s.flow, binding(s.flow), time.Time{}, qr.WithConfirmation(code))
	require.NoError(t, err)
}

func TestMobileSignConfig(t *testing.T) {
	pki := pkis.Get(t, devpki.GOST2015)
	v, err := signature.NewVerifier(signature.Config{Roots: pki.Roots(), InsecureSkipRevocation: true})
	require.NoError(t, err)
	ok := qr.MobileSignConfig{Verifier: v, BaseURL: "https://x.kz/egov", Organisation: qr.Organisation{NameRu: "x"},
		Actions: []string{"login"}}
	for name, mod := range map[string]func(*qr.MobileSignConfig){
		"no verifier": func(c *qr.MobileSignConfig) { c.Verifier = nil },
		"http":        func(c *qr.MobileSignConfig) { c.BaseURL = "http://x.kz/egov" },
		"relative":    func(c *qr.MobileSignConfig) { c.BaseURL = "/egov" },
		"query":       func(c *qr.MobileSignConfig) { c.BaseURL = "https://x.kz/egov?a=1" },
		"no name":     func(c *qr.MobileSignConfig) { c.Organisation.NameRu = "" },
		"long TTL":    func(c *qr.MobileSignConfig) { c.TTL = time.Hour },
		"bad purpose": func(c *qr.MobileSignConfig) { c.Purposes = map[string]signature.Purpose{"login": {}} },
		"nil check":   func(c *qr.MobileSignConfig) { c.Checks = map[string]signature.Check{"login": nil} },
		"no actions":  func(c *qr.MobileSignConfig) { c.Actions = nil },
		"bad action":  func(c *qr.MobileSignConfig) { c.Actions = []string{"log\nin"} },
		"method":      func(c *qr.MobileSignConfig) { c.Method = "CMS" },
		"methods":     func(c *qr.MobileSignConfig) { c.Methods = map[string]string{"login": "cms_sign_only"} },
	} {
		c := ok
		mod(&c)
		_, err := qr.New(qr.Config{Store: failingStore{}, MobileSign: &c, Service: "x"})
		assert.ErrorIs(t, err, qr.ErrConfig, name)
	}
	local := ok
	local.BaseURL = "http://127.0.0.1:8080/egov"
	svc, err := qr.New(qr.Config{Store: failingStore{}, MobileSign: &local, Service: "x"})
	require.NoError(t, err)
	assert.Equal(t, []qr.Mode{qr.ModeMobileSign}, svc.Modes(), "mode B alone, without devices")
	_, err = svc.Begin(ctx, qr.BeginRequest{FlowID: "f", Binding: binding("f"), Action: "login", Mode: qr.ModeDevice})
	assert.ErrorIs(t, err, qr.ErrMalformed, "mode A is not enabled")
}

func TestParseMobileSubmit(t *testing.T) {
	good := `{"signMethod":"CMS_SIGN_ONLY","version":1,"documentsToSign":[{"id":1,"nameRu":"x","meta":[],"document":{"file":{"mime":"text/plain","data":"AQID"}}}]}`
	a, err := qr.ParseMobileSubmit([]byte(good), qr.SignOnly)
	require.NoError(t, err)
	assert.Equal(t, &qr.MobileAnswer{Method: qr.SignOnly, Signature: []byte{1, 2, 3}}, a)
	assert.NotContains(t, fmt.Sprintf("%v %+v %#v", a, a, a), "[1 2 3]", "an answer does not print its signature")
	_, err = qr.ParseMobileSubmit([]byte(good), qr.WithData)
	assert.ErrorIs(t, err, qr.ErrSignMethod, "CMS_WITH_DATA was asked")
	for name, b := range map[string]string{
		"two documents": strings.Replace(good, `[{"id":1`, `[{"id":2},{"id":1`, 1),
		"id 2":          strings.Replace(good, `"id":1`, `"id":2`, 1),
		"version 2":     strings.Replace(good, `"version":1`, `"version":2`, 1),
		"not base64":    strings.Replace(good, "AQID", "!!!", 1),
		"empty data":    strings.Replace(good, "AQID", "", 1),
		"no document":   strings.Replace(good, `,"document":{"file":{"mime":"text/plain","data":"AQID"}}`, "", 1),
		"XML as well":   strings.Replace(good, `"meta":[]`, `"meta":[],"documentXml":"<a/>"`, 1),
		"trailing":      good + "{}",
		"not JSON":      "<xml/>",
	} {
		a, err := qr.ParseMobileSubmit([]byte(b), qr.SignOnly)
		assert.ErrorIs(t, err, qr.ErrMalformed, name)
		assert.Nil(t, a, name)
	}
	_, err = qr.ParseMobileSubmit([]byte(good), "CMS")
	assert.ErrorIs(t, err, qr.ErrConfig, "an unknown method asked")
}

func TestParseMobileSubmitXML(t *testing.T) {
	good := `{"signMethod":"XML","version":1,"documentsToSign":[{"id":1,"nameRu":"x","meta":[],"documentXml":"<a>1</a>"}]}`
	a, err := qr.ParseMobileSubmit([]byte(good), qr.SignXML)
	require.NoError(t, err)
	assert.Equal(t, &qr.MobileAnswer{Method: qr.SignXML, Signature: []byte("<a>1</a>")}, a)
	for name, b := range map[string]string{
		"no documentXml": strings.Replace(good, `,"documentXml":"<a>1</a>"`, "", 1),
		"file data too":  strings.Replace(good, `"meta":[]`, `"meta":[],"document":{"file":{"data":"AQID"}}`, 1),
	} {
		a, err := qr.ParseMobileSubmit([]byte(b), qr.SignXML)
		assert.ErrorIs(t, err, qr.ErrMalformed, name)
		assert.Nil(t, a, name)
	}
	for _, asked := range []string{qr.SignOnly, qr.WithData, qr.SignBytesArray} {
		_, err := qr.ParseMobileSubmit([]byte(good), asked)
		assert.ErrorIs(t, err, qr.ErrSignMethod, asked)
	}
}

func TestParseMobileSubmitBytesArray(t *testing.T) {
	body := func(data string) []byte {
		b, err := json.Marshal(qr.MobileDocuments{SignMethod: qr.SignBytesArray, Version: 1, DocumentsToSign: []qr.MobileDocument{
			{ID: 1, Document: &qr.MobileFileDocument{File: qr.MobileFile{Mime: "text/plain", Data: data}}}}})
		require.NoError(t, err)
		return b
	}
	a, err := qr.ParseMobileSubmit(body(`{"signature":"AQID","certificate":"MAMCAQE="}`), qr.SignBytesArray)
	require.NoError(t, err)
	assert.Equal(t, &qr.MobileAnswer{Method: qr.SignBytesArray, Signature: []byte{1, 2, 3}, Certificate: []byte{0x30, 3, 2, 1, 1}}, a)
	a, err = qr.ParseMobileSubmit(body(" {\"certificate\" : \"MAMC\\nAQE=\", \"signature\":\"AQID\"}\n"), qr.SignBytesArray)
	require.NoError(t, err, "any member order, JSON whitespace, base64 broken into lines")
	assert.Equal(t, []byte{1, 2, 3}, a.Signature)
	for name, data := range map[string]string{
		"base64 of the JSON":  base64.StdEncoding.EncodeToString([]byte(`{"signature":"AQID","certificate":"MAMCAQE="}`)),
		"no certificate":      `{"signature":"AQID"}`,
		"no signature":        `{"certificate":"MAMCAQE="}`,
		"a third member":      `{"signature":"AQID","certificate":"MAMCAQE=","data":"eA=="}`,
		"duplicate signature": `{"signature":"AAAA","signature":"AQID","certificate":"MAMCAQE="}`,
		"other case":          `{"Signature":"AQID","certificate":"MAMCAQE="}`,
		"number":              `{"signature":1,"certificate":"MAMCAQE="}`,
		"null":                `{"signature":null,"certificate":"MAMCAQE="}`,
		"nested":              `{"signature":{"v":"AQID"},"certificate":"MAMCAQE="}`,
		"array":               `[{"signature":"AQID","certificate":"MAMCAQE="}]`,
		"two objects":         `{"signature":"AQID","certificate":"MAMCAQE="}{}`,
		"trailing junk":       `{"signature":"AQID","certificate":"MAMCAQE="}x`,
		"not base64":          `{"signature":"A!ID","certificate":"MAMCAQE="}`,
		"url-safe base64":     `{"signature":"AQID-_","certificate":"MAMCAQE="}`,
		"empty signature":     `{"signature":"","certificate":"MAMCAQE="}`,
		"huge signature":      `{"signature":"` + base64.StdEncoding.EncodeToString(make([]byte, 1025)) + `","certificate":"MAMCAQE="}`,
		"truncated":           `{"signature":"AQID","certificate":"MAMCAQE="`,
		"empty":               ``,
	} {
		a, err := qr.ParseMobileSubmit(body(data), qr.SignBytesArray)
		assert.ErrorIs(t, err, qr.ErrMalformed, name)
		assert.Nil(t, a, name)
	}
}

func TestMobileAnswerBodyRoundTrip(t *testing.T) {
	docs := &qr.MobileDocuments{SignMethod: qr.SignOnly, Version: 1, DocumentsToSign: []qr.MobileDocument{
		{ID: 1, NameRu: "Вход", Meta: []qr.MobileMeta{{Name: "IP", Value: "203.0.113.7"}},
			Document: &qr.MobileFileDocument{File: qr.MobileFile{Mime: "text/plain", Data: "eA=="}}}}}
	for _, a := range []*qr.MobileAnswer{
		{Method: qr.SignOnly, Signature: []byte{1, 2, 3}},
		{Method: qr.WithData, Signature: []byte{4, 5}},
		{Method: qr.SignXML, Signature: []byte(`<a b="1">x</a>`)},
		{Method: qr.SignBytesArray, Signature: []byte{6}, Certificate: []byte{7, 8}},
	} {
		b, err := a.Body(docs)
		require.NoError(t, err)
		got, err := qr.ParseMobileSubmit(b, a.Method)
		require.NoError(t, err, a.Method)
		assert.Equal(t, a, got)
	}
}

// TestMobileSignMethods: every sign method eGov Mobile offers, chosen per
// action, signed with GOST-2015, RSA and ECDSA keys of the development
// PKI; the XML method carries the challenge's XML form in documentXml both
// ways; a replayed answer is refused; the browser learns who signed and
// redeems only with its confirmation.
func TestMobileSignMethods(t *testing.T) {
	for _, alg := range []devpki.Algorithm{devpki.GOST2015, devpki.RSA2048, devpki.ECDSAP256} {
		for _, method := range qr.SignMethods() {
			t.Run(string(alg)+"/"+method, func(t *testing.T) {
				m := newMobileEnv(t, alg, func(c *qr.MobileSignConfig) {
					c.Methods = map[string]string{"sign-document": method}
				})
				s := m.beginMobile(flowID(70), func(r *qr.BeginRequest) { r.Action = "sign-document" })
				m.fetch(s)
				assert.Equal(t, method, s.docs.SignMethod, "the document announces the method of the action")
				ch, err := signature.ParseChallenge(m.mustChallengeText(s))
				require.NoError(t, err)
				d := s.docs.DocumentsToSign[0]
				if method == qr.SignXML {
					assert.Equal(t, string(ch.XML(signature.XMLFormChallenge)), d.DocumentXML)
					assert.Nil(t, d.Document)
				} else {
					assert.Empty(t, d.DocumentXML)
					assert.Equal(t, "text/plain", d.Document.File.Mime)
				}

				m.clock.Advance(10 * time.Second)
				a := m.answer(m.pki.Individual, method, m.challenge(s))
				signer, err := m.submitAnswer(s, a)
				require.NoError(t, err)
				assert.Equal(t, "iin:"+sigtest.IIN, signer.Subject)
				assert.Equal(t, method, signer.Method)
				_, err = m.submitAnswer(s, a)
				assert.ErrorIs(t, err, qr.ErrReplay, "the same answer twice")

				st := m.status(s.flow)
				require.Equal(t, qr.StateApproved, st.State)
				require.NotNil(t, st.Signer)
				assert.Equal(t, m.pki.Individual.Cert.Subject.CommonName, st.Signer.Name)
				appr, err := m.redeem(s.flow)
				require.NoError(t, err)
				assert.Equal(t, method, appr.Signer.Method)
			})
		}
	}
}

// mustChallengeText is the challenge's text form whatever the method (the
// XML form is parsed back through the stored challenge's binding).
func (m *mobileEnv) mustChallengeText(s *mobileSession) []byte {
	m.t.Helper()
	if s.docs.SignMethod != qr.SignXML {
		return m.challenge(s)
	}
	// Rebuild the text form from the session's flow: the XML names the
	// same origin, flow, action, nonce and times.
	x := string(m.challenge(s))
	field := func(name string) string {
		i := strings.Index(x, "<"+name+">") + len(name) + 2
		return x[i : i+strings.Index(x[i:], "<")]
	}
	return []byte("strongauth-challenge/v1\norigin=" + field("origin") + "\nflow=" + field("flow") + "\naction=" +
		field("action") + "\nnonce=" + field("nonce") + "\nissued=" + field("issued") + "\nexpires=" + field("expires") + "\n")
}

// contentFor is the session's challenge in the form method signs: its XML
// form for XML, its text otherwise.
func (m *mobileEnv) contentFor(s *mobileSession, method string) []byte {
	m.t.Helper()
	ch, err := signature.ParseChallenge(m.mustChallengeText(s))
	require.NoError(m.t, err)
	if method == qr.SignXML {
		return ch.XML(signature.XMLFormChallenge)
	}
	return ch.Marshal()
}

// TestMobileSignMethodMismatch: an answer in another method than the one
// announced is refused, even with a valid signature over the right
// challenge — also a CMS with the document inside where CMS_SIGN_ONLY was
// asked, and a detached one where CMS_WITH_DATA was — and fails the
// session for good.
func TestMobileSignMethodMismatch(t *testing.T) {
	for _, asked := range qr.SignMethods() {
		for _, answered := range qr.SignMethods() {
			if asked == answered {
				continue
			}
			t.Run(asked+"/"+answered, func(t *testing.T) {
				m := newMobileEnv(t, devpki.GOST2015, func(c *qr.MobileSignConfig) { c.Method = asked })
				s := m.beginMobile(flowID(80))
				m.fetch(s)
				_, err := m.submitAnswer(s, m.answer(m.pki.Individual, answered, m.contentFor(s, answered)))
				assert.ErrorIs(t, err, qr.ErrSignatureRefused)
				assert.ErrorIs(t, err, qr.ErrSignMethod)
				assert.Equal(t, qr.StateFailed, m.status(s.flow).State)
				_, err = m.redeem(s.flow)
				assert.ErrorIs(t, err, qr.ErrFailed)
			})
		}
	}
	for _, c := range []struct {
		asked    string
		attached bool
	}{{qr.SignOnly, true}, {qr.WithData, false}} {
		t.Run(c.asked+" in the other CMS shape", func(t *testing.T) {
			m := newMobileEnv(t, devpki.GOST2015, func(cfg *qr.MobileSignConfig) { cfg.Method = c.asked })
			s := m.beginMobile(flowID(81))
			m.fetch(s)
			_, err := m.submit(s, m.sign(m.pki.Individual, m.challenge(s), c.attached))
			assert.ErrorIs(t, err, qr.ErrSignMethod)
			assert.Equal(t, qr.StateFailed, m.status(s.flow).State)
		})
	}
}

// TestMobileSignTamperedAnswers: XML and bare-signature answers that do
// not sign this session's challenge, or not with this certificate, are
// refused with stable codes, as CMS answers are.
func TestMobileSignTamperedAnswers(t *testing.T) {
	other := pkis.Get(t, devpki.RSA2048)
	cases := []struct {
		name, method string
		answer       func(m *mobileEnv, s, decoy *mobileSession) *qr.MobileAnswer
		target       error
		code         string
	}{
		{"XML of another session's challenge", qr.SignXML, func(m *mobileEnv, _, decoy *mobileSession) *qr.MobileAnswer {
			return m.answer(m.pki.Individual, qr.SignXML, m.challenge(decoy))
		}, signature.ErrChallengeMismatch, "challenge_mismatch"},
		{"XML changed after signing", qr.SignXML, func(m *mobileEnv, s, _ *mobileSession) *qr.MobileAnswer {
			a := m.answer(m.pki.Individual, qr.SignXML, m.challenge(s))
			a.Signature = []byte(strings.Replace(string(a.Signature), "<action>login</action>", "<action>login</action><!---->", 1))
			return a
		}, signature.ErrMalformed, "malformed"},
		{"XML with a changed nonce", qr.SignXML, func(m *mobileEnv, s, _ *mobileSession) *qr.MobileAnswer {
			a := m.answer(m.pki.Individual, qr.SignXML, m.challenge(s))
			i := strings.Index(string(a.Signature), "<nonce>") + len("<nonce>")
			a.Signature[i] ^= 'A' ^ 'B'
			return a
		}, signature.ErrChallengeMismatch, "challenge_mismatch"},
		{"XML of the text form", qr.SignXML, func(m *mobileEnv, s, _ *mobileSession) *qr.MobileAnswer {
			return m.answer(m.pki.Individual, qr.SignXML, []byte("<login><sessionid>x</sessionid></login>"))
		}, signature.ErrChallengeMismatch, "challenge_mismatch"},
		{"bytes over another session's challenge", qr.SignBytesArray, func(m *mobileEnv, _, decoy *mobileSession) *qr.MobileAnswer {
			return m.answer(m.pki.Individual, qr.SignBytesArray, m.challenge(decoy))
		}, signature.ErrBadSignature, "bad_signature"},
		{"bytes with another person's certificate", qr.SignBytesArray, func(m *mobileEnv, s, _ *mobileSession) *qr.MobileAnswer {
			a := m.answer(m.pki.Individual, qr.SignBytesArray, m.challenge(s))
			a.Certificate = m.pki.Employee.Cert.Raw
			return a
		}, signature.ErrBadSignature, "bad_signature"},
		{"bytes with one bit flipped", qr.SignBytesArray, func(m *mobileEnv, s, _ *mobileSession) *qr.MobileAnswer {
			a := m.answer(m.pki.Individual, qr.SignBytesArray, m.challenge(s))
			a.Signature[0] ^= 1
			return a
		}, signature.ErrBadSignature, "bad_signature"},
		{"bytes by a key of another PKI", qr.SignBytesArray, func(m *mobileEnv, s, _ *mobileSession) *qr.MobileAnswer {
			return m.answer(other.Individual, qr.SignBytesArray, m.challenge(s))
		}, signature.ErrChainUntrusted, "chain_untrusted"},
		{"bytes with a certificate that does not parse", qr.SignBytesArray, func(m *mobileEnv, s, _ *mobileSession) *qr.MobileAnswer {
			a := m.answer(m.pki.Individual, qr.SignBytesArray, m.challenge(s))
			a.Certificate = []byte{0x30, 0x03, 0x02, 0x01, 0x01}
			return a
		}, signature.ErrMalformed, "malformed"},
		{"bytes by an information-system key", qr.SignBytesArray, func(m *mobileEnv, s, _ *mobileSession) *qr.MobileAnswer {
			return m.answer(m.pki.InfoSystem, qr.SignBytesArray, m.challenge(s))
		}, signature.ErrKeyUsage, "key_usage"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newMobileEnv(t, devpki.GOST2015, func(cfg *qr.MobileSignConfig) { cfg.Method = c.method })
			s, decoy := m.beginMobile(flowID(90)), m.beginMobile(flowID(91))
			m.fetch(s)
			m.fetch(decoy)
			_, err := m.submitAnswer(s, c.answer(m, s, decoy))
			assert.ErrorIs(t, err, qr.ErrSignatureRefused)
			assert.ErrorIs(t, err, c.target)
			assert.Equal(t, c.code, signature.Code(err))
			assert.Equal(t, qr.StateFailed, m.status(s.flow).State)
		})
	}
}

// TestMobileSignPerAction: mode B begins only for the actions that allow
// it; mode A is unaffected.
func TestMobileSignPerAction(t *testing.T) {
	m := newMobileEnv(t, devpki.GOST2015, func(c *qr.MobileSignConfig) { c.Actions = []string{"login"} })
	_, err := m.svc.Begin(ctx, qr.BeginRequest{FlowID: flowID(100), Binding: binding(flowID(100)), Action: "sign-document",
		Mode: qr.ModeMobileSign})
	assert.ErrorIs(t, err, qr.ErrModeNotAllowed)
	_, err = m.svc.Status(ctx, flowID(100), binding(flowID(100)))
	assert.ErrorIs(t, err, qr.ErrNoSession, "nothing was begun")
	st := m.begin(flowID(101), func(r *qr.BeginRequest) { r.Action = "sign-document" })
	assert.Equal(t, qr.ModeDevice, st.Mode)
	m.beginMobile(flowID(102))

	// Without a DeviceStore, mode B is the default mode, still per action.
	only := newEnv(t, func(c *qr.Config) {
		c.Devices = nil
		c.MobileSign = &qr.MobileSignConfig{Verifier: m.mobileVerifier(t), BaseURL: "https://x.kz/egov",
			Organisation: qr.Organisation{NameRu: "x"}, Actions: []string{"login"}}
	})
	_, err = only.svc.Begin(ctx, qr.BeginRequest{FlowID: flowID(103), Binding: binding(flowID(103)), Action: "change-phone"})
	assert.ErrorIs(t, err, qr.ErrModeNotAllowed)
}

func (m *mobileEnv) mobileVerifier(t *testing.T) *signature.Verifier {
	v, err := signature.NewVerifier(signature.Config{Roots: m.pki.Roots(), InsecureSkipRevocation: true})
	require.NoError(t, err)
	return v
}

// TestMobileSignAttackerKey is the weakness of mode B (issue 14, 2.8): the
// code is static and has no number matching, so an attacker who sees the
// victim's code can answer it with their own key. The victim's browser
// must not be signed into the attacker's account without its own
// confirmation: Status names the attacker, and Redeem needs the code that
// came with the name.
func TestMobileSignAttackerKey(t *testing.T) {
	m := newMobileEnv(t, devpki.GOST2015)
	victim := m.beginMobile(flowID(110)) // the victim's browser shows this code
	attacker := &mobileSession{flow: victim.flow, content: victim.content}
	m.fetch(attacker) // … which the attacker scans
	_, err := m.submit(attacker, m.sign(m.pki.Employee, m.challenge(attacker), false))
	require.NoError(t, err, "the protocol cannot tell whose phone scanned")

	st := m.status(victim.flow)
	require.Equal(t, qr.StateApproved, st.State)
	assert.Equal(t, m.pki.Employee.Cert.Subject.CommonName, st.Signer.Name, "the victim's page names the attacker")
	for _, opts := range [][]qr.RedeemOption{nil, {qr.WithConfirmation("")}, {qr.WithConfirmation(st.Signer.Confirm + "x")},
		{qr.WithConfirmation(strings.ToUpper(st.Signer.Confirm))}} {
		_, err = m.svc.Redeem(ctx, victim.flow, binding(victim.flow), time.Time{}, opts...)
		assert.ErrorIs(t, err, qr.ErrUnconfirmed, "no session without the browser's confirmation")
	}
	assert.Equal(t, qr.StateApproved, m.status(victim.flow).State, "refusals leave the choice to the user")
	// The victim answers "not me" and starts again: the attacker's approval
	// is replaced and can no longer be redeemed.
	m.beginMobile(victim.flow)
	_, err = m.svc.Redeem(ctx, victim.flow, binding(victim.flow), time.Time{}, qr.WithConfirmation(st.Signer.Confirm))
	assert.ErrorIs(t, err, qr.ErrPending)
}

// TestMobileSignConcurrentRedemptions: of confirmed redemptions racing,
// exactly one wins.
func TestMobileSignConcurrentRedemptions(t *testing.T) {
	m := newMobileEnv(t, devpki.GOST2015)
	s, code := m.approved(flowID(120))
	assert.Equal(t, 1, winners(20, func() error {
		_, err := m.svc.Redeem(ctx, s.flow, binding(s.flow), time.Time{}, qr.WithConfirmation(code))
		return err
	}))
}

// winners runs f n times at once and counts the runs without error.
func winners(n int, f func() error) int {
	var wins atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if f() == nil {
				wins.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	return int(wins.Load())
}
