package signature

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/subtle"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/strongauth/strongauth/signature/gost"
)

// Formats of Result.Format.
const (
	FormatCMS   = "cms"
	FormatXML   = "xml"
	FormatBytes = "bytes"
)

// XML-DSig algorithm URIs accepted by VerifyXML, as pairs of a
// SignatureMethod and the DigestMethod that goes with it.
//
// The GOST URIs are the Kazakh NCA's (Kalkan's), which no XML-DSig library
// knows; goxmldsig and xmlsec1 verify RSA and ECDSA only. That is why the
// signature step is written here, over goxmldsig's canonical bytes: the
// hash and byte order are the NCA's. Checked against a real Kalkan-signed
// GOST 34.10-2015 document (a login-style signXml output with a certificate
// of the NCA GOST TEST 2022 CA): the DigestValue is the raw Streebog-512
// output, as in a CMS messageDigest, and the SignatureValue is in the same
// layout as in the NCA's CMS and certificates — the byte reversal of RFC
// 4491's s‖r (gost.LayoutNCA); RFC 4491's own layout fails.
const (
	URIRSASHA256          = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	URIRSASHA512          = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
	URIECDSASHA256        = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
	URIECDSASHA384        = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"
	URISHA256             = "http://www.w3.org/2001/04/xmlenc#sha256"
	URISHA384             = "http://www.w3.org/2001/04/xmldsig-more#sha384"
	URISHA512             = "http://www.w3.org/2001/04/xmlenc#sha512"
	URIGOST2015512        = "urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34102015-gostr34112015-512"
	URIStreebog512        = "urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34112015-512"
	URIGOST2015256        = "urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34102015-gostr34112015-256"
	URIStreebog256        = "urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34112015-256"
	URIGOST2004           = "http://www.w3.org/2001/04/xmldsig-more#gost34310-gost34311"
	URIGOST34311          = "http://www.w3.org/2001/04/xmldsig-more#gost34311"
	xmlDigestPairMismatch = "the XML digest method does not go with the signature method"
)

// XMLAlgorithmURIs returns the SignatureMethod and DigestMethod URIs that
// signers of the development PKI's algorithms write, by Algorithm name
// ("GOST-34.10-2015-512", "RSA-PKCS1v15-SHA256", …), for tests and tools.
func XMLAlgorithmURIs() map[string][2]string {
	return map[string][2]string{
		"RSA-PKCS1v15-SHA256":                {URIRSASHA256, URISHA256},
		"RSA-PKCS1v15-SHA512":                {URIRSASHA512, URISHA512},
		"ECDSA-P256-SHA256":                  {URIECDSASHA256, URISHA256},
		"ECDSA-P384-SHA384":                  {URIECDSASHA384, URISHA384},
		gostName(gost.OIDKZSignature2015512): {URIGOST2015512, URIStreebog512},
		gostName(gost.OIDKZSignature2015256): {URIGOST2015256, URIStreebog256},
		gostName(gost.OIDKZSignature2004):    {URIGOST2004, URIGOST34311},
	}
}

func gostName(oid string) string {
	a, _ := gost.SignatureAlgorithmByOID(gost.OID(oid)) // always registered
	return a.Name
}

