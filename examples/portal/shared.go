package main

// Running the portal as many instances behind one origin: every instance
// must share what the library and the host keep between requests — flows,
// codes, challenges, counters (the Store), passkeys and linked phones (the
// credential stores), sessions and phone-linking tokens (kept in the
// Store) — and the secrets they are made with: the OTP key, which makes
// the stored hash of a code, and the development PKI, which signs the
// test persons' keys. The first two come from -redis, the last two from
// -dev-dir.

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/strongauth/strongauth/factors/ecp/ecptest"
	"github.com/strongauth/strongauth/factors/passkey/passkeyredis"
	"github.com/strongauth/strongauth/factors/qr/qrredis"
	"github.com/strongauth/strongauth/otp"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/gosttest"
	"github.com/strongauth/strongauth/signature/revocation"
	"github.com/strongauth/strongauth/store/redis"
)

// The files of a development directory (-dev-dir).
const (
	devOTPKey  = "otp.key"      // the OTP key: 32 random bytes in hex
	devRoot    = "root.crt.pem" // the dev PKI's root certificate
	devCA      = "ca.crt.pem"   // its issuing CA
	devRootCRL = "root.crl"     // the root's CRL (DER)
	devCACRL   = "ca.crl"       // the CA's CRL (DER), revoking the persons marked Revoked
	devRootKey = "root.key.hex" // the root's GOST key (signs OCSP answers about the CA)
	devCAKey   = "ca.key.hex"   // the CA's GOST key (signs OCSP answers and CRLs about the persons)
	devKeys    = "keys"         // the persons' certificates and test keys (ecptest.WriteDir)
)

// errDevDir reports a development directory that cannot be used.
var errDevDir = errors.New("portal: development directory")

// secrets returns the development PKI and the OTP key: from cfg.DevDir
// when it is set (made there by the first instance that finds it missing),
// otherwise made in memory for this process alone.
func (p *Portal) secrets() (*devPKI, otp.Key, error) {
	cfg := p.cfg
	if cfg.DevDir == "" {
		pki, err := newDevPKI(cfg.People, cfg.Now)
		if err != nil {
			return nil, nil, err
		}
		key := make(otp.Key, 32)
		if _, err := io.ReadFull(cfg.Rand, key); err != nil {
			return nil, nil, err
		}
		return pki, key, nil
	}
	if _, err := os.Stat(filepath.Join(cfg.DevDir, devOTPKey)); errors.Is(err, fs.ErrNotExist) {
		if err := createDevDir(cfg.DevDir, cfg.People, cfg.Now, cfg.Rand); err != nil {
			return nil, nil, err
		}
	}
	return loadDevDir(cfg.DevDir, cfg.People, cfg.Now)
}

// createDevDir makes a development directory: it writes everything into a
// new directory beside dir and renames that to dir, so that instances
// starting together never see half of one — the first rename wins and the
// others load what it made.
func createDevDir(dir string, people []Person, now func() time.Time, rnd io.Reader) error {
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".new-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	pki, err := newDevPKI(people, now)
	if err != nil {
		return err
	}
	key := make([]byte, 32)
	if _, err := io.ReadFull(rnd, key); err != nil {
		return err
	}
	if err := pki.writeDir(filepath.Join(tmp, devKeys)); err != nil {
		return err
	}
	rootKey, err := pki.rootCA.PrivateKeyHex()
	if err != nil {
		return err
	}
	caKey, err := pki.issuing.PrivateKeyHex()
	if err != nil {
		return err
	}
	files := map[string][]byte{
		devRootKey: []byte(rootKey + "\n"),
		devCAKey:   []byte(caKey + "\n"),
		devOTPKey:  []byte(hex.EncodeToString(key) + "\n"),
		devRoot:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pki.root.Raw}),
		devCA:      pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pki.ca.Raw}),
		devRootCRL: pki.crls[0].CRL,
		devCACRL:   pki.crls[1].CRL,
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(tmp, name), b, 0o600); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, serr := os.Stat(filepath.Join(dir, devOTPKey)); serr == nil {
			return nil // another instance made it first
		}
		return fmt.Errorf("%w: %s exists and is not one (no %s): %w", errDevDir, dir, devOTPKey, err)
	}
	return nil
}

