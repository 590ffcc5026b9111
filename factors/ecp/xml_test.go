package ecp_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/ecp"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
)

// answerXML signs the Begin data's XML challenge with leaf as NCALayer's
// signXml would and wraps it as Finish input, in one of the three shapes.
func (h *harness) answerXML(leaf *devpki.Leaf, data *ecp.BeginData, shape string) json.RawMessage {
	h.t.Helper()
	doc, err := leaf.SignXML([]byte(data.ChallengeXML), devpki.XMLOptions{CR: true})
	require.NoError(h.t, err)
	var in ecp.FinishInput
	switch shape {
	case "basics":
		in.NCALayer, _ = json.Marshal(map[string]any{"status": true, "body": map[string]any{"result": []string{string(doc)}}})
	case "signXml":
		in.NCALayer, _ = json.Marshal(map[string]any{"code": "200", "responseObject": string(doc)})
	default:
		in.XML = string(doc)
	}
	b, err := json.Marshal(in)
	require.NoError(h.t, err)
	return b
}

// An ECP login with XML: each algorithm, each answer shape, both forms.
func TestLoginXML(t *testing.T) {
	for _, alg := range []devpki.Algorithm{devpki.GOST2015, devpki.RSA2048} {
		for _, shape := range []string{"xml", "basics", "signXml"} {
			for _, legacyForm := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/login-form=%t", alg, shape, legacyForm), func(t *testing.T) {
					h := newHarness(t, alg, func(c *ecp.Config, _ *signature.Config) { c.InsecureLoginXMLForm = legacyForm })
					f := h.start("login")
					_, data := h.begin(f)
					assert.Equal(t, []ecp.Format{ecp.FormatCMS, ecp.FormatXML}, data.Formats)
					require.NotNil(t, data.NCALayerXML)
					assert.Equal(t, "xml", data.NCALayerXML.Args.Format)
					assert.Equal(t, data.ChallengeXML, data.NCALayerXML.Args.Data)
					assert.Equal(t, data.ChallengeXML, data.NCALayerSignXML.Args[2])
					assert.Equal(t, legacyForm, strings.HasPrefix(data.ChallengeXML, "<login><timeTicket>"))
					if !legacyForm {
						assert.Contains(t, data.ChallengeXML, "<flow>"+f.id+"</flow>")
					}
					out, err := h.finish(f, h.answerXML(h.p.Individual, data, shape))
					require.NoError(t, err)
					require.True(t, out.Decision.Allowed)
					assert.Equal(t, "user-1", out.Result.Subject)
					assert.Equal(t, auth.Strong, out.Result.Evidence[0].Strength)
					// Single use: the same answer again is refused.
					_, err = h.finish(f, h.answerXML(h.p.Individual, data, shape))
					assert.Error(t, err)
				})
			}
		}
	}
}

// XML answers are refused where they do not fit: another flow's document,
// a format the action does not accept, malformed input.
func TestFinishRefusesXML(t *testing.T) {
	h := newHarness(t, devpki.GOST2015, func(c *ecp.Config, _ *signature.Config) {
		c.Formats = map[string][]ecp.Format{"sign-contract": {ecp.FormatCMS}, "two-step": {ecp.FormatXML}}
	})
	// Another flow's challenge document.
	f1, f2 := h.start("login"), h.start("login")
	_, d1 := h.begin(f1)
	_, d2 := h.begin(f2)
	_, err := h.finish(f1, h.answerXML(h.p.Individual, d2, "xml"))
	assert.Equal(t, "challenge_mismatch", signature.Code(err))
	// The challenge was consumed by the failed attempt.
	_, err = h.finish(f1, h.answerXML(h.p.Individual, d1, "xml"))
	assert.ErrorIs(t, err, auth.ErrReplay)

	// An action that takes CMS only offers no XML request and refuses XML.
	f := h.start("sign-contract")
	_, data := h.begin(f)
	assert.Equal(t, []ecp.Format{ecp.FormatCMS}, data.Formats)
	assert.Empty(t, data.ChallengeXML)
	assert.Nil(t, data.NCALayerXML)
	data.ChallengeXML = "<a/>"
	_, err = h.finish(f, h.answerXML(h.p.Head, data, "xml"))
	assert.Equal(t, "unsupported_algorithm", signature.Code(err))
	// And one that takes XML only refuses CMS.
	f = h.start("two-step")
	_, data = h.begin(f)
	assert.Nil(t, data.NCALayer)
	assert.Empty(t, data.Challenge)
	in := h.answer(h.p.Individual, []byte("x"), devpki.CMSOptions{})
	_, err = h.finish(f, in)
	assert.Equal(t, "unsupported_algorithm", signature.Code(err))

	for name, in := range map[string]string{
		"xml and cms":     `{"xml":"<a/>","cms":"MIIB"}`,
		"xml not XML":     `{"xml":"MIIB"}`,
		"cms holding XML": `{"cms":"<a/>"}`,
	} {
		f := h.start("login")
		h.begin(f)
		_, err := h.finish(f, json.RawMessage(in))
		assert.Equal(t, "malformed", signature.Code(err), name)
	}
}

func TestNewValidatesFormats(t *testing.T) {
	p := pkiFor(t, devpki.ECDSAP256)
	h := newHarness(t, devpki.ECDSAP256)
	for name, fs := range map[string][]ecp.Format{"empty": {}, "unknown": {"pdf"}} {
		_, err := ecp.New(ecp.Config{Verifier: mustVerifier(t, p), Store: h.store, Mapper: h.mapper,
			Formats: map[string][]ecp.Format{"login": fs}})
		assert.ErrorIs(t, err, auth.ErrConfig, name)
	}
}
