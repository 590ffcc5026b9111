package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/factors/ecp"
	qrfactor "github.com/strongauth/strongauth/factors/qr"
	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/sigtest"
	"github.com/strongauth/strongauth/store/memory"
)

var ctx = context.Background()

// testHost is a host with the qr factor: a passkey sign-in (fake) gates
// enrolment through a "host" cookie naming the signed-in result.
type testHost struct {
	eng     *auth.Engine
	srv     *httptest.Server
	results map[string]*auth.Result
}

func newTestHost(t *testing.T, trust ...*x509.Certificate) *testHost {
	return newTestHostMethod(t, "", trust...)
}

// newTestHostMethod is newTestHost with mode B asking for method.
func newTestHostMethod(t *testing.T, method string, trust ...*x509.Certificate) *testHost {
	st := memory.New(memory.Config{})
	t.Cleanup(func() { st.Close() })
	h := &testHost{results: map[string]*auth.Result{}}
	h.srv = httptest.NewUnstartedServer(nil)
	base := "http://" + h.srv.Listener.Addr().String()
	cfg := qr.Config{Store: st, Devices: qr.NewMemoryDevices(), Service: "eGov.kz"}
	if len(trust) > 0 { // mode B: trust[0] is the root, the rest intermediates
		v, err := signature.NewVerifier(signature.Config{Roots: trust[:1], Intermediates: trust[1:], InsecureSkipRevocation: true})
		require.NoError(t, err)
		cfg.MobileSign = &qr.MobileSignConfig{Verifier: v, BaseURL: base + "/qr/egov", Origin: base,
			Organisation: qr.Organisation{NameRu: "Портал", BIN: "050607500041"}, Actions: []string{"login"}, Method: method}
	}
	svc, err := qr.New(cfg)
	require.NoError(t, err)
	f, err := qrfactor.New(qrfactor.Config{Service: svc, Log: slog.New(slog.DiscardHandler),
		Mapper: ecp.MapperFunc(func(_ context.Context, r *ecp.MapRequest) (string, error) { return "iin:" + r.Identity.IIN, nil })})
	require.NoError(t, err)
	rule, _ := auth.ParseRule("qr | webauthn")
	h.eng, err = auth.New(auth.Config{Store: st, Factors: []auth.Factor{f, authtest.Strong(auth.KindWebAuthn)},
		Policies: []auth.Policy{{Action: "login", Rule: rule}}})
	require.NoError(t, err)
	phoneH, _ := f.PhoneHandler(qrfactor.PhoneConfig{Flows: h.eng})
	browserH, err := f.BrowserHandler(qrfactor.BrowserConfig{Origins: []string{base}})
	require.NoError(t, err)
	enrolH, _ := f.EnrolHandler(qrfactor.EnrolConfig{Evidence: func(r *http.Request) (string, []auth.Evidence, error) {
		c, err := r.Cookie("host")
		if err != nil || h.results[c.Value] == nil {
			return "", nil, errors.New("not signed in")
		}
		return h.results[c.Value].Subject, h.results[c.Value].Evidence, nil
	}})
	mux := http.NewServeMux()
	mux.Handle("/qr/phone/", http.StripPrefix("/qr/phone", phoneH))
	mux.Handle("/qr/browser/", http.StripPrefix("/qr/browser", browserH))
	mux.Handle("/qr/enrol/", http.StripPrefix("/qr/enrol", enrolH))
	if len(trust) > 0 {
		mobileH, err := f.MobileSignHandler()
		require.NoError(t, err)
		mux.Handle("/qr/egov/", http.StripPrefix("/qr/egov", mobileH))
	}
	h.srv.Config.Handler = mux
	h.srv.Start()
	t.Cleanup(h.srv.Close)
	return h
}

func (h *testHost) signIn(t *testing.T, subject string) string {
	secret, _ := h.eng.NewBinding()
	f, err := h.eng.Start(ctx, auth.StartRequest{Action: "login", Binding: secret})
	require.NoError(t, err)
	_, err = h.eng.Begin(ctx, auth.StepRequest{FlowID: f.ID, Binding: secret, Kind: auth.KindWebAuthn})
	require.NoError(t, err)
	out, err := h.eng.Finish(ctx, auth.StepRequest{FlowID: f.ID, Binding: secret, Kind: auth.KindWebAuthn, Input: authtest.OK(subject)})
	require.NoError(t, err)
	h.results[f.ID] = out.Result
	return f.ID
}

type qrFlow struct {
	id, secret string
}

