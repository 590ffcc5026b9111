package signature

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des" //nolint:gosec // pbeWithSHAAnd3-KeyTripleDES-CBC: the key bags of NCA and legacy PKCS #12 files
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1" //nolint:gosec // the PKCS #12 KDF and MAC of NCA files use SHA-1
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"unicode/utf16"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// ErrPassword: a PKCS #12 file's integrity check (its MAC) failed — the
// password is wrong, or the file was altered.
var ErrPassword = errors.New("signature: wrong password or altered PKCS #12 file")

// PKCS #12 bounds.
const (
	// maxPKCS12Iterations bounds the KDF iterations a file may ask for
	// (NCA files use 1024, OpenSSL 2048): a hostile file cannot make
	// reading it arbitrarily slow.
	maxPKCS12Iterations = 1 << 20
	// maxPKCS12Bags bounds the bags read from one file.
	maxPKCS12Bags = 64
)

// DER content octets of the PKCS #12 object identifiers.
const (
	derEncryptedData    = "\x2a\x86\x48\x86\xf7\x0d\x01\x07\x06"         // 1.2.840.113549.1.7.6
	derKeyBag           = "\x2a\x86\x48\x86\xf7\x0d\x01\x0c\x0a\x01\x01" // 1.2.840.113549.1.12.10.1.1
	derShroudedKeyBag   = "\x2a\x86\x48\x86\xf7\x0d\x01\x0c\x0a\x01\x02" // 1.2.840.113549.1.12.10.1.2
	derCertBag          = "\x2a\x86\x48\x86\xf7\x0d\x01\x0c\x0a\x01\x03" // 1.2.840.113549.1.12.10.1.3
	derSafeContentsBag  = "\x2a\x86\x48\x86\xf7\x0d\x01\x0c\x0a\x01\x06" // 1.2.840.113549.1.12.10.1.6
	derX509Certificate  = "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x16\x01"     // 1.2.840.113549.1.9.22.1
	derPBEWithSHA3DES   = "\x2a\x86\x48\x86\xf7\x0d\x01\x0c\x01\x03"     // 1.2.840.113549.1.12.1.3
	derPBEWithSHA2DES   = "\x2a\x86\x48\x86\xf7\x0d\x01\x0c\x01\x04"     // 1.2.840.113549.1.12.1.4
	derPBEWithSHARC2128 = "\x2a\x86\x48\x86\xf7\x0d\x01\x0c\x01\x05"     // 1.2.840.113549.1.12.1.5
	derPBEWithSHARC240  = "\x2a\x86\x48\x86\xf7\x0d\x01\x0c\x01\x06"     // 1.2.840.113549.1.12.1.6
	derPBES2            = "\x2a\x86\x48\x86\xf7\x0d\x01\x05\x0d"         // 1.2.840.113549.1.5.13
	derPBKDF2           = "\x2a\x86\x48\x86\xf7\x0d\x01\x05\x0c"         // 1.2.840.113549.1.5.12
	derHMACWithSHA1     = "\x2a\x86\x48\x86\xf7\x0d\x02\x07"             // 1.2.840.113549.2.7
	derHMACWithSHA256   = "\x2a\x86\x48\x86\xf7\x0d\x02\x09"             // 1.2.840.113549.2.9
	derHMACWithSHA512   = "\x2a\x86\x48\x86\xf7\x0d\x02\x0b"             // 1.2.840.113549.2.11
	derAES128CBC        = "\x60\x86\x48\x01\x65\x03\x04\x01\x02"         // 2.16.840.1.101.3.4.1.2
	derAES192CBC        = "\x60\x86\x48\x01\x65\x03\x04\x01\x16"         // 2.16.840.1.101.3.4.1.22
	derAES256CBC        = "\x60\x86\x48\x01\x65\x03\x04\x01\x2a"         // 2.16.840.1.101.3.4.1.42
	// [0] IMPLICIT OCTET STRING (primitive), and [0] EXPLICIT, which is
	// also the tag of a BER-chunked [0] IMPLICIT OCTET STRING.
	tagPKCS12ImplicitOctet = cbasn1.Tag(0x80)
	tagPKCS12Explicit      = cbasn1.Tag(0xa0)
)

// PKCS12 is what DecodePKCS12 read from a PKCS #12 file (.p12, .pfx).
type PKCS12 struct {
	// Certificates are the certificate bags' X.509 certificates, in file
	// order. An NCA key file holds one: the key's own.
	Certificates []*x509.Certificate
	// Keys are the decrypted private keys, when PKCS12Options.Keys asked
	// for them.
	Keys []PKCS12Key
}

