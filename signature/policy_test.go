package signature_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/sigtest"
)

func TestChecks(t *testing.T) {
	person := &signature.Identity{IIN: sigtest.IIN, Roles: []signature.Role{signature.RoleIndividual}}
	head := &signature.Identity{IIN: sigtest.IIN, BIN: sigtest.BIN, Roles: []signature.Role{signature.RoleLegalEntity, signature.RoleFirstHead}}
	system := &signature.Identity{BIN: sigtest.BIN, Roles: []signature.Role{signature.RoleLegalEntity, signature.RoleInformationSystem}}
	cases := []struct {
		name  string
		check signature.Check
		id    *signature.Identity
		ok    bool
	}{
		{"person: individual", signature.RequirePerson(), person, true},
		{"person: head", signature.RequirePerson(), head, true},
		{"person: system", signature.RequirePerson(), system, false},
		{"person: nil", signature.RequirePerson(), nil, false},
		{"role: head of BIN", signature.RequireRole(sigtest.BIN, signature.RoleFirstHead, signature.RoleRightToSign), head, true},
		{"role: head of another BIN", signature.RequireRole("123456789021", signature.RoleFirstHead), head, false},
		{"role: any BIN", signature.RequireRole("", signature.RoleFirstHead), head, true},
		{"role: person without BIN", signature.RequireRole("", signature.RoleFirstHead), person, false},
		{"role: system", signature.RequireRole(sigtest.BIN, signature.RoleFirstHead), system, false},
		{"role: none listed", signature.RequireRole(sigtest.BIN), head, false},
		{"BIN: head of BIN", signature.RequireBIN(sigtest.BIN), head, true},
		{"BIN: system of BIN", signature.RequireBIN(sigtest.BIN), system, true},
		{"BIN: other BIN", signature.RequireBIN("123456789021"), head, false},
		{"BIN: person without BIN", signature.RequireBIN(sigtest.BIN), person, false},
		{"BIN: empty wanted", signature.RequireBIN(""), &signature.Identity{}, false},
		{"BIN: nil", signature.RequireBIN(sigtest.BIN), nil, false},
		{"IIN: same", signature.RequireIIN(sigtest.IIN), head, true},
		{"IIN: other", signature.RequireIIN(sigtest.IINEmployee), head, false},
		{"IIN: empty wanted", signature.RequireIIN(""), system, false},
		{"all: both", signature.All(signature.RequirePerson(), signature.RequireIIN(sigtest.IIN), nil), head, true},
		{"all: one fails", signature.All(signature.RequirePerson(), signature.RequireRole(sigtest.BIN, signature.RoleHR)), head, false},
	}
	for _, c := range cases {
		err := c.check(c.id)
		if c.ok {
			assert.NoError(t, err, c.name)
			continue
		}
		require.ErrorIs(t, err, signature.ErrNotAllowed, c.name)
		assert.Equal(t, "not_allowed", signature.Code(err))
	}
}

// Every NCA role OID maps to its role, Treasury-Client included.
func TestAllRoles(t *testing.T) {
	p := pkiFor(t, devpki.ECDSAP256)
	l, err := p.CA.Issue(devpki.LeafOptions{Kind: devpki.FinancialSigner, Surname: "A", Name: "B", IIN: sigtest.IIN, BIN: sigtest.BIN,
		EKU: []string{signature.OIDEmailProtection, signature.OIDRoleLegalEntity, signature.OIDRoleFinancialSigner, signature.OIDRoleHR, signature.OIDRoleTreasuryClient, "1.2.3.4"}})
	require.NoError(t, err)
	id, err := signature.IdentityOf(l.Cert, nil)
	require.NoError(t, err)
	assert.Equal(t, []signature.Role{signature.RoleLegalEntity, signature.RoleFinancialSigner, signature.RoleHR, signature.RoleTreasuryClient}, id.Roles)
}
