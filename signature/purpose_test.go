package signature_test

import (
	"crypto/x509"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// issueLeaf issues a leaf of the PKI's intermediate, failing the test on
// error.
func issueLeaf(t *testing.T, p *sigtest.PKI, o devpki.LeafOptions) *devpki.Leaf {
	t.Helper()
	if o.Surname == "" && o.Kind != devpki.InformationSystem {
		o.Surname, o.Name, o.IIN = "Тестов", "Тест", sigtest.IIN
	}
	l, err := p.CA.Issue(o)
	require.NoError(t, err)
	return l
}

// The key-purpose table of the package documentation, on development
// certificates of every NCA profile (the real material is covered by
// TestPurposeNCAMaterial): each is verified end to end under each purpose.
func TestPurposeTable(t *testing.T) {
	p := pkiFor(t, devpki.ECDSAP256)
	v, _ := newVerifier(t, p)
	legalSign := x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	legalAuth := x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	isOnly := []string{signature.OIDRoleInformationSystem}
	cases := []struct {
		name            string
		leaf            *devpki.Leaf
		login, sign, is bool
	}{
		{"GOST-2015 combined individual", p.Individual, true, true, false},
		{"GOST-2015 combined first head", p.Head, true, true, false},
		{"legacy AUTH individual (…2.4)", p.LegacyAuth, true, false, false},
		{"legacy SIGN individual (…2.3)", issueLeaf(t, p, devpki.LeafOptions{Kind: devpki.LegacySign}), false, true, false},
		{"legacy AUTH legal entity (…2.2)", issueLeaf(t, p, devpki.LeafOptions{Kind: devpki.FirstHead, BIN: sigtest.BIN, KeyUsage: legalAuth,
			EKU: []string{signature.OIDClientAuth, signature.OIDRoleLegalEntity, signature.OIDRoleFirstHead}, Policies: []string{signature.OIDPolicyLegalEntityAuth}}), true, false, false},
		{"legacy SIGN legal entity (…2.1)", issueLeaf(t, p, devpki.LeafOptions{Kind: devpki.FirstHead, BIN: sigtest.BIN, KeyUsage: legalSign,
			Policies: []string{signature.OIDPolicyLegalEntitySign}}), false, true, false},
		{"combined-key EKU without any policy", issueLeaf(t, p, devpki.LeafOptions{Kind: devpki.Individual, NoPolicies: true}), false, false, false},
		{"combined-key EKU under a foreign policy", issueLeaf(t, p, devpki.LeafOptions{Kind: devpki.Individual, Policies: []string{"1.2.3.4"}}), false, false, false},
		{"information system (email + legal entity + IS)", p.InfoSystem, false, false, true},
		{"information system (IS role only)", issueLeaf(t, p, devpki.LeafOptions{Kind: devpki.InformationSystem, Name: "ДОКУМЕНТООБОРОТ", BIN: sigtest.BIN, EKU: isOnly}), false, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cms := sign(t, c.leaf, content, devpki.CMSOptions{Chain: true})
			for _, pc := range []struct {
				p    signature.Purpose
				want bool
			}{{signature.PurposeLogin(), c.login}, {signature.PurposeSign(), c.sign}, {signature.PurposeInformationSystem(), c.is}} {
				_, err := v.Verify(ctx, cms, signature.VerifyOptions{Content: content, Purpose: pc.p})
				if pc.want {
					assert.NoError(t, err, pc.p.Name)
				} else {
					assert.ErrorIs(t, err, signature.ErrKeyUsage, pc.p.Name)
					assert.Equal(t, "key_usage", signature.Code(err), pc.p.Name)
				}
				assert.Equal(t, pc.want, v.CheckPurpose(c.leaf.Cert, pc.p) == nil, "CheckPurpose agrees with Verify (%s)", pc.p.Name)
			}
		})
	}
}