// PKCS12Key is a private key from a PKCS #12 file: a PKCS #8
// PrivateKeyInfo in DER (GOST keys included, which crypto/x509 cannot
// parse). It redacts itself in String, GoString and LogValue.
type PKCS12Key struct{ der []byte }

// PKCS8 returns the key's PKCS #8 DER. It is secret.
func (k PKCS12Key) PKCS8() []byte { return bytes.Clone(k.der) }

func (PKCS12Key) String() string               { return "PKCS12Key(REDACTED)" }
func (PKCS12Key) GoString() string             { return "PKCS12Key(REDACTED)" }
func (PKCS12Key) LogValue() slog.Value         { return slog.StringValue("REDACTED") }
func (k PKCS12Key) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(k.String())) }

// PKCS12Options shape DecodePKCS12.
type PKCS12Options struct {
	// Keys decrypts the key bags too. Off by default: reading the
	// certificates does not need the private key, so it is not decrypted.
	Keys bool
}

// DecodePKCS12 reads a PKCS #12 file in DER or BER — NCA key files are
// BER, with indefinite lengths, which Go's PKCS #12 readers refuse. It
// verifies the file's MAC with password first (HMAC with SHA-1, SHA-256 or
// SHA-512 and the PKCS #12 key derivation), then decrypts the certificate
// bags (pbeWithSHAAnd40BitRC2-CBC as NCA files use, RC2-128, 3DES, or
// PBES2 with PBKDF2 and AES-CBC as OpenSSL 3 writes) and, with
// PKCS12Options.Keys, the shrouded key bags.
//
// A file without a MAC, or in public-key integrity mode, is refused:
// nothing unauthenticated is read. A wrong password is ErrPassword; a
// malformed file ErrMalformed; an unknown algorithm
// ErrUnsupportedAlgorithm. On error the result is nil. Error messages
// never contain the password or key material.
//
// Cost: a few key derivations of the file's iteration count (NCA files:
// 1024 SHA-1 iterations, about 75 µs each; the bound is 2^20 iterations
// and 64 bags). It is meant for files an operator chose, not for request
// paths.
func DecodePKCS12(data []byte, password string, opts PKCS12Options) (*PKCS12, error) {
	if len(data) > 64<<20 {
		return nil, malformed("PKCS #12 file larger than 64 MiB")
	}
	der, err := berToDER(data)
	if err != nil {
		return nil, err
	}
	in := cryptobyte.String(der)
	var pfx, ci, wrapped, mac cryptobyte.String
	var version int
	var authSafe []byte
	if !in.ReadASN1(&pfx, cbasn1.SEQUENCE) || !in.Empty() || !pfx.ReadASN1Integer(&version) || version != 3 ||
		!pfx.ReadASN1(&ci, cbasn1.SEQUENCE) {
		return nil, malformed("not a PKCS #12 PFX")
	}
	ctype, ok := readOID(&ci)
	if !ok || string(ctype) != derData {
		return nil, fmt.Errorf("%w: PKCS #12 integrity mode %s (only password integrity is read)", ErrUnsupportedAlgorithm, oidString(ctype))
	}
	if !ci.ReadASN1(&wrapped, tagPKCS12Explicit) || !ci.Empty() {
		return nil, malformed("bad PKCS #12 authSafe")
	}
	var octets cryptobyte.String
	if !wrapped.ReadASN1(&octets, cbasn1.OCTET_STRING) || !wrapped.Empty() {
		return nil, malformed("bad PKCS #12 authSafe")
	}
	authSafe = octets
	if !pfx.ReadASN1(&mac, cbasn1.SEQUENCE) || !pfx.Empty() {
		return nil, malformed("PKCS #12 file without a MAC (refused: its content would be unauthenticated)")
	}
	pw := bmpPassword(password)
	if err := checkPKCS12MAC(mac, authSafe, pw); err != nil {
		return nil, err
	}
	// The MAC covers the received bytes; the content is BER in NCA files.
	safe, err := berToDER(authSafe)
	if err != nil {
		return nil, err
	}
	r := &pkcs12Reader{password: password, bmp: pw, keys: opts.Keys, out: &PKCS12{}}
	if err := r.authenticatedSafe(safe); err != nil {
		return nil, err
	}
	return r.out, nil
}