// loadDevDir reads a development directory: every person must have a key
// there.
func loadDevDir(dir string, people []Person, now func() time.Time) (*devPKI, otp.Key, error) {
	bad := func(what string, err error) error { return fmt.Errorf("%w %s: %s: %w", errDevDir, dir, what, err) }
	raw, err := os.ReadFile(filepath.Join(dir, devOTPKey))
	if err != nil {
		return nil, nil, bad(devOTPKey, err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil || len(key) < 32 {
		return nil, nil, bad(devOTPKey, errors.New("not 32 or more bytes in hex"))
	}
	cert := func(name string) (*x509.Certificate, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, bad(name, err)
		}
		block, _ := pem.Decode(b)
		if block == nil || block.Type != "CERTIFICATE" {
			return nil, bad(name, errors.New("no PEM certificate"))
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, bad(name, err)
		}
		return c, nil
	}
	p := &devPKI{}
	if p.root, err = cert(devRoot); err != nil {
		return nil, nil, err
	}
	if p.ca, err = cert(devCA); err != nil {
		return nil, nil, err
	}
	// The CAs with their keys, for the OCSP responder and new CRLs.
	g := devpki.New(devpki.Config{Now: now})
	ca := func(name string, cert *x509.Certificate, chain []*x509.Certificate) (*devpki.CA, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, bad(name, err)
		}
		pub, err := gost.ParsePublicKey(cert.RawSubjectPublicKeyInfo)
		if err != nil {
			return nil, bad(name, err)
		}
		priv, err := gosttest.PrivateKeyFromHex(pub.Curve(), strings.TrimSpace(string(b)))
		if err != nil {
			return nil, bad(name, err)
		}
		c, err := g.CA(cert, chain, priv)
		if err != nil {
			return nil, bad(name, err)
		}
		return c, nil
	}
	if p.rootCA, err = ca(devRootKey, p.root, nil); err != nil {
		return nil, nil, err
	}
	if p.issuing, err = ca(devCAKey, p.ca, []*x509.Certificate{p.root}); err != nil {
		return nil, nil, err
	}
	for _, c := range []struct {
		name   string
		issuer *x509.Certificate
	}{{devRootCRL, p.root}, {devCACRL, p.ca}} {
		b, err := os.ReadFile(filepath.Join(dir, c.name))
		if err != nil {
			return nil, nil, bad(c.name, err)
		}
		p.crls = append(p.crls, revocation.StaticCRL{CRL: b, Issuer: c.issuer})
	}
	leaves, err := ecptest.LoadLeaves(filepath.Join(dir, devKeys))
	if err != nil {
		return nil, nil, bad(devKeys, err)
	}
	for _, person := range people {
		found := false
		for _, l := range leaves {
			k := ecptest.Key{Certificate: l.Cert}
			if k.IIN() == person.IIN {
				p.leaves = append(p.leaves, devLeaf{person: person, leaf: l})
				found = true
				break
			}
		}
		if !found {
			return nil, nil, bad(devKeys, fmt.Errorf("no key for the person %s", person.IIN))
		}
	}
	return p, otp.Key(key), nil
}

// redisSpec is the -redis flag: "HOST:PORT" (one server),
// "cluster:HOST:PORT,HOST:PORT,…" (a Redis Cluster, any of its nodes) or
// "sentinel:MASTER@HOST:PORT,…" (the sentinels watching MASTER).
type redisSpec struct {
	kind   string // "server", "cluster" or "sentinel"
	master string // the sentinels' master name
	addrs  []string
}

// maxRedisAddrs bounds the addresses of a -redis flag.
const maxRedisAddrs = 64

