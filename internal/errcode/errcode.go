// Package errcode holds the error kinds that every package of the module
// shares, so that a host matches them with one errors.Is whichever package
// returned them: auth.ErrConfig is Config, and the ErrConfig sentinel of
// each domain package (otp, qr, signature, revocation, the stores) is a
// Sentinel over it — errors.Is(err, auth.ErrConfig) holds for a
// configuration error of any package, and auth.Code(err) is "config" —
// while the domain packages still do not import auth.
package errcode

// Coded is an error with a stable, client-safe code (auth.Code reads it
// through its ErrorCode method).
type Coded struct{ code, msg string }

// New returns a coded sentinel.
func New(code, msg string) *Coded { return &Coded{code: code, msg: msg} }

func (e *Coded) Error() string { return e.msg }

// ErrorCode returns the stable code.
func (e *Coded) ErrorCode() string { return e.code }

// Config is the kind of every configuration error of the module; auth
// exports it as auth.ErrConfig.
var Config = New("config", "auth: invalid configuration")

// Sentinel returns a package's own sentinel with its own message that
// errors.Is-matches kind (and so reports kind's code).
func Sentinel(msg string, kind error) error { return &sentinel{msg: msg, kind: kind} }

type sentinel struct {
	msg  string
	kind error
}

func (e *sentinel) Error() string { return e.msg }
func (e *sentinel) Unwrap() error { return e.kind }