// bmpPassword is the password as PKCS #12 feeds it to its KDF and MAC: a
// BMPString (UTF-16BE) with a two-byte NUL terminator.
func bmpPassword(password string) []byte {
	u := utf16.Encode([]rune(password))
	out := make([]byte, 0, 2*len(u)+2)
	for _, c := range u {
		out = append(out, byte(c>>8), byte(c))
	}
	return append(out, 0, 0)
}

// macHash returns the hash of a MAC or KDF digest algorithm.
func macHash(a algorithmIdentifier) (func() hash.Hash, error) {
	if !a.hasNoParams() {
		return nil, fmt.Errorf("%w: PKCS #12 digest %s with parameters", ErrUnsupportedAlgorithm, oidString(a.OID))
	}
	switch {
	case a.is(derSHA1):
		return sha1.New, nil
	case a.is(derSHA256):
		return sha256.New, nil
	case a.is(derSHA512):
		return sha512.New, nil
	}
	return nil, fmt.Errorf("%w: PKCS #12 digest %s", ErrUnsupportedAlgorithm, oidString(a.OID))
}

// checkPKCS12MAC verifies MacData ::= SEQUENCE { DigestInfo, macSalt,
// iterations DEFAULT 1 } over the authSafe content.
func checkPKCS12MAC(mac cryptobyte.String, authSafe, bmp []byte) error {
	var di, digest, salt cryptobyte.String
	if !mac.ReadASN1(&di, cbasn1.SEQUENCE) {
		return malformed("bad PKCS #12 MAC")
	}
	alg, err := readAlgorithm(&di)
	if err != nil {
		return err
	}
	if !di.ReadASN1(&digest, cbasn1.OCTET_STRING) || !di.Empty() || !mac.ReadASN1(&salt, cbasn1.OCTET_STRING) {
		return malformed("bad PKCS #12 MAC")
	}
	iterations := 1
	if !mac.Empty() && (!mac.ReadASN1Integer(&iterations) || !mac.Empty()) {
		return malformed("bad PKCS #12 MAC iterations")
	}
	if iterations < 1 || iterations > maxPKCS12Iterations {
		return malformed("PKCS #12 MAC iterations %d out of range", iterations)
	}
	newHash, err := macHash(alg)
	if err != nil {
		return err
	}
	key := pkcs12KDF(newHash, bmp, salt, 3, iterations, newHash().Size())
	m := hmac.New(newHash, key)
	m.Write(authSafe)
	if !hmac.Equal(m.Sum(nil), digest) {
		return ErrPassword
	}
	return nil
}

// pkcs12KDF is the key derivation of RFC 7292 Appendix B.2: id 1 makes
// cipher keys, 2 IVs, 3 MAC keys.
func pkcs12KDF(newHash func() hash.Hash, password, salt []byte, id byte, iterations, size int) []byte {
	h := newHash()
	u, v := h.Size(), h.BlockSize()
	fill := func(b []byte) []byte {
		if len(b) == 0 {
			return nil
		}
		out := make([]byte, v*((len(b)+v-1)/v))
		for i := range out {
			out[i] = b[i%len(b)]
		}
		return out
	}
	d := bytes.Repeat([]byte{id}, v)
	i := append(fill(salt), fill(password)...)
	out := make([]byte, 0, size+u)
	for len(out) < size {
		h.Reset()
		h.Write(d)
		h.Write(i)
		a := h.Sum(nil)
		for r := 1; r < iterations; r++ {
			h.Reset()
			h.Write(a)
			a = h.Sum(a[:0])
		}
		out = append(out, a...)
		if len(out) >= size {
			break
		}
		// I_j = (I_j + B + 1) mod 2^(8v), with B = A repeated to v bytes.
		b := fill(a)
		for j := 0; j < len(i); j += v {
			carry := 1
			for k := v - 1; k >= 0; k-- {
				carry += int(i[j+k]) + int(b[k])
				i[j+k] = byte(carry)
				carry >>= 8
			}
		}
	}
	return out[:size]
}

// pkcs12Reader walks the AuthenticatedSafe.
type pkcs12Reader struct {
	password string
	bmp      []byte
	keys     bool
	bags     int
	out      *PKCS12
}

