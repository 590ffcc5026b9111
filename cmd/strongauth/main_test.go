package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runCmd(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestPolicy(t *testing.T) {
	code, out, _ := runCmd("policy", "(ecp & sms) | webauthn | qr")
	require.Equal(t, exitOK, code)
	var p policyOutput
	require.NoError(t, json.Unmarshal([]byte(out), &p))
	assert.True(t, p.Valid)
	assert.Equal(t, "(ecp & sms) | webauthn | qr", p.Rule)
	assert.Equal(t, [][]string{{"ecp", "sms"}, {"webauthn"}, {"qr"}}, p.Combinations)

	code, out, _ = runCmd("policy", "sms | ecp")
	assert.Equal(t, exitInvalid, code)
	require.NoError(t, json.Unmarshal([]byte(out), &p))
	assert.False(t, p.Valid)
	assert.Equal(t, "weak_policy", p.Error.Code)
	assert.Contains(t, p.Error.Message, `"sms"`)
	assert.Equal(t, [][]string{{"sms"}}, p.Weak)

	p = policyOutput{}
	code, out, _ = runCmd("policy", "(sms & email) | (ecp & sms) | webauthn")
	assert.Equal(t, exitInvalid, code)
	require.NoError(t, json.Unmarshal([]byte(out), &p))
	assert.Equal(t, [][]string{{"sms", "email"}}, p.Weak)

	for _, args := range [][]string{{"policy", "ecp &"}, {"policy"}, {"policy", "a", "b"}, {"policy", "--nope", "ecp"}} {
		p = policyOutput{}
		code, out, _ = runCmd(args...)
		assert.Equal(t, exitUsage, code, args)
		require.NoError(t, json.Unmarshal([]byte(out), &p), "JSON even on a usage error: %q", out)
		require.NotNil(t, p.Error)
		assert.False(t, p.Valid)
	}
}

func TestUsageAndVersion(t *testing.T) {
	code, out, _ := runCmd("--help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "policy")
	code, out, _ = runCmd("--version")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "strongauth")
	code, _, _ = runCmd("nope")
	assert.Equal(t, exitUsage, code)
	code, _, _ = runCmd()
	assert.Equal(t, exitUsage, code)
	for _, cmd := range []string{"policy", "verify", "cert", "devpki"} {
		code, out, _ = runCmd(cmd, "--help")
		assert.Equal(t, exitOK, code, cmd)
		assert.Contains(t, out, "Examples:", cmd)
		assert.Contains(t, out, "Usage: strongauth "+cmd, cmd)
		code, out, _ = runCmd("--help")
		assert.Contains(t, out, cmd)
	}
}