func (h *testHost) startQR(t *testing.T, input ...string) *qrFlow {
	secret, _ := h.eng.NewBinding()
	f, err := h.eng.Start(ctx, auth.StartRequest{Action: "login", Binding: secret,
		Client: auth.ClientInfo{IP: "198.51.100.9", UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0", Location: "Astana, KZ"}})
	require.NoError(t, err)
	req := auth.StepRequest{FlowID: f.ID, Binding: secret, Kind: auth.KindQR}
	if len(input) > 0 {
		req.Input = json.RawMessage(input[0])
	}
	_, err = h.eng.Begin(ctx, req)
	require.NoError(t, err)
	return &qrFlow{id: f.ID, secret: secret}
}

// browserGet fetches a browser-handler path with the flow's cookie.
func (h *testHost) browserGet(t *testing.T, q *qrFlow, path string) []byte {
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/qr/browser/"+q.id+path, nil)
	req.AddCookie(&http.Cookie{Name: "strongauth", Value: q.secret})
	resp, err := h.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return b
}

func (h *testHost) number(t *testing.T, q *qrFlow) int {
	var st qr.Status
	require.NoError(t, json.Unmarshal(h.browserGet(t, q, "/frame"), &st))
	return st.Number
}

func (h *testHost) mobile(t *testing.T, stdin string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(ctx, args, strings.NewReader(stdin), &out, &errb, h.srv.Client())
	return code, out.String(), errb.String()
}

func TestEnrolAndApproveFromAnImage(t *testing.T) {
	h := newTestHost(t)
	dev := filepath.Join(t.TempDir(), "phone.json")
	code, out, errs := h.mobile(t, "", "keygen", "-device", dev, "-phone", h.srv.URL+"/qr/phone", "-lang", "ru")
	require.Equal(t, 0, code, errs)
	assert.Contains(t, out, "device key created")
	fi, err := os.Stat(dev)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the key file is private")
	code, _, errs = h.mobile(t, "", "keygen", "-device", dev, "-phone", h.srv.URL+"/qr/phone")
	assert.Equal(t, 1, code, "keygen never overwrites a key")
	assert.Contains(t, errs, "exists")

	// Not signed in: refused.
	code, _, errs = h.mobile(t, "", "enrol", "-device", dev, "-enrol", h.srv.URL+"/qr/enrol", "-name", "CLI phone")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "factor_not_allowed")

	session := h.signIn(t, "alice")
	code, out, errs = h.mobile(t, "", "enrol", "-device", dev, "-enrol", h.srv.URL+"/qr/enrol", "-name", "CLI phone",
		"-H", "Cookie: host="+session)
	require.Equal(t, 0, code, errs)
	assert.Contains(t, out, "enrolled as device")
	code, out, _ = h.mobile(t, "", "show", "-device", dev)
	require.Equal(t, 0, code)
	assert.NotContains(t, out, "not enrolled")

	// A login: the phone reads the QR image the browser shows.
	q := h.startQR(t)
	img := filepath.Join(t.TempDir(), "frame.png")
	require.NoError(t, os.WriteFile(img, h.browserGet(t, q, "/frame.png"), 0o600))
	// The user types the number shown in the browser; the phone learns it
	// only after the scan, so feed it through stdin lazily.
	stdin := &lazyNumber{h: h, t: t, q: q}
	var outb, errb bytes.Buffer
	code = run(ctx, []string{"approve", "-device", dev, "-image", img}, stdin, &outb, &errb, h.srv.Client())
	require.Equal(t, 0, code, errb.String())
	assert.Contains(t, outb.String(), "eGov.kz asks to confirm: Вход в систему")
	assert.Contains(t, outb.String(), "from Firefox on Linux, IP 198.51.100.9, Astana, KZ")
	assert.Contains(t, outb.String(), "approved")

	res, err := h.eng.Finish(ctx, auth.StepRequest{FlowID: q.id, Binding: q.secret, Kind: auth.KindQR})
	require.NoError(t, err)
	assert.Equal(t, "alice", res.Result.Subject)
}

// lazyNumber answers the prompt with the browser's number, read when the
// prompt is read (after the scan).
type lazyNumber struct {
	h    *testHost
	t    *testing.T
	q    *qrFlow
	done bool
	// wrong answers another two-digit number.
	wrong bool
}

func (l *lazyNumber) Read(p []byte) (int, error) {
	if l.done {
		return 0, io.EOF
	}
	l.done = true
	n := l.h.number(l.t, l.q)
	if l.wrong {
		n = 10 + n%89 + 1
	}
	return copy(p, strconv.Itoa(n)+"\n"), nil
}

func TestWrongNumberAndDeny(t *testing.T) {
	h := newTestHost(t)
	dev := filepath.Join(t.TempDir(), "phone.json")
	code, _, errs := h.mobile(t, "", "keygen", "-device", dev, "-phone", h.srv.URL+"/qr/phone")
	require.Equal(t, 0, code, errs)
	code, _, errs = h.mobile(t, "", "enrol", "-device", dev, "-enrol", h.srv.URL+"/qr/enrol", "-name", "p",
		"-H", "Cookie: host="+h.signIn(t, "alice"))
	require.Equal(t, 0, code, errs)

	q := h.startQR(t)
	var st qr.Status
	require.NoError(t, json.Unmarshal(h.browserGet(t, q, "/frame"), &st))
	var errb bytes.Buffer
	code = run(ctx, []string{"approve", "-device", dev, "-content", st.Content}, &lazyNumber{h: h, t: t, q: q, wrong: true},
		io.Discard, &errb, h.srv.Client())
	assert.Equal(t, 1, code)
	assert.Contains(t, errb.String(), "wrong_number")
	_, err := h.eng.Finish(ctx, auth.StepRequest{FlowID: q.id, Binding: q.secret, Kind: auth.KindQR})
	assert.ErrorIs(t, err, qr.ErrFailed)

	q = h.startQR(t)
	require.NoError(t, json.Unmarshal(h.browserGet(t, q, "/frame"), &st))
	code, out, errs := h.mobile(t, "", "deny", "-device", dev, "-content", st.Content)
	require.Equal(t, 0, code, errs)
	assert.Contains(t, out, "I did not start this")
	_, err = h.eng.Finish(ctx, auth.StepRequest{FlowID: q.id, Binding: q.secret, Kind: auth.KindQR})
	assert.ErrorIs(t, err, auth.ErrFlowCancelled)
}

func TestUsage(t *testing.T) {
	h := newTestHost(t)
	code, out, _ := h.mobile(t, "")
	assert.Equal(t, 2, code)
	assert.Contains(t, out, "usage: mobile")
	code, _, _ = h.mobile(t, "", "--help")
	assert.Equal(t, 0, code)
	code, _, _ = h.mobile(t, "", "fly")
	assert.Equal(t, 2, code)
	code, _, _ = h.mobile(t, "", "keygen", "-device", filepath.Join(t.TempDir(), "x.json"))
	assert.Equal(t, 2, code, "keygen needs -phone")
	code, _, errs := h.mobile(t, "", "approve", "-device", filepath.Join(t.TempDir(), "missing.json"), "-content", "x")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "no such file")
}

// devSigner makes a development PKI at the current time (GOST-2015) and
// writes a person's certificate and key as the egov command reads them.
func devSigner(t *testing.T) (root, inter *x509.Certificate, certFile, keyFile string) {
	g := devpki.New(devpki.Config{})
	r, err := g.Root(devpki.CAOptions{CommonName: "Test root", Algorithm: devpki.GOST2015})
	require.NoError(t, err)
	ca, err := r.Intermediate(devpki.CAOptions{CommonName: "Test CA"})
	require.NoError(t, err)
	leaf, err := ca.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "ТЕСТОВ", Name: "ТЕСТ", IIN: "900101300017"})
	require.NoError(t, err)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "leaf.cert.pem"), filepath.Join(dir, "leaf.key.hex")
	require.NoError(t, os.WriteFile(certFile, devpki.CertificatePEM(leaf.Cert), 0o600))
	hex, err := leaf.PrivateKeyHex()
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(keyFile, []byte(hex+"\n"), 0o600))
	return r.Cert, ca.Cert, certFile, keyFile
}

