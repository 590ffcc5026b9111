package main

// Signing for a company: a contract of the demo company may be signed only
// with the key of its first head or of an employee with the right to sign
// — the roles the NCA writes into legal-entity certificates. The rule is a
// signature.Check of the ECP factor for the action "sign-contract", so a
// plain employee's genuine signature is refused before the portal ever
// sees it (code signer_not_allowed, with its reason in kk/ru/en).

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/signature"
)

const (
	// actionContract signs a contract for the company: only a fresh ECP
	// signature will do (no passkey or phone says who may sign for a
	// company), by a key the contractCheck allows.
	actionContract = "sign-contract"
	ruleContract   = "ecp"
)

// contractCheck is the identity rule of actionContract: a person (not an
// information system) acting for the demo company as its first head or
// with the right to sign.
func contractCheck() signature.Check {
	return signature.All(signature.RequirePerson(),
		signature.RequireRole(companyBIN, signature.RoleFirstHead, signature.RoleRightToSign))
}

// company is the demo legal entity, for the pages.
type company struct{ Name, BIN string }

// Company is the demo company, for the templates.
func (pageData) Company() company { return company{Name: companyName, BIN: companyBIN} }

// Contracts are the company's contracts, for the templates.
func (pageData) Contracts() []doc { return contracts() }

func contracts() []doc {
	return []doc{
		{ID: "supply-14-2026", Title: "Supply contract No. 14/2026",
			Body: companyName + " (BIN " + companyBIN + ") buys forty laptops from a supplier, payment within thirty days of delivery."},
	}
}

func contractByID(id string) (doc, bool) {
	cs := contracts()
	i := slices.IndexFunc(cs, func(d doc) bool { return d.ID == id })
	if i < 0 {
		return doc{}, false
	}
	return cs[i], true
}

func (p *Portal) companyPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := p.session(r); !ok {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	p.pages.render(w, r, "company", "Sign for the company")
}

// signContract runs only behind Require(actionContract): the session holds
// a fresh ECP signature that contractCheck allowed.
func (p *Portal) signContract(w http.ResponseWriter, r *http.Request) {
	s, ok := p.session(r)
	if !ok {
		p.fail(w, r, errNotLoggedIn)
		return
	}
	var req struct {
		Contract string `json:"contract"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		p.fail(w, r, errBadRequest)
		return
	}
	c, found := contractByID(req.Contract)
	res := s.Results[actionContract]
	if !found || res == nil {
		p.fail(w, r, errBadRequest)
		return
	}
	role := ""
	for _, e := range res.Evidence {
		if e.Kind != auth.KindECP {
			continue
		}
		for _, r := range strings.Split(e.Attributes["roles"], ",") {
			if r == string(signature.RoleFirstHead) || r == string(signature.RoleRightToSign) {
				role = r
			}
		}
	}
	person, _ := p.dir.find(s.Subject)
	writeJSON(w, http.StatusOK, map[string]any{
		"contract": c.ID, "title": c.Title, "company": companyName, "bin": companyBIN,
		"signed_by": person.FullName(), "iin": person.IIN, "role": role,
		"signed_at": p.cfg.Now().UTC(), "confirmed_with": viewOf(res),
	})
}