// authenticatedSafe reads AuthenticatedSafe ::= SEQUENCE OF ContentInfo
// (data or encryptedData).
func (r *pkcs12Reader) authenticatedSafe(der []byte) error {
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return malformed("bad PKCS #12 AuthenticatedSafe")
	}
	for !seq.Empty() {
		var ci, wrapped cryptobyte.String
		if !seq.ReadASN1(&ci, cbasn1.SEQUENCE) {
			return malformed("bad PKCS #12 ContentInfo")
		}
		ctype, ok := readOID(&ci)
		if !ok || !ci.ReadASN1(&wrapped, tagPKCS12Explicit) || !ci.Empty() {
			return malformed("bad PKCS #12 ContentInfo")
		}
		var contents []byte
		switch string(ctype) {
		case derData:
			var octets cryptobyte.String
			if !wrapped.ReadASN1(&octets, cbasn1.OCTET_STRING) || !wrapped.Empty() {
				return malformed("bad PKCS #12 data")
			}
			contents = octets
		case derEncryptedData:
			var err error
			if contents, err = r.encryptedData(wrapped); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: PKCS #12 content type %s", ErrUnsupportedAlgorithm, oidString(ctype))
		}
		if err := r.safeContents(contents, 0); err != nil {
			return err
		}
	}
	return nil
}

// encryptedData decrypts EncryptedData ::= SEQUENCE { version,
// EncryptedContentInfo { contentType, algorithm, [0] IMPLICIT OCTET
// STRING } }.
func (r *pkcs12Reader) encryptedData(wrapped cryptobyte.String) ([]byte, error) {
	var ed, eci cryptobyte.String
	var version int
	if !wrapped.ReadASN1(&ed, cbasn1.SEQUENCE) || !wrapped.Empty() || !ed.ReadASN1Integer(&version) ||
		!ed.ReadASN1(&eci, cbasn1.SEQUENCE) {
		return nil, malformed("bad PKCS #12 EncryptedData")
	}
	if _, ok := readOID(&eci); !ok {
		return nil, malformed("bad PKCS #12 EncryptedContentInfo")
	}
	alg, err := readAlgorithm(&eci)
	if err != nil {
		return nil, err
	}
	var ct []byte
	switch {
	case eci.PeekASN1Tag(tagPKCS12ImplicitOctet):
		var c cryptobyte.String
		if !eci.ReadASN1(&c, tagPKCS12ImplicitOctet) {
			return nil, malformed("bad PKCS #12 encrypted content")
		}
		ct = c
	case eci.PeekASN1Tag(tagPKCS12Explicit):
		var c cryptobyte.String
		if !eci.ReadASN1(&c, tagPKCS12Explicit) {
			return nil, malformed("bad PKCS #12 encrypted content")
		}
		if ct, err = joinOctetChunks(c); err != nil {
			return nil, err
		}
	default:
		return nil, malformed("PKCS #12 EncryptedData without content")
	}
	if !eci.Empty() {
		return nil, malformed("trailing data in PKCS #12 EncryptedContentInfo")
	}
	pt, err := r.decrypt(alg, ct)
	if err != nil {
		return nil, err
	}
	return berToDER(pt)
}