func TestEgovSignsAMobileSignCode(t *testing.T) {
	root, inter, certFile, keyFile := devSigner(t)
	h := newTestHost(t, root, inter)
	q := h.startQR(t, `{"mode":"mobile-sign"}`)
	img := filepath.Join(t.TempDir(), "frame.png")
	require.NoError(t, os.WriteFile(img, h.browserGet(t, q, "/frame.png"), 0o600))

	code, out, errs := h.mobile(t, "", "egov", "-image", img, "-cert", certFile, "-key-hex", keyFile, "-lang", "ru")
	require.Equal(t, 0, code, errs)
	assert.Contains(t, out, "eGov.kz: Вход в систему")
	assert.Contains(t, out, "from Портал (BIN 050607500041)")
	assert.Contains(t, out, "IP-адрес: 198.51.100.9")
	assert.Contains(t, out, "signing as ТЕСТОВ ТЕСТ (CMS_SIGN_ONLY)")
	res, err := h.finishConfirmed(t, q)
	require.NoError(t, err)
	assert.Equal(t, "iin:900101300017", res.Result.Subject)

	// The code is single-use.
	var st qr.Status
	q2 := h.startQR(t, `{"mode":"mobile-sign"}`)
	require.NoError(t, json.Unmarshal(h.browserGet(t, q2, "/frame"), &st))
	code, _, _ = h.mobile(t, "", "egov", "-content", st.Content, "-cert", certFile, "-key-hex", keyFile)
	require.Equal(t, 0, code)
	code, _, errs = h.mobile(t, "", "egov", "-content", st.Content, "-cert", certFile, "-key-hex", keyFile)
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "replayed")
	code, _, _ = h.mobile(t, "", "egov", "-content", st.Content)
	assert.Equal(t, 2, code, "-cert and a key are required")
}

