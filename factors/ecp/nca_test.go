package ecp_test

import (
	"context"
	"crypto/x509"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/ecp"
	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/sigtest"
	"github.com/strongauth/strongauth/store/memory"
)

// End to end with the real NCA test PKI: a current GOST-2015 key (one
// combined key, EKU emailProtection, no clientAuth) logs in through the
// engine. Required when CI=true; skipped elsewhere without the material.
func TestNCALoginEndToEnd(t *testing.T) {
	root, inter := sigtest.NCAGOSTRoots(t)
	for _, name := range []string{"individual_valid", "legal_head_valid"} {
		t.Run(name, func(t *testing.T) {
			leaf := sigtest.NCAKey(t, "keys/"+name, gost.CurveTC26512A())
			cert := leaf.Cert

			now := time.Now().UTC()
			if now.After(cert.NotAfter) {
				now = cert.NotAfter.Add(-24 * time.Hour)
				t.Logf("the NCA test certificate has expired; running at %s", now)
			}
			clock := fakeclock.New(now)
			st := memory.New(memory.Config{Now: clock.Now, SweepInterval: -1})
			defer st.Close()
			v, err := signature.NewVerifier(signature.Config{Roots: []*x509.Certificate{root}, Intermediates: []*x509.Certificate{inter},
				Now: clock.Now, InsecureSkipRevocation: true})
			require.NoError(t, err)
			f, err := ecp.New(ecp.Config{Verifier: v, Store: st, Origin: origin, Mapper: ecp.MapperFunc(func(_ context.Context, r *ecp.MapRequest) (string, error) {
				return "iin:" + r.Identity.IIN, nil
			})})
			require.NoError(t, err)
			rule, _ := auth.ParseRule("ecp")
			eng, err := auth.New(auth.Config{Store: st, Factors: []auth.Factor{f}, Policies: []auth.Policy{{Action: "login", Rule: rule}}, Now: clock.Now})
			require.NoError(t, err)
			h := &harness{t: t, clock: clock, eng: eng}
			fl := h.start("login")
			doc, _ := h.begin(fl)
			clock.Advance(20 * time.Second) // the user types the key password
			out, err := h.finish(fl, h.answer(leaf, doc, devpki.CMSOptions{}))
			require.NoError(t, err)
			require.NotNil(t, out.Result)
			assert.Equal(t, "iin:123456789011", out.Result.Subject)
			assert.Equal(t, []string{"sc", "swk"}, out.Result.AMR)
			assert.NotEmpty(t, out.Result.Evidence[0].Attributes["roles"])
		})
	}
}
