package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
)

// contractStepUp signs a contract for the company: the login does not
// satisfy "sign-contract", so the portal asks for a step-up, which only
// ECP can give; it returns the ECP finish reply and the contract reply.
func (c *client) contractStepUp(iin string, hdr map[string]string) (finish, contract reply) {
	c.t.Helper()
	r := c.post("/api/contract", map[string]string{"contract": "supply-14-2026"})
	require.Equal(c.t, http.StatusUnauthorized, r.status, r.raw)
	require.Equal(c.t, "step_up_required", r.code())
	require.Equal(c.t, actionContract, r.body["action"])
	r = c.start(actionContract)
	require.Equal(c.t, http.StatusCreated, r.status, r.raw)
	require.Equal(c.t, []any{"ecp"}, r.body["offer"], "no passkey or phone says who may sign for a company")
	b := c.begin("ecp")
	require.Equal(c.t, http.StatusOK, b.status, b.raw)
	cms, err := c.h.sign(b.body["data"].(map[string]any)["ncalayer"], iin)
	require.NoError(c.t, err)
	finish = c.do("POST", "/auth/flows/"+c.flow+"/finish/ecp", map[string]string{"cms": cms}, hdr)
	return finish, c.post("/api/contract", map[string]string{"contract": "supply-14-2026"})
}

// TestCompanyContract: the first head and the employee with the right to
// sign sign the company's contract with their ECP keys; a plain employee
// of the same company, and a private person, are refused by the ECP
// factor's check (code signer_not_allowed, the reason in kk/ru/en); the
// login's signature never stands in for the contract's.
func TestCompanyContract(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct {
		iin, role string
	}{{firstHead, "first_head"}, {rightToSign, "right_to_sign"}} {
		c := h.client()
		c.loginECPSMS(tc.iin)
		fin, r := c.contractStepUp(tc.iin, nil)
		require.Equal(t, http.StatusOK, fin.status, fin.raw)
		assert.Equal(t, true, fin.body["allowed"])
		require.Equal(t, http.StatusOK, r.status, r.raw)
		assert.Equal(t, tc.role, r.body["role"], tc.iin)
		assert.Equal(t, companyBIN, r.body["bin"])
		assert.Equal(t, tc.iin, r.body["iin"])
		assert.Equal(t, []any{"ecp"}, r.body["confirmed_with"].(map[string]any)["factors"])
	}

	byIIN := map[string]*client{}
	for _, tc := range []struct{ iin, lang, want string }{
		{employee, "ru", "первый руководитель"},
		{employee, "kk", "бірінші басшы"},
		{askar, "en", "first head"},
	} {
		c := byIIN[tc.iin]
		if c == nil {
			c = h.client()
			c.loginECPSMS(tc.iin)
			byIIN[tc.iin] = c
		}
		fin, r := c.contractStepUp(tc.iin, map[string]string{"Accept-Language": tc.lang})
		assert.Equal(t, http.StatusForbidden, fin.status, fin.raw)
		assert.Equal(t, "signer_not_allowed", fin.code(), tc.iin)
		assert.Contains(t, fin.body["message"], tc.want)
		assert.Equal(t, auth.MessageForCode("signer_not_allowed", tc.lang), fin.body["message"])
		assert.Equal(t, http.StatusUnauthorized, r.status, "still not signed: %s", r.raw)
		assert.Equal(t, "step_up_required", r.code())
	}
}
