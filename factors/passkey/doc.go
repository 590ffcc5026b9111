// Package passkey is the WebAuthn / passkey factor of strongauth: a strong,
// phishing-resistant factor — Face ID, Touch ID, Windows Hello, Android
// biometrics, or a security key — that counts only when the authenticator
// verified the user.
//
// It is a narrow adapter over github.com/go-webauthn/webauthn (v0.18.2):
// none of that library's types appear in this package's API, and the state
// it keeps between the steps of a ceremony is this package's own, versioned
// format.
//
// # Login
//
// Factor implements auth.Factor with the kind auth.KindWebAuthn. The engine
// calls Begin, whose Challenge.Data is the JSON for
// navigator.credentials.get ({"publicKey": …}); the browser's answer
// (PublicKeyCredential.toJSON()) goes to the engine's Finish as the step's
// input:
//
//	ch, _ := eng.Begin(ctx, auth.StepRequest{FlowID: id, Binding: cookie, Kind: auth.KindWebAuthn})
//	// browser: cred = await navigator.credentials.get({publicKey:
//	//     PublicKeyCredential.parseRequestOptionsFromJSON(data.publicKey)})
//	out, err := eng.Finish(ctx, auth.StepRequest{FlowID: id, Binding: cookie, Kind: auth.KindWebAuthn,
//	    Input: credJSON})
//
// When the flow's subject is known, the options list that subject's
// credentials (allowCredentials); otherwise the login is discoverable — the
// user picks a passkey and its user handle names the account. userVerification
// is always "required", and an assertion without the UV flag is refused
// (ErrUserNotVerified), never accepted as a weaker factor.
//
// The Proof names the credential's subject. Its AMR is "hwk" for a
// device-bound credential or "swk" for a backup-eligible (synced) passkey,
// plus "user" — never "face" or "fpt": WebAuthn does not say which modality
// verified the user. Attributes: credential (CredentialRef, a truncated
// hash of the credential ID), aaguid, uv, backup_eligible, backup_state.
//
// # Enrolment
//
// Registering an authenticator is itself a sensitive action. It is not an
// engine step: BeginRegistration takes the Result (or Evidence) of a flow the
// user just completed and refuses (ErrEnrolmentGate, auth code
// "factor_not_allowed") unless it holds strong evidence for the same subject
// at most five minutes old (Config.EnrolmentWindow may only shorten that).
// Evidence from SMS alone never opens it: a scammer who talked a code out of
// a victim cannot add their own device. Strength is recomputed from the
// evidence's AMR, so a hand-made "strong" SMS does not pass.
//
//	reg, err := pk.BeginRegistration(ctx, passkey.RegistrationRequest{
//	    Result: out.Result, Binding: cookie, User: passkey.UserInfo{Name: "a***@example.kz"}})
//	// browser: navigator.credentials.create({publicKey:
//	//     PublicKeyCredential.parseCreationOptionsFromJSON(reg.Options.publicKey)})
//	cred, err := pk.FinishRegistration(ctx, reg.ID, cookie, credJSON)
//
// The registration asks for the device's own (platform) authenticator by
// default (Config.Attachment), a resident key ("preferred", or required),
// user verification, and attestation "none" unless Config.Attestation asks
// for "direct". The subject's credentials are excluded, so one authenticator
// is not enrolled twice.
//
// # Attestation and metadata
//
// With attestation "none" the authenticator model (AAGUID) is what the
// authenticator claims; Config.AllowedAAGUIDs then restricts claims, and
// refuses the anonymous all-zero AAGUID. For verified models, load the FIDO
// Metadata Service BLOB with LoadMetadata and set Config.Metadata (with
// AttestationDirect): enrolment then needs an attestation that chains to the
// model's trust anchors and a model not revoked or compromised, and logins
// with a model revoked since are refused (ErrModelRevoked).
//
// # Storage
//
// Ceremony state — the challenge, the allowed credentials, the user — is
// kept in the store.Store of Config.Store under Config.KeyPrefix, keyed by
// the flow (login) or a random ceremony ID (registration). It is
// single-use: Finish consumes it whatever the outcome, so an assertion is
// accepted at most once even under concurrent requests. It expires by this
// package's clock (the engine's request time, or Config.Now), not by
// go-webauthn's time.Now. It is a versioned JSON blob: a blob of another
// version is refused cleanly (ErrStateVersion, auth code "expired"), so an
// upgrade never misreads a pending ceremony.
//
// Registered credentials live in the host's CredentialStore (list by
// subject, find by credential ID, add, update the use, remove).
// MemoryCredentials is an in-process one; passkeytest.RunCredentialStore is
// the conformance kit a host's implementation must pass. A signature counter
// that does not increase — a possible cloned authenticator — denies the login
// (ErrCounterRegression) and raises the audit event EventCounterRegression;
// the store's Update refuses it atomically, so two racing logins with one
// counter cannot both pass.
//
// # Security model
//
//   - Every byte from the browser is hostile: responses are bounded
//     (MaxResponseSize), parsed strictly, and each refusal has its own typed
//     error: ErrMalformed, ErrCeremonyType, ErrChallenge (constant-time),
//     ErrOrigin (exact origins from Config.Origins, no cross-origin
//     frames), ErrRPID, ErrUserNotPresent, ErrUserNotVerified,
//     ErrSignature, ErrUnknownCredential, ErrCounterRegression.
//   - Every error wraps an auth sentinel too (auth.ErrVerification,
//     auth.ErrReplay, auth.ErrExpired, …), so auth.Code gives a stable,
//     client-safe code. No error or audit event carries a challenge, key,
//     signature, binding or credential ID; credentials appear by
//     CredentialRef. Error.Detail, for operators only, never includes
//     go-webauthn's debug information (which can quote the challenge).
//   - Every failure, including an unavailable store, denies.
//   - A registration is bound to the browser that began it (the binding
//     secret's hash) and expires by our clock.
//   - Randomness (challenges, ceremony IDs, user handles) comes from
//     Config.Rand, crypto/rand by default.
package passkey