// safeContents reads SafeContents ::= SEQUENCE OF SafeBag.
func (r *pkcs12Reader) safeContents(der []byte, depth int) error {
	if depth > 2 {
		return malformed("PKCS #12 safe contents nested too deeply")
	}
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return malformed("bad PKCS #12 SafeContents")
	}
	for !seq.Empty() {
		if r.bags++; r.bags > maxPKCS12Bags {
			return malformed("more than %d PKCS #12 bags", maxPKCS12Bags)
		}
		var bag, value cryptobyte.String
		if !seq.ReadASN1(&bag, cbasn1.SEQUENCE) {
			return malformed("bad PKCS #12 SafeBag")
		}
		id, ok := readOID(&bag)
		if !ok || !bag.ReadASN1(&value, tagPKCS12Explicit) {
			return malformed("bad PKCS #12 SafeBag")
		}
		if bag.PeekASN1Tag(cbasn1.SET) && !bag.SkipASN1(cbasn1.SET) || !bag.Empty() { // bagAttributes
			return malformed("bad PKCS #12 bag attributes")
		}
		var err error
		switch string(id) {
		case derCertBag:
			err = r.certBag(value)
		case derShroudedKeyBag:
			if r.keys {
				err = r.shroudedKeyBag(value)
			}
		case derKeyBag:
			if r.keys {
				var k cryptobyte.String
				if !value.ReadASN1Element(&k, cbasn1.SEQUENCE) || !value.Empty() {
					return malformed("bad PKCS #12 key bag")
				}
				r.out.Keys = append(r.out.Keys, PKCS12Key{der: bytes.Clone(k)})
			}
		case derSafeContentsBag:
			var inner cryptobyte.String
			if !value.ReadASN1Element(&inner, cbasn1.SEQUENCE) || !value.Empty() {
				return malformed("bad PKCS #12 safe contents bag")
			}
			err = r.safeContents(inner, depth+1)
		default:
			// CRL and secret bags are not read.
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// certBag reads CertBag ::= SEQUENCE { certId, [0] EXPLICIT OCTET STRING }.
func (r *pkcs12Reader) certBag(value cryptobyte.String) error {
	var cb, wrapped, der cryptobyte.String
	if !value.ReadASN1(&cb, cbasn1.SEQUENCE) || !value.Empty() {
		return malformed("bad PKCS #12 certificate bag")
	}
	id, ok := readOID(&cb)
	if !ok || !cb.ReadASN1(&wrapped, tagPKCS12Explicit) || !cb.Empty() ||
		!wrapped.ReadASN1(&der, cbasn1.OCTET_STRING) || !wrapped.Empty() {
		return malformed("bad PKCS #12 certificate bag")
	}
	if string(id) != derX509Certificate {
		return nil // SDSI certificates are not read
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return malformed("PKCS #12 certificate: %v", err)
	}
	r.out.Certificates = append(r.out.Certificates, c)
	return nil
}

// shroudedKeyBag decrypts EncryptedPrivateKeyInfo ::= SEQUENCE {
// algorithm, encryptedData OCTET STRING }.
func (r *pkcs12Reader) shroudedKeyBag(value cryptobyte.String) error {
	var epki, ct cryptobyte.String
	if !value.ReadASN1(&epki, cbasn1.SEQUENCE) || !value.Empty() {
		return malformed("bad PKCS #12 shrouded key bag")
	}
	alg, err := readAlgorithm(&epki)
	if err != nil {
		return err
	}
	if !epki.ReadASN1(&ct, cbasn1.OCTET_STRING) || !epki.Empty() {
		return malformed("bad PKCS #12 shrouded key bag")
	}
	pt, err := r.decrypt(alg, ct)
	if err != nil {
		return err
	}
	k, err := berToDER(pt)
	if err != nil {
		return err
	}
	r.out.Keys = append(r.out.Keys, PKCS12Key{der: k})
	return nil
}

// decrypt decrypts a PKCS #12 bag or EncryptedData with alg.
func (r *pkcs12Reader) decrypt(alg algorithmIdentifier, ct []byte) ([]byte, error) {
	if alg.is(derPBES2) {
		return r.decryptPBES2(alg.Params, ct)
	}
	var keyLen int
	var newBlock func(key []byte) (cipher.Block, error)
	switch {
	case alg.is(derPBEWithSHA3DES):
		keyLen, newBlock = 24, des.NewTripleDESCipher
	case alg.is(derPBEWithSHA2DES):
		keyLen = 16
		newBlock = func(k []byte) (cipher.Block, error) {
			return des.NewTripleDESCipher(append(bytes.Clone(k), k[:8]...))
		}
	case alg.is(derPBEWithSHARC240):
		keyLen = 5
		newBlock = func(k []byte) (cipher.Block, error) { return newRC2(k, 40) }
	case alg.is(derPBEWithSHARC2128):
		keyLen = 16
		newBlock = func(k []byte) (cipher.Block, error) { return newRC2(k, 128) }
	default:
		return nil, fmt.Errorf("%w: PKCS #12 encryption %s", ErrUnsupportedAlgorithm, oidString(alg.OID))
	}
	params := cryptobyte.String(alg.Params)
	var seq, salt cryptobyte.String
	var iterations int
	if !params.ReadASN1(&seq, cbasn1.SEQUENCE) || !params.Empty() || !seq.ReadASN1(&salt, cbasn1.OCTET_STRING) ||
		!seq.ReadASN1Integer(&iterations) || !seq.Empty() {
		return nil, malformed("bad PKCS #12 PBE parameters")
	}
	if iterations < 1 || iterations > maxPKCS12Iterations {
		return nil, malformed("PKCS #12 PBE iterations %d out of range", iterations)
	}
	key := pkcs12KDF(sha1.New, r.bmp, salt, 1, iterations, keyLen)
	iv := pkcs12KDF(sha1.New, r.bmp, salt, 2, iterations, 8)
	block, err := newBlock(key)
	if err != nil {
		return nil, malformed("PKCS #12 cipher: %v", err)
	}
	return cbcDecrypt(block, iv, ct)
}

// decryptPBES2 decrypts PBES2 (RFC 8018) with PBKDF2 and AES-CBC. The
// password is its UTF-8 bytes, as OpenSSL and RFC 8018 use them.
func (r *pkcs12Reader) decryptPBES2(params, ct []byte) ([]byte, error) {
	in := cryptobyte.String(params)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, malformed("bad PBES2 parameters")
	}
	kdf, err := readAlgorithm(&seq)
	if err != nil {
		return nil, err
	}
	enc, err := readAlgorithm(&seq)
	if err != nil || !seq.Empty() {
		return nil, malformed("bad PBES2 parameters")
	}
	if !kdf.is(derPBKDF2) {
		return nil, fmt.Errorf("%w: PBES2 key derivation %s", ErrUnsupportedAlgorithm, oidString(kdf.OID))
	}
	kp := cryptobyte.String(kdf.Params)
	var pseq, salt cryptobyte.String
	var iterations int
	if !kp.ReadASN1(&pseq, cbasn1.SEQUENCE) || !kp.Empty() || !pseq.ReadASN1(&salt, cbasn1.OCTET_STRING) ||
		!pseq.ReadASN1Integer(&iterations) {
		return nil, malformed("bad PBKDF2 parameters")
	}
	if iterations < 1 || iterations > maxPKCS12Iterations {
		return nil, malformed("PBKDF2 iterations %d out of range", iterations)
	}
	if pseq.PeekASN1Tag(cbasn1.INTEGER) {
		var keyLen int
		if !pseq.ReadASN1Integer(&keyLen) {
			return nil, malformed("bad PBKDF2 key length")
		}
	}
	prf := sha1.New
	if !pseq.Empty() {
		p, err := readAlgorithm(&pseq)
		if err != nil || !pseq.Empty() || !p.hasNoParams() {
			return nil, malformed("bad PBKDF2 PRF")
		}
		switch {
		case p.is(derHMACWithSHA1):
		case p.is(derHMACWithSHA256):
			prf = sha256.New
		case p.is(derHMACWithSHA512):
			prf = sha512.New
		default:
			return nil, fmt.Errorf("%w: PBKDF2 PRF %s", ErrUnsupportedAlgorithm, oidString(p.OID))
		}
	}
	var keyLen int
	switch {
	case enc.is(derAES128CBC):
		keyLen = 16
	case enc.is(derAES192CBC):
		keyLen = 24
	case enc.is(derAES256CBC):
		keyLen = 32
	default:
		return nil, fmt.Errorf("%w: PBES2 encryption %s", ErrUnsupportedAlgorithm, oidString(enc.OID))
	}
	ivs := cryptobyte.String(enc.Params)
	var iv cryptobyte.String
	if !ivs.ReadASN1(&iv, cbasn1.OCTET_STRING) || !ivs.Empty() || len(iv) != aes.BlockSize {
		return nil, malformed("bad AES-CBC IV")
	}
	key, err := pbkdf2.Key(prf, r.password, salt, iterations, keyLen)
	if err != nil {
		return nil, malformed("PBKDF2: %v", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, malformed("AES: %v", err)
	}
	return cbcDecrypt(block, iv, ct)
}

// cbcDecrypt decrypts CBC and removes PKCS #7 padding. A bad padding after
// a verified MAC means an altered or mis-encrypted file.
func cbcDecrypt(block cipher.Block, iv, ct []byte) ([]byte, error) {
	bs := block.BlockSize()
	if len(ct) == 0 || len(ct)%bs != 0 || len(iv) != bs {
		return nil, malformed("PKCS #12 ciphertext is not whole blocks")
	}
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(pt, ct)
	n := int(pt[len(pt)-1])
	if n == 0 || n > bs || n > len(pt) {
		return nil, fmt.Errorf("%w: bad padding after decryption", ErrPassword)
	}
	for _, b := range pt[len(pt)-n:] {
		if int(b) != n {
			return nil, fmt.Errorf("%w: bad padding after decryption", ErrPassword)
		}
	}
	return pt[:len(pt)-n], nil
}