// Information systems (issue 14 §3.3): PurposeInformationSystem accepts
// them whatever their EKU carries besides the IS role, and refuses persons;
// AllowInformationSystem on a person's purpose lets through only an IS
// certificate that meets that purpose's other rules.
func TestPurposeInformationSystem(t *testing.T) {
	for _, alg := range allAlgorithms {
		t.Run(string(alg), func(t *testing.T) {
			p := pkiFor(t, alg)
			v, _ := newVerifier(t, p)
			isOnly := issueLeaf(t, p, devpki.LeafOptions{Kind: devpki.InformationSystem, Name: "ШЛЮЗ", BIN: sigtest.BIN, EKU: []string{signature.OIDRoleInformationSystem}})
			for _, leaf := range []*devpki.Leaf{p.InfoSystem, isOnly} {
				res, err := v.Verify(ctx, sign(t, leaf, content, devpki.CMSOptions{Chain: true}), signature.VerifyOptions{Content: content, Purpose: signature.PurposeInformationSystem()})
				require.NoError(t, err)
				id := res.Signers[0].Identity
				assert.True(t, id.IsInformationSystem())
				assert.Empty(t, id.IIN)
				assert.Equal(t, sigtest.BIN, id.BIN)
				require.NoError(t, signature.RequireRole(sigtest.BIN, signature.RoleInformationSystem)(&id))
				require.ErrorIs(t, signature.RequirePerson()(&id), signature.ErrNotAllowed)
			}
			for _, person := range []*devpki.Leaf{p.Individual, p.Head, p.Employee, p.LegacyAuth} {
				_, err := v.Verify(ctx, sign(t, person, content, devpki.CMSOptions{Chain: true}), signature.VerifyOptions{Content: content, Purpose: signature.PurposeInformationSystem()})
				require.ErrorIs(t, err, signature.ErrKeyUsage, "a person's key is not an information system's")
			}

			login := signature.PurposeLogin()
			_, err := v.Verify(ctx, sign(t, p.InfoSystem, content, devpki.CMSOptions{Chain: true}), signature.VerifyOptions{Content: content, Purpose: login})
			require.ErrorIs(t, err, signature.ErrKeyUsage)
			assert.Contains(t, err.Error(), "information-system certificate cannot act for a person")
			login.AllowInformationSystem = true
			_, err = v.Verify(ctx, sign(t, p.InfoSystem, content, devpki.CMSOptions{Chain: true}), signature.VerifyOptions{Content: content, Purpose: login})
			require.NoError(t, err, "its EKU matches login's legal-entity combination")
			_, err = v.Verify(ctx, sign(t, isOnly, content, devpki.CMSOptions{Chain: true}), signature.VerifyOptions{Content: content, Purpose: login})
			require.ErrorIs(t, err, signature.ErrKeyUsage, "the flag does not widen login's EKU combinations")
			// As the documentation says: persons or information systems.
			login.EKU = append(login.EKU, signature.PurposeInformationSystem().EKU...)
			_, err = v.Verify(ctx, sign(t, isOnly, content, devpki.CMSOptions{Chain: true}), signature.VerifyOptions{Content: content, Purpose: login})
			require.NoError(t, err)
			_, err = v.Verify(ctx, sign(t, p.Individual, content, devpki.CMSOptions{Chain: true}), signature.VerifyOptions{Content: content, Purpose: login})
			require.NoError(t, err)
		})
	}
}

// CheckPurpose refuses what cannot be checked.
func TestCheckPurposeInput(t *testing.T) {
	p := pkiFor(t, devpki.ECDSAP256)
	v, _ := newVerifier(t, p)
	require.ErrorIs(t, v.CheckPurpose(nil, signature.PurposeLogin()), signature.ErrKeyUsage)
	require.ErrorIs(t, v.CheckPurpose(p.Individual.Cert, signature.Purpose{}), signature.ErrConfig)
	require.ErrorIs(t, v.CheckPurpose(p.Root.Cert, signature.PurposeLogin()), signature.ErrKeyUsage, "a CA has no digitalSignature")
	require.NoError(t, v.CheckPurpose(p.Individual.Cert, signature.PurposeLogin()))
}
