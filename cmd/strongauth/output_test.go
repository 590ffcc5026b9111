package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/revocation"
)

// Errors map to their code and exit status: the library's refusals exit
// 1 with its code; usage, I/O and configuration errors exit 2.
func TestErrorMapping(t *testing.T) {
	for _, c := range []struct {
		err  error
		code string
		exit int
	}{
		{usagef("bad"), codeUsage, exitUsage},
		{&ioError{errors.New("disk")}, codeIO, exitUsage},
		{fmt.Errorf("x: %w", signature.ErrConfig), "config", exitUsage},
		{fmt.Errorf("x: %w", revocation.ErrConfig), "config", exitUsage},
		{fmt.Errorf("x: %w", signature.ErrBadSignature), "bad_signature", exitInvalid},
		{&signature.CertificateError{Index: 1, Serial: "AB", Subject: "CA", Err: signature.ErrRevoked}, "revoked", exitInvalid},
		{fmt.Errorf("%w", signature.ErrPassword), "bad_password", exitInvalid},
	} {
		e := errorFor(c.err)
		assert.Equal(t, c.code, e.Code, c.err.Error())
		assert.Equal(t, c.exit, exitFor(c.err), c.err.Error())
		assert.Equal(t, c.err.Error(), e.Message)
	}
	e := errorFor(&signature.CertificateError{Index: 1, Serial: "AB", Subject: "CA", Err: signature.ErrRevoked})
	assert.Equal(t, &certRefJSON{Index: 1, Serial: "AB", Subject: "CA"}, e.Certificate)
	assert.Nil(t, e.Revocation, "no answer without a StatusError")

	st := signature.RevocationStatus{Source: "crl", Status: "revoked", Reason: 6}
	e = errorFor(&signature.CertificateError{Index: 0, Serial: "CD", Err: &revocation.StatusError{Status: st}})
	if assert.NotNil(t, e.Revocation) {
		assert.Equal(t, "CD", e.Revocation.Serial)
		assert.Equal(t, "certificateHold", e.Revocation.ReasonName)
	}
	assert.Empty(t, newRevocationJSON("EF", signature.RevocationStatus{Status: "good", Reason: -1}).ReasonName)
}
