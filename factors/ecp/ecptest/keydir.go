package ecptest

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/gosttest"
)

// DevKey makes a simulator key of a development leaf: it signs as NCALayer
// does, CMS BER-encoded with the signer's certificate only, and XML as
// signXml does (enveloped XML-DSig, base64 wrapped with &#13;).
func DevKey(l *devpki.Leaf) Key {
	return Key{Certificate: l.Cert, Sign: func(content []byte, attached bool) ([]byte, error) {
		return l.SignCMS(content, devpki.CMSOptions{Attached: attached, BER: true})
	}, SignXML: func(doc []byte) ([]byte, error) {
		return l.SignXML(doc, devpki.XMLOptions{CR: true})
	}}
}

// WriteDir writes development leaves for a simulator in another process:
// for each, NAME.crt.pem (the certificate, then its chain) and NAME.key.hex
// (a GOST private scalar, big-endian hex) or NAME.key.pem (a PKCS#8 RSA or
// ECDSA key), NAME being the leaf's IIN (or BIN). The files are readable by
// the owner only; they hold test keys.
func WriteDir(dir string, leaves []*devpki.Leaf) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, l := range leaves {
		k := Key{Certificate: l.Cert}
		name := k.IIN()
		if name == "" {
			name = k.BIN()
		}
		if name == "" || strings.ContainsAny(name, `/\.`) {
			return fmt.Errorf("ecptest: leaf %q has no IIN or BIN to name its files", l.Cert.Subject.CommonName)
		}
		base := filepath.Join(dir, name)
		if err := os.WriteFile(base+".crt.pem", devpki.CertificatePEM(append([]*x509.Certificate{l.Cert}, l.Chain...)...), 0o600); err != nil {
			return err
		}
		if h, err := l.PrivateKeyHex(); err == nil {
			if err := os.WriteFile(base+".key.hex", []byte(h+"\n"), 0o600); err != nil {
				return err
			}
			continue
		}
		p, err := l.PrivateKeyPEM()
		if err != nil {
			return err
		}
		if err := os.WriteFile(base+".key.pem", p, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// LoadDir reads the keys WriteDir wrote, checking each key against its
// certificate.
func LoadDir(dir string) ([]Key, error) {
	leaves, err := LoadLeaves(dir)
	if err != nil {
		return nil, err
	}
	keys := make([]Key, len(leaves))
	for i, l := range leaves {
		keys[i] = DevKey(l)
	}
	return keys, nil
}

// LoadLeaves reads the development leaves WriteDir wrote, in file name
// order, checking each key against its certificate.
func LoadLeaves(dir string) ([]*devpki.Leaf, error) {
	certFiles, err := filepath.Glob(filepath.Join(dir, "*.crt.pem"))
	if err != nil {
		return nil, err
	}
	sort.Strings(certFiles)
	g := devpki.New(devpki.Config{})
	var leaves []*devpki.Leaf
	for _, cf := range certFiles {
		base := strings.TrimSuffix(cf, ".crt.pem")
		certs, err := readCerts(cf)
		if err != nil {
			return nil, fmt.Errorf("ecptest: %s: %w", filepath.Base(cf), err)
		}
		priv, err := readKey(base, certs[0])
		if err != nil {
			return nil, fmt.Errorf("ecptest: %s: %w", filepath.Base(base), err)
		}
		leaf, err := g.Leaf(certs[0], certs[1:], priv)
		if err != nil {
			return nil, err
		}
		leaves = append(leaves, leaf)
	}
	if len(leaves) == 0 {
		return nil, fmt.Errorf("ecptest: no NAME.crt.pem files in %s", dir)
	}
	return leaves, nil
}

func readCerts(path string) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("no certificate")
	}
	return certs, nil
}

// readKey reads the private key of cert beside base: a GOST scalar in hex
// or a PKCS#8 PEM key; either must match the certificate's public key.
func readKey(base string, cert *x509.Certificate) (any, error) {
	if b, err := os.ReadFile(base + ".key.hex"); err == nil {
		pub, err := gost.ParsePublicKey(cert.RawSubjectPublicKeyInfo)
		if err != nil {
			return nil, fmt.Errorf("the certificate has no GOST key: %w", err)
		}
		priv, err := gosttest.PrivateKeyFromHex(pub.Curve(), strings.TrimSpace(string(b)))
		if err != nil {
			return nil, err
		}
		if !priv.Public().Equal(pub) {
			return nil, errors.New("the key does not match the certificate")
		}
		return priv, nil
	}
	b, err := os.ReadFile(base + ".key.pem")
	if err != nil {
		return nil, errors.New("no .key.hex or .key.pem beside the certificate")
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("the .key.pem holds no PEM block")
	}
	priv, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return nil, errors.New("the .key.pem key cannot sign")
	}
	if pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(cert.PublicKey) {
		return nil, errors.New("the key does not match the certificate")
	}
	return priv, nil
}
