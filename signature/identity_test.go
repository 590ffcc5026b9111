package signature_test

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// rdn builds a DER Name from (oid, value) pairs, each value a raw DER
// string element or a Go string (encoded by encoding/asn1).
func rdn(t *testing.T, pairs ...any) []byte {
	t.Helper()
	var seq pkix.RDNSequence
	for i := 0; i < len(pairs); i += 2 {
		var v any = pairs[i+1]
		if raw, ok := v.([]byte); ok {
			v = asn1.RawValue{FullBytes: raw}
		}
		seq = append(seq, pkix.RelativeDistinguishedNameSET{{Type: gost.OID(pairs[i].(string)), Value: v}})
	}
	b, err := asn1.Marshal(seq)
	require.NoError(t, err)
	return b
}

func TestParseSubject(t *testing.T) {
	p := signature.NCAProfile()
	const (
		cn, sn, serial, c, o, ou, gn, email = "2.5.4.3", "2.5.4.4", "2.5.4.5", "2.5.4.6", "2.5.4.10", "2.5.4.11", "2.5.4.42", "1.2.840.113549.1.9.1"
	)
	bmp := func(s string) []byte {
		u := utf16.Encode([]rune(s))
		out := []byte{0x1e, byte(2 * len(u))}
		for _, r := range u {
			out = append(out, byte(r>>8), byte(r))
		}
		return out
	}
	t.Run("NCA layout", func(t *testing.T) {
		id, err := p.ParseSubject(rdn(t, cn, "ТЕСТОВ ТЕСТ", sn, "ТЕСТОВ", serial, "IIN123456789011", c, "KZ", o, `АО "ТЕСТ"`, ou, "BIN123456789021", gn, "ТЕСТОВИЧ"))
		require.NoError(t, err)
		assert.Equal(t, &signature.Identity{IIN: "123456789011", BIN: "123456789021", CommonName: "ТЕСТОВ ТЕСТ", Surname: "ТЕСТОВ",
			GivenName: "ТЕСТОВИЧ", Organization: `АО "ТЕСТ"`, Country: "KZ", KeyStorage: signature.KeyStorageUnknown}, id)
	})
	t.Run("BMPString and emailAddress", func(t *testing.T) {
		id, err := p.ParseSubject(rdn(t, cn, bmp("ӘЛИЕВ Ә"), email, "a@b.kz"))
		require.NoError(t, err)
		assert.Equal(t, "ӘЛИЕВ Ә", id.CommonName)
		assert.Equal(t, "a@b.kz", id.Email)
	})
	t.Run("serial number without the IIN prefix is not an IIN", func(t *testing.T) {
		id, err := p.ParseSubject(rdn(t, cn, "X", serial, "PAS123456789"))
		require.NoError(t, err)
		assert.Empty(t, id.IIN)
	})
	t.Run("OU without the BIN prefix is not a BIN", func(t *testing.T) {
		id, err := p.ParseSubject(rdn(t, cn, "X", ou, "Бухгалтерия"))
		require.NoError(t, err)
		assert.Empty(t, id.BIN)
	})
	t.Run("the same IIN twice is fine", func(t *testing.T) {
		id, err := p.ParseSubject(rdn(t, serial, "IIN123456789011", serial, "IIN123456789011"))
		require.NoError(t, err)
		assert.Equal(t, "123456789011", id.IIN)
	})
	refusals := map[string][]byte{
		"two IINs":           rdn(t, serial, "IIN123456789011", serial, "IIN123456789012"),
		"two BINs":           rdn(t, ou, "BIN123456789021", ou, "BIN123456789022"),
		"two CNs":            rdn(t, cn, "A", cn, "B"),
		"short IIN":          rdn(t, serial, "IIN12345678901"),
		"long IIN":           rdn(t, serial, "IIN1234567890111"),
		"IIN with letters":   rdn(t, serial, "IIN12345678901X"),
		"BIN with a space":   rdn(t, ou, "BIN12345678902 "),
		"Unicode digits IIN": rdn(t, serial, "IIN١٢٣٤٥٦٧٨٩٠١١"),
	}
	for name, der := range refusals {
		t.Run(name, func(t *testing.T) {
			id, err := p.ParseSubject(der)
			require.ErrorIs(t, err, signature.ErrIdentity)
			assert.Nil(t, id)
			assert.Equal(t, "identity", signature.Code(err))
		})
	}
	malformed := map[string][]byte{
		"not DER":             []byte("CN=ТЕСТОВ"),
		"trailing data":       append(rdn(t, cn, "A"), 0),
		"empty RDN":           {0x30, 0x02, 0x31, 0x00},
		"invalid UTF-8 CN":    rdn(t, cn, []byte{0x0c, 0x02, 0xff, 0xfe}),
		"odd BMPString":       rdn(t, cn, []byte{0x1e, 0x03, 0x00, 0x41, 0x00}),
		"non-printable in PS": rdn(t, cn, []byte{0x13, 0x02, 'A', '@'}),
		"CN is an INTEGER":    rdn(t, cn, []byte{0x02, 0x01, 0x05}),
	}
	for name, der := range malformed {
		t.Run(name, func(t *testing.T) {
			id, err := p.ParseSubject(der)
			require.ErrorIs(t, err, signature.ErrMalformed)
			assert.Nil(t, id)
		})
	}
}

