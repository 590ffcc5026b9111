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
	pki     *sigtest.PKI
	revoked revokedSerials
}

func newMobileEnv(t testing.TB, alg devpki.Algorithm, mods ...func(*qr.MobileSignConfig)) *mobileEnv {
	t.Helper()
	m := &mobileEnv{pki: pkis.Get(t, alg), revoked: revokedSerials{}}
	m.env = newEnv(t, func(c *qr.Config) {
		v, err := signature.NewVerifier(signature.Config{Roots: m.pki.Roots(), Intermediates: []*x509.Certificate{m.pki.CA.Cert}, Now: func() time.Time { return m.clock.Now() },
			Revocation: m.revoked})
		require.NoError(t, err)
		ms := &qr.MobileSignConfig{Verifier: v, BaseURL: "https://portal.example.kz/qr/egov/",
			Organisation: qr.Organisation{NameRu: `АО "Портал"`, BIN: sigtest.BIN}, Origin: testOrigin}
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

func (m *mobileEnv) challenge(s *mobileSession) []byte {
	m.t.Helper()
	b, err := base64.StdEncoding.DecodeString(s.docs.DocumentsToSign[0].Document.File.Data)
	require.NoError(m.t, err)
	return b
}

// body returns the PUT body with cms as the data.
func (m *mobileEnv) body(s *mobileSession, cms []byte) []byte {
	out := *s.docs
	out.DocumentsToSign = append([]qr.MobileDocument(nil), s.docs.DocumentsToSign...)
	out.DocumentsToSign[0].Document.File.Data = base64.StdEncoding.EncodeToString(cms)
	b, err := json.Marshal(out)
	require.NoError(m.t, err)
	return b
}

func (m *mobileEnv) sign(leaf *devpki.Leaf, content []byte, attached bool) []byte {
	m.t.Helper()
	cms, err := leaf.SignCMS(content, devpki.CMSOptions{Attached: attached, SigningTime: m.clock.Now()})
	require.NoError(m.t, err)
	return cms
}

func (m *mobileEnv) submit(s *mobileSession, cms []byte) (*qr.MobileSigner, error) {
	return m.svc.MobileSubmit(ctx, s.docID, s.bearer, m.body(s, cms), iinMapper)
}

func TestMobileSignHappyPath(t *testing.T) {
	for _, alg := range []devpki.Algorithm{devpki.GOST2015, devpki.ECDSAP256} {
		t.Run(string(alg), func(t *testing.T) {
			withData := alg == devpki.ECDSAP256
			m := newMobileEnv(t, alg, func(c *qr.MobileSignConfig) { c.WithData = withData })
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
			assert.Equal(t, qr.StateApproved, m.status(s.flow).State)

			a, err := m.svc.Redeem(ctx, s.flow, binding(s.flow), time.Time{})
			require.NoError(t, err)
			assert.Equal(t, qr.ModeMobileSign, a.Mode)
			assert.Equal(t, signer, a.Signer)
			assert.Equal(t, "iin:"+sigtest.IIN, a.Subject)
			_, err = m.svc.Redeem(ctx, s.flow, binding(s.flow), time.Time{})
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
	var wins atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if _, err := m.svc.MobileSubmit(ctx, s.docID, s.bearer, body, iinMapper); err == nil {
				wins.Add(1)
			} else {
				assert.ErrorIs(t, err, qr.ErrReplay)
			}
		}()
	}
	close(start)
	wg.Wait()
	assert.Equal(t, int32(1), wins.Load())
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

func TestMobileSignRedeemNeedsTheBinding(t *testing.T) {
	m := newMobileEnv(t, devpki.GOST2015)
	s := m.beginMobile(flowID(60))
	m.fetch(s)
	_, err := m.submit(s, m.sign(m.pki.Individual, m.challenge(s), false))
	require.NoError(t, err)
	_, err = m.svc.Redeem(ctx, s.flow, binding("attacker"), time.Time{})
	assert.ErrorIs(t, err, qr.ErrBinding)
	_, err = m.svc.Redeem(ctx, s.flow, binding(s.flow), time.Time{})
	require.NoError(t, err)
}

func TestMobileSignConfig(t *testing.T) {
	pki := pkis.Get(t, devpki.GOST2015)
	v, err := signature.NewVerifier(signature.Config{Roots: pki.Roots(), InsecureSkipRevocation: true})
	require.NoError(t, err)
	ok := qr.MobileSignConfig{Verifier: v, BaseURL: "https://x.kz/egov", Organisation: qr.Organisation{NameRu: "x"}}
	for name, mod := range map[string]func(*qr.MobileSignConfig){
		"no verifier": func(c *qr.MobileSignConfig) { c.Verifier = nil },
		"http":        func(c *qr.MobileSignConfig) { c.BaseURL = "http://x.kz/egov" },
		"relative":    func(c *qr.MobileSignConfig) { c.BaseURL = "/egov" },
		"query":       func(c *qr.MobileSignConfig) { c.BaseURL = "https://x.kz/egov?a=1" },
		"no name":     func(c *qr.MobileSignConfig) { c.Organisation.NameRu = "" },
		"long TTL":    func(c *qr.MobileSignConfig) { c.TTL = time.Hour },
		"bad purpose": func(c *qr.MobileSignConfig) { c.Purposes = map[string]signature.Purpose{"login": {}} },
		"nil check":   func(c *qr.MobileSignConfig) { c.Checks = map[string]signature.Check{"login": nil} },
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
	cms, err := qr.ParseMobileSubmit([]byte(good))
	require.NoError(t, err)
	assert.Equal(t, []byte{1, 2, 3}, cms)
	for name, b := range map[string]string{
		"two documents": strings.Replace(good, `[{"id":1`, `[{"id":2},{"id":1`, 1),
		"id 2":          strings.Replace(good, `"id":1`, `"id":2`, 1),
		"version 2":     strings.Replace(good, `"version":1`, `"version":2`, 1),
		"method":        strings.Replace(good, "CMS_SIGN_ONLY", "XML", 1),
		"not base64":    strings.Replace(good, "AQID", "!!!", 1),
		"empty data":    strings.Replace(good, "AQID", "", 1),
		"trailing":      good + "{}",
		"not JSON":      "<xml/>",
	} {
		cms, err := qr.ParseMobileSubmit([]byte(b))
		assert.ErrorIs(t, err, qr.ErrMalformed, name)
		assert.Nil(t, cms, name)
	}
}