// resolveXMLAlgorithm checks that the SignatureMethod and DigestMethod form
// an accepted pair and fit the signer's key.
func resolveXMLAlgorithm(sigURI, digestURI string, c *certEntry) (*signerAlgorithm, error) {
	gostOID := map[string]string{URIGOST2015512: gost.OIDKZSignature2015512,
		URIGOST2015256: gost.OIDKZSignature2015256, URIGOST2004: gost.OIDKZSignature2004}[sigURI]
	if gostOID != "" {
		wantDigest := map[string]string{URIGOST2015512: URIStreebog512, URIGOST2015256: URIStreebog256, URIGOST2004: URIGOST34311}[sigURI]
		if digestURI != wantDigest {
			return nil, fmt.Errorf("%w: %s", ErrUnsupportedAlgorithm, xmlDigestPairMismatch)
		}
		if c.gostKey == nil {
			return nil, fmt.Errorf("%w: a GOST signature method with a non-GOST key", ErrUnsupportedAlgorithm)
		}
		a, _ := gost.SignatureAlgorithmByOID(gost.OID(gostOID))
		if a.KeyBitSize != c.gostKey.Curve().BitSize() {
			return nil, fmt.Errorf("%w: %s with a %d-bit key", ErrUnsupportedAlgorithm, a.Name, c.gostKey.Curve().BitSize())
		}
		return &signerAlgorithm{Name: a.Name, kind: kindGOST, gost: a, gostDig: a.DigestOID, gostSig: a.SignatureOID}, nil
	}
	type pair struct {
		kind   sigKind
		digest string
		hash   crypto.Hash
	}
	p, ok := map[string]pair{
		URIRSASHA256:   {kindRSA, URISHA256, crypto.SHA256},
		URIRSASHA512:   {kindRSA, URISHA512, crypto.SHA512},
		URIECDSASHA256: {kindECDSA, URISHA256, crypto.SHA256},
		URIECDSASHA384: {kindECDSA, URISHA384, crypto.SHA384},
	}[sigURI]
	if !ok {
		return nil, fmt.Errorf("%w: XML signature method %q", ErrUnsupportedAlgorithm, truncate(sigURI, 100))
	}
	if digestURI != p.digest {
		return nil, fmt.Errorf("%w: %s", ErrUnsupportedAlgorithm, xmlDigestPairMismatch)
	}
	switch pub := c.cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if p.kind != kindRSA {
			break
		}
		if pub.N.BitLen() < minRSABits {
			return nil, fmt.Errorf("%w: %d-bit RSA key", ErrUnsupportedAlgorithm, pub.N.BitLen())
		}
		return &signerAlgorithm{Name: "RSA-PKCS1v15-" + hashName(p.hash), kind: kindRSA, hash: p.hash}, nil
	case *ecdsa.PublicKey:
		if p.kind != kindECDSA {
			break
		}
		switch {
		case pub.Curve == elliptic.P256() && p.hash == crypto.SHA256:
			return &signerAlgorithm{Name: "ECDSA-P256-SHA256", kind: kindECDSA, hash: p.hash}, nil
		case pub.Curve == elliptic.P384() && p.hash == crypto.SHA384:
			return &signerAlgorithm{Name: "ECDSA-P384-SHA384", kind: kindECDSA, hash: p.hash}, nil
		}
		return nil, fmt.Errorf("%w: ECDSA curve %s with %s", ErrUnsupportedAlgorithm, pub.Curve.Params().Name, hashName(p.hash))
	}
	return nil, fmt.Errorf("%w: XML signature method %q for a %v key", ErrUnsupportedAlgorithm, truncate(sigURI, 100), c.cert.PublicKeyAlgorithm)
}

// ecdsaRawToASN1 converts an XML-DSig ECDSA signature value (r‖s, each the
// curve's size, RFC 4050 §3.3) to the ASN.1 form crypto/ecdsa verifies.
func ecdsaRawToASN1(pub *ecdsa.PublicKey, sig []byte) ([]byte, error) {
	size := (pub.Curve.Params().BitSize + 7) / 8
	if len(sig) != 2*size {
		return nil, fmt.Errorf("%w: ECDSA signature of %d bytes, want %d", ErrBadSignature, len(sig), 2*size)
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1BigInt(new(big.Int).SetBytes(sig[:size]))
		b.AddASN1BigInt(new(big.Int).SetBytes(sig[size:]))
	})
	return b.Bytes()
}

