package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/strongauth/strongauth/auth"
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

	// In Russian (?lang=ru): the page, and the server's refusal with its
	// reason.
	tb.open("/company?lang=ru")
	assert.Equal(t, "ru", tb.js(`document.documentElement.lang`))
	assert.Equal(t, "Подписать от имени компании", tb.js(`document.getElementById("company-title").textContent`))
	assert.Contains(t, tb.js(`document.getElementById("my-role").textContent`), "сотрудник, ")
	assert.Equal(t, "Договор поставки № 14/2026", tb.js(`document.querySelector('article[data-contract="supply-14-2026"] h2').textContent`))
	tb.click(`button.contract[data-contract="supply-14-2026"]`)
	tb.wait(`document.querySelector('#stepup [data-factor="ecp"]')`)
	tb.click(`#stepup [data-factor="ecp"]`)
	assert.Equal(t, "error", tb.wait(`document.getElementById("contract-receipt").dataset.state`))
	assert.Equal(t, "signer_not_allowed", tb.js(`document.getElementById("contract-receipt").dataset.code`))
	assert.Equal(t, "Не подписано", tb.js(`document.querySelector("#contract-receipt h2").textContent`))
	assert.Equal(t, auth.MessageForCode("signer_not_allowed", "ru"), tb.js(`document.querySelector("#contract-receipt p").textContent`),
		"the reason, in the page's language")
}
