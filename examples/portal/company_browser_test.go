package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestBrowserCompanyContract: on the company page, the first head and the
// employee with the right to sign sign the contract with their ECP keys
// (through the simulator, asked for the signed-in person's key); a plain
// employee of the same company is refused on the page, with the reason.
func TestBrowserCompanyContract(t *testing.T) {
	h := newHarness(t, nil)
	tb := h.browser(t)
	for i, tc := range []struct{ name, iin, kind, state, role string }{
		{"first head", firstHead, "first_head", "signed", "first_head"},
		{"right to sign", rightToSign, "right_to_sign", "signed", "right_to_sign"},
		{"employee", employee, "employee", "error", ""},
	} {
		if i > 0 {
			tb.click("#logout")
			tb.wait(`location.pathname === "/" && document.getElementById("dev-signer")`)
		}
		tb.loginECPSMS(tc.iin)
		tb.open("/company")
		assert.Equal(t, tc.kind, tb.wait(`document.getElementById("my-role").dataset.kind`), "%s: the page names the key's role", tc.name)
		tb.click(`button.contract[data-contract="supply-14-2026"]`)
		assert.Equal(t, "ecp", tb.wait(`[...document.querySelectorAll("#stepup [data-factor]")].map(b => b.dataset.factor).join(",")`),
			"%s: only ECP can sign for a company", tc.name)
		tb.click(`#stepup [data-factor="ecp"]`)
		state := tb.wait(`document.getElementById("contract-receipt").dataset.state`)
		assert.Equal(t, tc.state, state, "%s: %s", tc.name, tb.text())
		receipt := tb.js(`document.getElementById("contract-receipt").textContent`)
		if tc.state == "signed" {
			assert.Equal(t, tc.role, tb.js(`document.getElementById("contract-receipt").dataset.role`))
			assert.Contains(t, receipt, companyBIN)
			assert.Contains(t, receipt, h.person(tc.iin).FullName())
			if tc.role == "first_head" {
				tb.shot("14-company-signed")
			}
			continue
		}
		assert.Equal(t, "signer_not_allowed", tb.js(`document.getElementById("contract-receipt").dataset.code`))
		assert.Contains(t, receipt, "only the first head or an employee with the right to sign", "the reason, in the browser's language")
		assert.Equal(t, "true", tb.js(`String(document.getElementById("stepup").hidden)`))
		tb.shot("15-company-refused")
	}
}
