package signature

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/strongauth/strongauth/signature/gost"
)

// minRSABits is the smallest RSA modulus accepted.
const minRSABits = 2048

// sigKind is the family of a signature algorithm.
type sigKind uint8

const (
	kindRSA sigKind = iota + 1
	kindPSS
	kindECDSA
	kindGOST
)

// signerAlgorithm is a resolved SignerInfo algorithm: how to hash the
// content and how to check the signature over the signed attributes.
type signerAlgorithm struct {
	Name    string
	kind    sigKind
	hash    crypto.Hash           // RSA, PSS, ECDSA
	pss     *rsa.PSSOptions       // PSS
	gost    *gost.Algorithm       // GOST
	gostDig asn1.ObjectIdentifier // GOST digest OID (for CheckSignerInfoSignature)
	gostSig asn1.ObjectIdentifier // GOST signature OID as received
}

// newHash returns a fresh hash of the algorithm's digest.
func (a *signerAlgorithm) newHash() hash.Hash {
	if a.kind == kindGOST {
		return a.gost.NewHash()
	}
	return a.hash.New()
}

// digestByOID resolves the SHA-2 digests; SHA-1 and MD5 are refused.
func digestByOID(a algorithmIdentifier) (crypto.Hash, error) {
	if !a.hasNoParams() {
		return 0, fmt.Errorf("%w: digest %s with parameters", ErrUnsupportedAlgorithm, oidString(a.OID))
	}
	switch {
	case a.is(derSHA256):
		return crypto.SHA256, nil
	case a.is(derSHA384):
		return crypto.SHA384, nil
	case a.is(derSHA512):
		return crypto.SHA512, nil
	}
	return 0, fmt.Errorf("%w: digest %s", ErrUnsupportedAlgorithm, oidString(a.OID))
}

func hashName(h crypto.Hash) string {
	switch h {
	case crypto.SHA256:
		return "SHA256"
	case crypto.SHA384:
		return "SHA384"
	case crypto.SHA512:
		return "SHA512"
	}
	return h.String()
}

