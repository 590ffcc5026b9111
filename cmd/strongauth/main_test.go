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

	code, _, _ = runCmd("policy", "ecp &")
	assert.Equal(t, exitUsage, code)
	code, _, _ = runCmd("policy")
	assert.Equal(t, exitUsage, code)
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
	code, out, _ = runCmd("policy", "--help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "Examples:")
}
