package ecptest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/ecp"
	"github.com/strongauth/strongauth/factors/ecp/ecptest"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/store/memory"
)

var kitPeople = []ecptest.Person{
	{Surname: "Серікова", Name: "Айгерім", IIN: "900101400123"},
	{Surname: "Нұрланов", Name: "Асқар", IIN: "850505300456", Revoked: true},
	{Surname: "Ахметов", Name: "Ерлан", IIN: "800303300789", Kind: devpki.FirstHead, BIN: "050607500041", Organisation: "ТОО «Тест»"},
}

// kitEngine is a host's engine over the kit's PKI, as a host test builds it.
func kitEngine(t *testing.T) (*auth.Engine, *ecptest.PKI) {
	t.Helper()
	pki, err := ecptest.NewPKI(ecptest.PKIOptions{People: kitPeople})
	require.NoError(t, err)
	v, rc, err := pki.Verifier(signature.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { rc.Close() })
	st := memory.New(memory.Config{})
	t.Cleanup(func() { st.Close() })
	f, err := ecp.New(ecp.Config{Verifier: v, Store: st, Origin: "http://localhost:8080",
		Mapper: ecp.MapperFunc(func(_ context.Context, r *ecp.MapRequest) (string, error) { return "iin:" + r.Identity.IIN, nil })})
	require.NoError(t, err)
	eng, err := auth.New(auth.Config{Store: st, Factors: []auth.Factor{f},
		Policies: []auth.Policy{{Action: "login", Rule: auth.AnyStrong()}}})
	require.NoError(t, err)
	return eng, pki
}

// TestAnswerDrivesARealFactor: with the kit's PKI and Answer, a host test
// signs in through its real ecp factor without a browser, in CMS and XML;
// the revoked person is refused through the kit's CRL, and the kit's
// people carry their roles.
func TestAnswerDrivesARealFactor(t *testing.T) {
	eng, pki := kitEngine(t)
	ctx := context.Background()
	login := func(iin string, format ecp.Format) (*auth.Outcome, error) {
		b, _ := eng.NewBinding()
		fl, err := eng.Start(ctx, auth.StartRequest{Action: "login", Binding: b, Client: auth.ClientInfo{Origin: "http://localhost:8080"}})
		require.NoError(t, err)
		ch, err := eng.Begin(ctx, auth.StepRequest{FlowID: fl.ID, Binding: b, Kind: auth.KindECP})
		require.NoError(t, err)
		key := ecptest.DevKey(pki.Leaf(iin))
		in, err := ecptest.Answer(ctx, key, ch.Data, format)
		require.NoError(t, err)
		return eng.Finish(ctx, auth.StepRequest{FlowID: fl.ID, Binding: b, Kind: auth.KindECP, Input: in,
			Client: auth.ClientInfo{Origin: "http://localhost:8080"}})
	}
	for _, format := range []ecp.Format{ecp.FormatCMS, ecp.FormatXML} {
		out, err := login("900101400123", format)
		require.NoError(t, err, format)
		require.NotNil(t, out.Result, format)
		assert.Equal(t, "iin:900101400123", out.Result.Subject)

		_, err = login("850505300456", format)
		assert.ErrorIs(t, err, signature.ErrRevoked, format)
	}
	out, err := login("800303300789", ecp.FormatCMS)
	require.NoError(t, err)
	assert.Equal(t, "050607500041", out.Result.Evidence[0].Attributes["bin"])
	assert.Contains(t, out.Result.Evidence[0].Attributes["roles"], "first_head")

	_, err = ecptest.Answer(ctx, ecptest.DevKey(pki.Leaves[0]), map[string]any{"formats": []string{"cms"}}, ecp.FormatXML)
	assert.Error(t, err, "no XML request in the challenge")
	assert.Nil(t, pki.Leaf("000000000000"))
}

// TestServe: the simulator answers on a loopback WebSocket, only to the
// configured origin, and the kit refuses to start without people.
func TestServe(t *testing.T) {
	pki, err := ecptest.NewPKI(ecptest.PKIOptions{People: kitPeople[:1]})
	require.NoError(t, err)
	url := ecptest.Serve(t, ecptest.Config{Keys: pki.Keys(), Origins: []string{"http://localhost:8080"}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"http://localhost:8080"}}})
	require.NoError(t, err)
	defer c.CloseNow()
	_, hello, err := c.Read(ctx)
	require.NoError(t, err)
	assert.Contains(t, string(hello), "version")
	req := signature.NewNCALayerRequest([]byte("challenge"), signature.NCALayerOptions{})
	msg, _ := json.Marshal(req)
	require.NoError(t, c.Write(ctx, websocket.MessageText, msg))
	_, answer, err := c.Read(ctx)
	require.NoError(t, err)
	var r ecptest.Response
	require.NoError(t, json.Unmarshal(answer, &r))
	assert.True(t, r.Status)
	require.Len(t, r.Body.Result, 1)

	_, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://evil.example"}}})
	require.Error(t, err, "another origin")
	if resp != nil {
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	}

	_, err = ecptest.NewPKI(ecptest.PKIOptions{})
	assert.ErrorIs(t, err, ecptest.ErrConfig)
}