// resolveAlgorithm checks that the SignerInfo's digest and signature
// algorithms form a supported pair and fit the signer's key.
func resolveAlgorithm(digestAlg, sigAlg algorithmIdentifier, c *certEntry) (*signerAlgorithm, error) {
	if c.gostKey != nil {
		alg, err := gost.SignerInfoAlgorithm(digestAlg.oid(), sigAlg.oid())
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnsupportedAlgorithm, err)
		}
		if alg.KeyBitSize != c.gostKey.Curve().BitSize() {
			return nil, fmt.Errorf("%w: %s with a %d-bit key", ErrUnsupportedAlgorithm, alg.Name, c.gostKey.Curve().BitSize())
		}
		return &signerAlgorithm{Name: alg.Name, kind: kindGOST, gost: alg, gostDig: digestAlg.oid(), gostSig: sigAlg.oid()}, nil
	}
	h, err := digestByOID(digestAlg)
	if err != nil {
		return nil, err
	}
	sigHash := func(want crypto.Hash) error {
		if want != h {
			return fmt.Errorf("%w: signature algorithm %s with digest %s", ErrUnsupportedAlgorithm, oidString(sigAlg.OID), oidString(digestAlg.OID))
		}
		if !sigAlg.hasNoParams() {
			return fmt.Errorf("%w: signature algorithm %s with parameters", ErrUnsupportedAlgorithm, oidString(sigAlg.OID))
		}
		return nil
	}
	switch pub := c.cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if pub.N.BitLen() < minRSABits {
			return nil, fmt.Errorf("%w: %d-bit RSA key", ErrUnsupportedAlgorithm, pub.N.BitLen())
		}
		switch {
		case sigAlg.is(derRSAEncryption):
			err = sigHash(h)
		case sigAlg.is(derSHA256WithRSA):
			err = sigHash(crypto.SHA256)
		case sigAlg.is(derSHA384WithRSA):
			err = sigHash(crypto.SHA384)
		case sigAlg.is(derSHA512WithRSA):
			err = sigHash(crypto.SHA512)
		case sigAlg.is(derRSAPSS):
			opts, perr := parsePSSParams(sigAlg.Params, h)
			if perr != nil {
				return nil, perr
			}
			return &signerAlgorithm{Name: "RSA-PSS-" + hashName(h), kind: kindPSS, hash: h, pss: opts}, nil
		default:
			err = fmt.Errorf("%w: signature algorithm %s for an RSA key", ErrUnsupportedAlgorithm, oidString(sigAlg.OID))
		}
		if err != nil {
			return nil, err
		}
		return &signerAlgorithm{Name: "RSA-PKCS1v15-" + hashName(h), kind: kindRSA, hash: h}, nil
	case *ecdsa.PublicKey:
		var curve string
		switch pub.Curve {
		case elliptic.P256():
			curve = "P256"
		case elliptic.P384():
			curve = "P384"
		default:
			return nil, fmt.Errorf("%w: ECDSA curve %s", ErrUnsupportedAlgorithm, pub.Curve.Params().Name)
		}
		switch {
		case sigAlg.is(derECPublicKey):
			// Some producers name the key algorithm; its parameters are the
			// curve, so only the digest decides.
		case sigAlg.is(derECDSAWithSHA256):
			err = sigHash(crypto.SHA256)
		case sigAlg.is(derECDSAWithSHA384):
			err = sigHash(crypto.SHA384)
		case sigAlg.is(derECDSAWithSHA512):
			err = sigHash(crypto.SHA512)
		default:
			err = fmt.Errorf("%w: signature algorithm %s for an ECDSA key", ErrUnsupportedAlgorithm, oidString(sigAlg.OID))
		}
		if err != nil {
			return nil, err
		}
		return &signerAlgorithm{Name: "ECDSA-" + curve + "-" + hashName(h), kind: kindECDSA, hash: h}, nil
	}
	return nil, fmt.Errorf("%w: public key algorithm %v", ErrUnsupportedAlgorithm, c.cert.PublicKeyAlgorithm)
}

// parsePSSParams parses RSASSA-PSS-params (RFC 4055) and requires the hash
// and the MGF1 hash to be the SignerInfo's digest; the default SHA-1 is
// refused.
func parsePSSParams(params []byte, h crypto.Hash) (*rsa.PSSOptions, error) {
	bad := fmt.Errorf("%w: RSA-PSS parameters", ErrUnsupportedAlgorithm)
	in := cryptobyte.String(params)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, bad
	}
	var hashAlg, mgf, mgfHash algorithmIdentifier
	var err error
	var inner cryptobyte.String
	if !seq.ReadASN1(&inner, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return nil, bad // the SHA-1 default
	}
	if hashAlg, err = readAlgorithm(&inner); err != nil || !inner.Empty() {
		return nil, bad
	}
	if !seq.ReadASN1(&inner, cbasn1.Tag(1).Constructed().ContextSpecific()) {
		return nil, bad
	}
	if mgf, err = readAlgorithm(&inner); err != nil || !inner.Empty() || !mgf.is(derMGF1) {
		return nil, bad
	}
	mp := cryptobyte.String(mgf.Params)
	if mgfHash, err = readAlgorithm(&mp); err != nil || !mp.Empty() {
		return nil, bad
	}
	salt := 20
	if seq.PeekASN1Tag(cbasn1.Tag(2).Constructed().ContextSpecific()) {
		if !seq.ReadASN1(&inner, cbasn1.Tag(2).Constructed().ContextSpecific()) || !inner.ReadASN1Integer(&salt) || !inner.Empty() {
			return nil, bad
		}
	}
	if seq.PeekASN1Tag(cbasn1.Tag(3).Constructed().ContextSpecific()) {
		trailer := 0
		if !seq.ReadASN1(&inner, cbasn1.Tag(3).Constructed().ContextSpecific()) || !inner.ReadASN1Integer(&trailer) || !inner.Empty() || trailer != 1 {
			return nil, bad
		}
	}
	if !seq.Empty() {
		return nil, bad
	}
	hh, err := digestByOID(hashAlg)
	if err != nil || hh != h {
		return nil, bad
	}
	mh, err := digestByOID(mgfHash)
	if err != nil || mh != h {
		return nil, bad
	}
	if salt < 0 || salt > 1024 { // OpenSSL signs with the maximum salt (key size − hash size − 2)
		return nil, bad
	}
	return &rsa.PSSOptions{SaltLength: salt, Hash: h}, nil
}