var errRedisSpec = errors.New(`portal: -redis must be HOST:PORT, cluster:HOST:PORT,… or sentinel:MASTER@HOST:PORT,…`)

func parseRedisSpec(s string) (redisSpec, error) {
	r := redisSpec{kind: "server"}
	list := s
	switch {
	case strings.HasPrefix(s, "cluster:"):
		r.kind, list = "cluster", strings.TrimPrefix(s, "cluster:")
	case strings.HasPrefix(s, "sentinel:"):
		var ok bool
		r.kind = "sentinel"
		r.master, list, ok = strings.Cut(strings.TrimPrefix(s, "sentinel:"), "@")
		if !ok || r.master == "" || len(r.master) > 64 || strings.ContainsAny(r.master, " \t\r\n,@") {
			return redisSpec{}, errRedisSpec
		}
	}
	r.addrs = strings.Split(list, ",")
	if len(r.addrs) > maxRedisAddrs || r.kind == "server" && len(r.addrs) != 1 {
		return redisSpec{}, errRedisSpec
	}
	for _, a := range r.addrs {
		host, port, err := net.SplitHostPort(a)
		if err != nil || host == "" || strings.ContainsAny(host, " \t\r\n") {
			return redisSpec{}, errRedisSpec
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || port != strconv.Itoa(n) {
			return redisSpec{}, errRedisSpec
		}
	}
	return r, nil
}

// client returns a go-redis client for the spec, with the settings
// store/redis wants: context deadlines honoured, short timeouts.
func (r redisSpec) client() goredis.UniversalClient {
	const dial, rw = 2 * time.Second, 2 * time.Second
	maint := &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	switch r.kind {
	case "cluster":
		return goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: r.addrs, ContextTimeoutEnabled: true,
			DialTimeout: dial, ReadTimeout: rw, WriteTimeout: rw, DisableIdentity: true, MaintNotificationsConfig: maint})
	case "sentinel":
		return goredis.NewFailoverClient(&goredis.FailoverOptions{MasterName: r.master, SentinelAddrs: r.addrs,
			ContextTimeoutEnabled: true, DialTimeout: dial, ReadTimeout: rw, WriteTimeout: rw, DisableIdentity: true})
	}
	return goredis.NewClient(&goredis.Options{Addr: r.addrs[0], ContextTimeoutEnabled: true,
		DialTimeout: dial, ReadTimeout: rw, WriteTimeout: rw, DisableIdentity: true, MaintNotificationsConfig: maint})
}

// redisNamespace is the portal's key namespace on a shared Redis.
const redisNamespace = "portal"

// useRedis points cfg's Store, Credentials and Devices at the Redis of
// spec (waiting for wait replicas on every write, if positive), checks
// that it answers and loads the scripts. The returned function closes the
// client.
func useRedis(ctx context.Context, cfg *Config, spec string, wait int) (func(), error) {
	r, err := parseRedisSpec(spec)
	if err != nil {
		return nil, err
	}
	c := r.client()
	fail := func(err error) (func(), error) {
		_ = c.Close()
		return nil, err
	}
	st, err := redis.New(redis.Config{Client: c, Namespace: redisNamespace, WaitReplicas: wait})
	if err != nil {
		return fail(err)
	}
	creds, err := passkeyredis.New(passkeyredis.Config{Client: c, Namespace: redisNamespace})
	if err != nil {
		return fail(err)
	}
	devices, err := qrredis.New(qrredis.Config{Client: c, Namespace: redisNamespace})
	if err != nil {
		return fail(err)
	}
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for _, load := range []func(context.Context) error{st.LoadScripts, creds.LoadScripts, devices.LoadScripts} {
		if err := load(lctx); err != nil {
			return fail(fmt.Errorf("redis %s: %w", spec, err))
		}
	}
	cfg.Store, cfg.Credentials, cfg.Devices = st, creds, devices
	return func() { _ = c.Close() }, nil
}