// The real NCA test key, as the portal demo uses it. Required when CI=true.
func TestEgovWithTheRealNCATestKey(t *testing.T) {
	root, inter := sigtest.NCAGOSTRoots(t)
	sigtest.ReadFile(t, "kz-nca/keys/individual_valid.key.hex")
	cert := sigtest.Certificate(t, "kz-nca/keys/individual_valid.cert.pem")
	if time.Now().After(cert.NotAfter) {
		t.Skipf("the NCA test certificate expired on %s; the CLI signs at the real time", cert.NotAfter)
	}
	dir := filepath.Join(sigtest.Root(t), "kz-nca", "keys")
	h := newTestHost(t, root, inter)
	q := h.startQR(t, `{"mode":"mobile-sign"}`)
	var st qr.Status
	require.NoError(t, json.Unmarshal(h.browserGet(t, q, "/frame"), &st))
	code, out, errs := h.mobile(t, "", "egov", "-content", st.Content,
		"-cert", filepath.Join(dir, "individual_valid.cert.pem"), "-key-hex", filepath.Join(dir, "individual_valid.key.hex"))
	require.Equal(t, 0, code, errs)
	assert.Contains(t, out, "signing as ТЕСТОВ ТЕСТ")
	res, err := h.finishConfirmed(t, q)
	require.NoError(t, err)
	assert.Equal(t, "iin:123456789011", res.Result.Subject)
}

// finishConfirmed finishes kind qr as the page does after "Signed in as
// <name> — continue?": with the code the status gave beside the name.
func (h *testHost) finishConfirmed(t *testing.T, q *qrFlow) (*auth.Outcome, error) {
	t.Helper()
	var st qr.Status
	require.NoError(t, json.Unmarshal(h.browserGet(t, q, "/frame"), &st))
	require.NotNil(t, st.Signer, "the status names the signer")
	in, err := json.Marshal(qrfactor.FinishInput{Confirm: st.Signer.Confirm})
	require.NoError(t, err)
	return h.eng.Finish(ctx, auth.StepRequest{FlowID: q.id, Binding: q.secret, Kind: auth.KindQR, Input: in})
}

// TestEgovMethods: egov answers in every sign method the server asks for,
// and -method answers in another one, which the server refuses.
func TestEgovMethods(t *testing.T) {
	root, inter, certFile, keyFile := devSigner(t)
	for _, method := range qr.SignMethods() {
		t.Run(method, func(t *testing.T) {
			h := newTestHostMethod(t, method, root, inter)
			var st qr.Status
			q := h.startQR(t, `{"mode":"mobile-sign"}`)
			require.NoError(t, json.Unmarshal(h.browserGet(t, q, "/frame"), &st))
			code, out, errs := h.mobile(t, "", "egov", "-content", st.Content, "-cert", certFile, "-key-hex", keyFile)
			require.Equal(t, 0, code, errs)
			assert.Contains(t, out, "signing as ТЕСТОВ ТЕСТ ("+method+")")
			res, err := h.finishConfirmed(t, q)
			require.NoError(t, err)
			assert.Equal(t, "iin:900101300017", res.Result.Subject)
			ev, _ := res.Flow.EvidenceOf(auth.KindQR)
			assert.Equal(t, method, ev.Attributes["sign_method"])

			// Another method (a CMS signs the XML document as well; a text
			// document cannot be signed as XML).
			other := map[string]string{qr.SignOnly: qr.SignBytesArray, qr.WithData: qr.SignOnly,
				qr.SignXML: qr.SignOnly, qr.SignBytesArray: qr.WithData}[method]
			q = h.startQR(t, `{"mode":"mobile-sign"}`)
			require.NoError(t, json.Unmarshal(h.browserGet(t, q, "/frame"), &st))
			code, out, errs = h.mobile(t, "", "egov", "-content", st.Content, "-cert", certFile, "-key-hex", keyFile,
				"-method", other)
			assert.Equal(t, 1, code)
			assert.Contains(t, out, "though "+method+" was asked")
			assert.Contains(t, errs, "sign_method")
		})
	}
	h := newTestHost(t, root, inter)
	code, _, errs := h.mobile(t, "", "egov", "-content", "mobileSign:x", "-cert", certFile, "-key-hex", keyFile, "-method", "CMS")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "-method must be auto or one of")
}