// checkSignerSignature verifies the SignerInfo signature over signed (the
// re-tagged signed attributes).
func checkSignerSignature(a *signerAlgorithm, c *certEntry, signed, sig []byte) error {
	switch a.kind {
	case kindGOST:
		err := gost.CheckSignerInfoSignature(a.gostDig, a.gostSig, c.gostKey, signed, sig)
		if err != nil {
			if errors.Is(err, gost.ErrUnsupportedAlgorithm) {
				return fmt.Errorf("%w: %w", ErrUnsupportedAlgorithm, err)
			}
			return fmt.Errorf("%w: %w", ErrBadSignature, err)
		}
		return nil
	}
	h := a.hash.New()
	h.Write(signed)
	digest := h.Sum(nil)
	var err error
	switch a.kind {
	case kindRSA:
		err = verifyPKCS1v15(&c.rsaPrep, c.cert.PublicKey.(*rsa.PublicKey), a.hash, digest, sig)
	case kindPSS:
		err = rsa.VerifyPSS(c.cert.PublicKey.(*rsa.PublicKey), a.hash, digest, sig, a.pss)
	case kindECDSA:
		if !ecdsa.VerifyASN1(c.cert.PublicKey.(*ecdsa.PublicKey), digest, sig) {
			err = errors.New("ECDSA verification failed")
		}
	default:
		err = errors.New("no algorithm")
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	return nil
}

// checkCertSignature verifies that parent's key signed child. GOST
// certificates (which crypto/x509 reports as UnknownSignatureAlgorithm) go to
// the GOST package; SHA-1, MD5, DSA and the like are refused.
func checkCertSignature(child, parent *certEntry) error {
	if child.cert.SignatureAlgorithm == x509.UnknownSignatureAlgorithm {
		if parent.gostKey == nil {
			return fmt.Errorf("%w: certificate signature algorithm not supported for the issuer's key", ErrUnsupportedAlgorithm)
		}
		err := gost.CheckCertificateSignature(child.cert, parent.cert)
		if errors.Is(err, gost.ErrUnsupportedAlgorithm) {
			return fmt.Errorf("%w: %w", ErrUnsupportedAlgorithm, err)
		}
		return err
	}
	switch child.cert.SignatureAlgorithm {
	case x509.SHA256WithRSA, x509.SHA384WithRSA, x509.SHA512WithRSA,
		x509.SHA256WithRSAPSS, x509.SHA384WithRSAPSS, x509.SHA512WithRSAPSS,
		x509.ECDSAWithSHA256, x509.ECDSAWithSHA384, x509.ECDSAWithSHA512:
	default:
		return fmt.Errorf("%w: certificate signature algorithm %v", ErrUnsupportedAlgorithm, child.cert.SignatureAlgorithm)
	}
	if rk, ok := parent.cert.PublicKey.(*rsa.PublicKey); ok && rk.N.BitLen() < minRSABits {
		return fmt.Errorf("%w: %d-bit RSA issuer key", ErrUnsupportedAlgorithm, rk.N.BitLen())
	}
	return parent.cert.CheckSignature(child.cert.SignatureAlgorithm, child.cert.RawTBSCertificate, child.cert.Signature)
}
