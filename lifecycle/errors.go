package lifecycle

import "github.com/strongauth/strongauth/auth"

// codedError is a sentinel with a stable, client-safe code (auth.Code).
type codedError struct{ code, msg string }

func (e *codedError) Error() string     { return e.msg }
func (e *codedError) ErrorCode() string { return e.code }

func coded(code, msg string) error { return &codedError{code: code, msg: msg} }

// Errors. Each has a stable code that auth.Code returns; match with
// errors.Is. Store failures wrap auth.ErrUnavailable.
var (
	// ErrConfig reports an invalid Config; it matches auth.ErrConfig too.
	ErrConfig = auth.Classify(auth.ErrConfig, coded("config", "lifecycle: invalid configuration"))
	// ErrStepUp refuses a change without strong evidence of the subject
	// from the last StepUpAge (5 minutes by default). SMS never counts.
	ErrStepUp = coded("step_up_required", "lifecycle: a strong factor from the last minutes is required")
	// ErrNotFound reports a credential that is not the subject's (missing
	// or another account's: the two are not told apart).
	ErrNotFound = coded("credential_not_found", "lifecycle: no such credential")
	// ErrLastCredential refuses to remove the subject's last strong way
	// to sign in (passkeys, linked phones and ECP count).
	ErrLastCredential = coded("last_strong_credential", "lifecycle: the last strong way to sign in cannot be removed")
	// ErrBusy reports another change of the same account under way.
	ErrBusy = coded("busy", "lifecycle: another change of this account is under way")
	// ErrInvalid reports a malformed request (bad name, kind, ID, phone).
	ErrInvalid = auth.Classify(auth.ErrInvalidInput, coded("invalid_input", "lifecycle: invalid request"))
	// ErrUnsupported reports an operation the configured store cannot do
	// (renaming in a store without names).
	ErrUnsupported = coded("not_supported", "lifecycle: not supported by this store")
	// ErrReportToken reports a "this was not me" token that is unknown,
	// used or expired.
	ErrReportToken = coded("report_token_invalid", "lifecycle: unknown, used or expired report link")
	// ErrNoPhone reports an account with no bound phone.
	ErrNoPhone = coded("no_phone", "lifecycle: no phone bound to the account")
	// ErrSamePhone refuses a change to the number already bound.
	ErrSamePhone = coded("same_phone", "lifecycle: this number is already bound")
	// ErrQuarantine refuses SMS to a number bound less than the
	// quarantine ago (the SIM-swap defence).
	ErrQuarantine = coded("phone_quarantine", "lifecycle: the new phone number is not yet trusted for SMS")
	// ErrPhoneRisk refuses a number the PhoneRisk hook flagged; the error
	// is a *PhoneRiskError.
	ErrPhoneRisk = coded("phone_risk", "lifecycle: the phone operator reports a recent SIM change or number port")
	// ErrEnded refuses a flow or session of an account whose flows were
	// ended after it began (a fraud report, a recovery).
	ErrEnded = coded("flows_ended", "lifecycle: this account's sessions were ended")
	// ErrNotRecovery refuses a recovery whose evidence is not of a
	// strong-only recovery flow.
	ErrNotRecovery = coded("recovery_required", "lifecycle: recovery needs a strong factor of the recovery action")
)