// VerifyXML verifies an enveloped XML-DSig document as NCALayer's signXml
// (and basics.sign with format "xml", and eGov Mobile's XML method) writes
// it: the document's structure, strictly (see parseXMLSignature; hostile
// XML is ErrMalformed), the Reference digest over the canonical document
// without its signature (ErrDigestMismatch), the signature over the
// canonical SignedInfo with the key of the certificate in KeyInfo
// (ErrBadSignature), and then the same trust path as Verify: the chain to a
// configured root at the verifier's clock, the key's purpose, the identity
// and revocation — with the Verifier's caches.
//
// When opts.Content is set it is the document the signer was given: its
// canonical form must equal the signed document's (ErrContentMismatch).
// XML-DSig as the NCA writes it carries no signing time:
// opts.SignedAfter/SignedBefore and TimeStamps do not apply, and a login's
// freshness comes from the single-use challenge (VerifyChallengeXML).
// Result.Content is the canonical signed document (C14N 1.0 with comments,
// without the signature). On error the result is nil.
func (v *Verifier) VerifyXML(ctx context.Context, input []byte, opts VerifyOptions) (*Result, error) {
	if err := opts.Purpose.Validate(); err != nil {
		return nil, err
	}
	x, err := parseXMLSignature(input, v.maxInput)
	if err != nil {
		return nil, err
	}
	content := x.canonicalContent()
	if opts.Content != nil {
		if err := sameXMLContent(content, opts.Content); err != nil {
			return nil, err
		}
	}
	leaf, err := v.parseCert(x.certDER)
	if err != nil {
		return nil, err
	}
	alg, err := resolveXMLAlgorithm(x.sigMethod, x.digestMethod, leaf)
	if err != nil {
		return nil, err
	}
	h := alg.newHash()
	h.Write(content)
	if subtle.ConstantTimeCompare(h.Sum(nil), x.digestValue) != 1 {
		return nil, fmt.Errorf("%w: the document's %s digest differs from the Reference's", ErrDigestMismatch, alg.Name)
	}
	if err := checkRawSignature(alg, leaf, x.signedInfo, x.sigValue); err != nil {
		return nil, err
	}
	return v.singleSignerResult(ctx, FormatXML, content, leaf, alg, opts.Purpose)
}

// singleSignerResult runs the shared trust path for the one signer of an
// XML-DSig or bare signature whose signature has verified, and builds the
// Result.
func (v *Verifier) singleSignerResult(ctx context.Context, format string, content []byte, leaf *certEntry, alg *signerAlgorithm, purpose Purpose) (*Result, error) {
	now := v.now()
	s, err := v.trustSigner(ctx, leaf, []*certEntry{leaf}, now, purpose)
	if err != nil {
		return nil, err
	}
	s.Algorithm = alg.Name
	return &Result{Format: format, Content: content, Detached: format == FormatBytes, Purpose: purpose.Name,
		Signers: []Signer{*s}, VerifiedAt: now}, nil
}

// checkRawSignature verifies sig over signed as an XML-DSig signature value
// (or a bare signature, VerifyBytes): RSA PKCS #1 v1.5, ECDSA as r‖s, GOST
// in the NCA's layout.
func checkRawSignature(alg *signerAlgorithm, leaf *certEntry, signed, sig []byte) error {
	if alg.kind == kindECDSA {
		der, err := ecdsaRawToASN1(leaf.cert.PublicKey.(*ecdsa.PublicKey), sig)
		if err != nil {
			return err
		}
		sig = der
	}
	return checkSignerSignature(alg, leaf, signed, sig)
}

// sameXMLContent compares the canonical signed document with the expected
// one: the expected bytes as they are when they are already canonical (the
// challenge documents are), else their canonical form.
func sameXMLContent(content, want []byte) error {
	if subtle.ConstantTimeCompare(content, want) == 1 {
		return nil
	}
	canon, err := CanonicalXML(want)
	if err != nil {
		return fmt.Errorf("%w: the expected document is not acceptable XML: %w", ErrConfig, err)
	}
	if subtle.ConstantTimeCompare(content, canon) != 1 {
		return fmt.Errorf("%w: the signed document is not the expected one", ErrContentMismatch)
	}
	return nil
}

// VerifyAny verifies input as XML-DSig when it starts with '<' and as CMS
// otherwise (PEM, base64 or DER), so that one endpoint accepts both.
func (v *Verifier) VerifyAny(ctx context.Context, input []byte, opts VerifyOptions) (*Result, error) {
	if looksLikeXML(input) {
		return v.VerifyXML(ctx, input, opts)
	}
	return v.Verify(ctx, input, opts)
}
