package sigtest

import (
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/gosttest"
)

// NCAKey loads a real NCA test key and its certificate — rel is the path
// under kz-nca/ without the extension, e.g. "keys/individual_valid" — as a
// devpki leaf that signs CMS. A GOST key (NAME.key.hex) is read on curve; a
// nil curve reads an RSA key (NAME.key.pem).
func NCAKey(t testing.TB, rel string, curve *gost.Curve) *devpki.Leaf {
	t.Helper()
	cert := Certificate(t, "kz-nca/"+rel+".cert.pem")
	var priv any
	if curve != nil {
		k, err := gosttest.PrivateKeyFromHex(curve, string(ReadFile(t, "kz-nca/"+rel+".key.hex")))
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		priv = k
	} else {
		blk, _ := pem.Decode(ReadFile(t, "kz-nca/"+rel+".key.pem"))
		if blk == nil {
			t.Fatalf("%s: no PEM key", rel)
		}
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		priv = k
	}
	l, err := devpki.New(devpki.Config{}).Leaf(cert, nil, priv)
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return l
}

// NCAGOSTRoots returns the real test root and intermediate of the NCA's
// "GOST TEST 2022" PKI.
func NCAGOSTRoots(t testing.TB) (root, intermediate *x509.Certificate) {
	t.Helper()
	return Certificate(t, "kz-nca/ca/root_test_gost_2022.cer"), Certificate(t, "kz-nca/ca/nca_gost2022_test.cer")
}
