package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/factors/ecp/ecptest"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
)

// writeKeys makes a dev PKI and writes two persons' keys as the portal
// does: a GOST-2015 key and an ECDSA one.
func writeKeys(t *testing.T) (dir string, root *x509.Certificate) {
	t.Helper()
	dir = t.TempDir()
	g := devpki.New(devpki.Config{})
	ca, err := g.Root(devpki.CAOptions{CommonName: "DEV ROOT"})
	require.NoError(t, err)
	gostLeaf, err := ca.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "Әлиев", Name: "Асқар", IIN: "880101300123"})
	require.NoError(t, err)
	ecRoot, err := g.Root(devpki.CAOptions{CommonName: "DEV EC ROOT", Algorithm: devpki.ECDSAP256})
	require.NoError(t, err)
	ecLeaf, err := ecRoot.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "Сейтқали", Name: "Айгерім", IIN: "920202450012"})
	require.NoError(t, err)
	require.NoError(t, ecptest.WriteDir(dir, []*devpki.Leaf{gostLeaf, ecLeaf}))
	return dir, ca.Cert
}

func TestRefusesWithoutDev(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"-keys", t.TempDir()}, &out, &errOut, nil)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut.String(), "refusing to start without -dev")
	assert.Empty(t, out.String())
}

// TestDefaultKeysDirIsNamed: without -keys the simulator looks in
// strongauth-portal-dev under os.TempDir() — where the portal writes its
// keys — and a miss names that real path (the README once told users
// $TMPDIR, which is unset on Linux and expanded to /strongauth-portal-dev).
func TestDefaultKeysDirIsNamed(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // an empty directory: no keys there
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"-dev", "-addr", "127.0.0.1:0"}, &out, &errOut, nil)
	assert.NotEqual(t, exitOK, code)
	want := filepath.Join(tmp, "strongauth-portal-dev")
	assert.Contains(t, errOut.String(), want)
	assert.NotContains(t, errOut.String(), "$TMPDIR")
}

func TestRefusals(t *testing.T) {
	dir, _ := writeKeys(t)
	for name, args := range map[string][]string{
		"no keys":         {"-dev", "-keys", t.TempDir()},
		"not loopback":    {"-dev", "-keys", dir, "-addr", "0.0.0.0:0"},
		"bad origin":      {"-dev", "-keys", dir, "-addr", "127.0.0.1:0", "-origin", "localhost"},
		"unknown flag":    {"-dev", "-nope"},
		"mismatched keys": {"-dev", "-keys", mismatched(t, dir), "-addr", "127.0.0.1:0"},
	} {
		var out, errOut bytes.Buffer
		code := run(t.Context(), args, &out, &errOut, nil)
		assert.NotEqual(t, exitOK, code, name)
		assert.NotEmpty(t, errOut.String(), name)
	}
}

// mismatched copies dir with one person's key swapped for another's.
func mismatched(t *testing.T, dir string) string {
	other, _ := writeKeys(t)
	out := t.TempDir()
	for _, f := range []string{"880101300123.crt.pem"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(out, f), b, 0o600))
	}
	b, err := os.ReadFile(filepath.Join(other, "880101300123.key.hex"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(out, "880101300123.key.hex"), b, 0o600))
	return out
}

// TestServesSignatures: the command signs with the keys from the
// directory, and the signature verifies against the dev root with the
// strongauth verifier.
func TestServesSignatures(t *testing.T) {
	dir, root := writeKeys(t)
	ctx, cancel := context.WithCancel(t.Context())
	addr := make(chan string, 1)
	done := make(chan int, 1)
	var out, errOut bytes.Buffer
	go func() {
		done <- run(ctx, []string{"-dev", "-keys", dir, "-addr", "127.0.0.1:0", "-origin", "http://localhost:9999"}, &out, &errOut,
			func(a string) { addr <- a })
	}()
	var a string
	select {
	case a = <-addr:
	case code := <-done:
		t.Fatalf("exited %d: %s", code, errOut.String())
	}
	dctx, stop := context.WithTimeout(t.Context(), 5*time.Second)
	defer stop()
	c, _, err := websocket.Dial(dctx, "ws://"+a, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"http://localhost:9999"}}})
	require.NoError(t, err)
	defer c.CloseNow()
	_, hello, err := c.Read(dctx)
	require.NoError(t, err)
	assert.JSONEq(t, `{"result":{"version":"1.4"}}`, string(hello))

	challenge := []byte("challenge bytes")
	req := signature.NewNCALayerRequest(challenge, signature.NCALayerOptions{IIN: "880101300123"})
	b, _ := json.Marshal(req)
	require.NoError(t, c.Write(dctx, websocket.MessageText, b))
	_, msg, err := c.Read(dctx)
	require.NoError(t, err)
	cms, err := signature.ParseNCALayerResponse(msg)
	require.NoError(t, err, string(msg))

	v, err := signature.NewVerifier(signature.Config{Roots: []*x509.Certificate{root}, InsecureSkipRevocation: true})
	require.NoError(t, err)
	res, err := v.Verify(t.Context(), []byte(cms), signature.VerifyOptions{Purpose: signature.PurposeLogin(), Content: challenge})
	require.NoError(t, err)
	assert.Equal(t, "880101300123", res.Signers[0].Identity.IIN)

	cancel()
	assert.Equal(t, exitOK, <-done)
	assert.Contains(t, out.String(), "NCALayer SIMULATOR (development only)")
	assert.Contains(t, out.String(), "IIN 920202450012")
}