// Check digits: off by default (the NCA test IINs fail them), on when the
// profile says so.
func TestCheckDigits(t *testing.T) {
	for _, s := range []string{"900101300017", "850505400028", "050607500041", "123456789013"} {
		assert.True(t, signature.ValidID(s), s)
	}
	for _, s := range []string{"123456789011", "123456789021", "900101300018", "90010130001", "90010130001a", ""} {
		assert.False(t, signature.ValidID(s), s)
	}
	p := signature.NCAProfile()
	der := rdn(t, "2.5.4.5", "IIN123456789011")
	_, err := p.ParseSubject(der)
	require.NoError(t, err, "off by default")
	p.CheckDigits = true
	_, err = p.ParseSubject(der)
	require.ErrorIs(t, err, signature.ErrIdentity)
	id, err := p.ParseSubject(rdn(t, "2.5.4.5", "IIN900101300017"))
	require.NoError(t, err)
	assert.Equal(t, "900101300017", id.IIN)
}

// Roles and key storage of each development leaf, through the verifier.
func TestIdentityOfLeaves(t *testing.T) {
	p := pkiFor(t, devpki.GOST2015)
	cases := []struct {
		leaf     *devpki.Leaf
		roles    []signature.Role
		iin, bin string
		storage  signature.KeyStorage
		person   bool
	}{
		{p.Individual, []signature.Role{signature.RoleIndividual}, sigtest.IIN, "", signature.KeyStorageFile, true},
		{p.Hardware, []signature.Role{signature.RoleIndividual}, sigtest.IIN, "", signature.KeyStorageUnknown, true},
		{p.Head, []signature.Role{signature.RoleLegalEntity, signature.RoleFirstHead}, sigtest.IIN, sigtest.BIN, signature.KeyStorageFile, true},
		{p.RightToSign, []signature.Role{signature.RoleLegalEntity, signature.RoleRightToSign}, sigtest.IINEmployee, sigtest.BIN, signature.KeyStorageFile, true},
		{p.Employee, []signature.Role{signature.RoleLegalEntity, signature.RoleEmployee}, sigtest.IINEmployee, sigtest.BIN, signature.KeyStorageFile, true},
		{p.InfoSystem, []signature.Role{signature.RoleLegalEntity, signature.RoleInformationSystem}, "", sigtest.BIN, signature.KeyStorageFile, false},
		{p.LegacyAuth, []signature.Role{signature.RoleIndividual}, sigtest.IIN, "", signature.KeyStorageFile, true},
	}
	for _, c := range cases {
		t.Run(c.leaf.Cert.Subject.CommonName+"/"+string(c.roles[len(c.roles)-1]), func(t *testing.T) {
			id, err := signature.IdentityOf(c.leaf.Cert, nil)
			require.NoError(t, err)
			assert.Equal(t, c.roles, id.Roles)
			assert.Equal(t, c.iin, id.IIN)
			assert.Equal(t, c.bin, id.BIN)
			assert.Equal(t, c.storage, id.KeyStorage)
			assert.Equal(t, c.person, id.IsPerson())
			assert.Equal(t, !c.person, id.IsInformationSystem())
		})
	}
	// A profile that maps the development token OID reports hardware.
	prof := signature.NCAProfile()
	prof.KeyStorage[devpki.OIDStorageToken] = signature.KeyStorageHardware
	id, err := signature.IdentityOf(p.Hardware.Cert, prof)
	require.NoError(t, err)
	assert.Equal(t, signature.KeyStorageHardware, id.KeyStorage)
	assert.Equal(t, devpki.OIDStorageToken, id.KeyStorageOID)
	// No extension: unknown.
	l, err := p.CA.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "A", Name: "B", IIN: sigtest.IIN, NoKeyStorage: true})
	require.NoError(t, err)
	id, err = signature.IdentityOf(l.Cert, nil)
	require.NoError(t, err)
	assert.Equal(t, signature.KeyStorageUnknown, id.KeyStorage)
	assert.Empty(t, id.KeyStorageOID)
}

// The NCA profile is data: every call returns an independent copy, and a
// verifier copies the profile it is given.
func TestProfileIsData(t *testing.T) {
	a := signature.NCAProfile()
	a.Roles = nil
	a.KeyStorage[devpki.OIDStorageToken] = signature.KeyStorageHardware
	b := signature.NCAProfile()
	assert.Len(t, b.Roles, 9)
	assert.NotContains(t, b.KeyStorage, devpki.OIDStorageToken)

	p := pkiFor(t, devpki.ECDSAP256)
	prof := signature.NCAProfile()
	prof.KeyStorage[devpki.OIDStorageToken] = signature.KeyStorageHardware
	v, err := signature.NewVerifier(signature.Config{Roots: p.Roots(), Now: testNow, InsecureSkipRevocation: true, Profile: prof})
	require.NoError(t, err)
	delete(prof.KeyStorage, devpki.OIDStorageToken) // too late to matter
	res, err := v.Verify(ctx, sign(t, p.Hardware, content, devpki.CMSOptions{Chain: true}), signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
	require.NoError(t, err)
	assert.Equal(t, signature.KeyStorageHardware, res.Signers[0].Identity.KeyStorage)

	_, err = signature.NewVerifier(signature.Config{Roots: p.Roots(), InsecureSkipRevocation: true, Profile: &signature.Profile{}})
	require.ErrorIs(t, err, signature.ErrConfig)
}

// A signer whose subject is ambiguous is refused by the verifier.
func TestVerifyAmbiguousIdentity(t *testing.T) {
	p := pkiFor(t, devpki.ECDSAP256)
	l, err := p.CA.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "A", Name: "B", IIN: sigtest.IIN,
		ExtraSubject: []pkix.AttributeTypeAndValue{{Type: gost.OID("2.5.4.5"), Value: "IIN" + sigtest.IINEmployee}}})
	require.NoError(t, err)
	v, _ := newVerifier(t, p)
	res, err := v.Verify(ctx, sign(t, l, content, devpki.CMSOptions{Chain: true}), signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
	require.ErrorIs(t, err, signature.ErrIdentity)
	assert.Nil(t, res)
}
