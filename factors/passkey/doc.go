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
// hash of the credential ID), aaguid, uv, backup_eligible, backup_state,
// device_bound, model_verified, and certification (the model's current
// FIDO level, with Config.Metadata and a proven model).
//
// # Autofill (conditional mediation)
//
// A discoverable login serves passkey autofill: the page begins the
// factor in a flow without a subject and calls navigator.credentials.get
// with mediation "conditional" while a field marked
// autocomplete="username webauthn" is shown; the browser offers the
// site's passkeys in that field's suggestions, and the one picked names the
// account by its user handle. The embedded client (authhttp's client.js)
// does this in passkeyAutofill and in mountFlow's autofill option, and
// checks PublicKeyCredential.isConditionalMediationAvailable() first. A
// ceremony started by a button takes over: the client aborts the pending
// request, waits until the browser lets go of it, and begins again (a new
// Begin in the flow replaces the pending ceremony, so the old challenge is
// dead). The challenge expires by Config.Timeout; the client renews the
// pending request shortly before.
//
// # Synced and device-bound passkeys
//
// The authenticator reports two backup flags: BE (backup eligible — the
// credential may be synced to the user's other devices, as iCloud
// Keychain, Google Password Manager and password managers do) and BS
// (backed up now). Both are recorded per credential (Credential
// BackupEligible, BackupState; Use carries them to the CredentialStore)
// and reported in the evidence: a synced passkey is AMR "swk",
// device_bound "false"; a device-bound one "hwk", device_bound "true".
// Both are strong.
//
// BS may change at any login. BE may not: WebAuthn fixes it at
// registration, and a change means another authenticator, a bug, or a
// device-bound key that can now leave its device. The rule here, in place
// of go-webauthn's opaque "BE flag inconsistency" error: once the
// assertion's signature has verified, a changed BE raises the audit event
// EventBackupChanged and the login is refused with ErrBackupChanged (an
// ErrCredentialPolicy, client code "passkey_backup_changed"), unless
// Config.InsecureAcceptBackupChange, where it is accepted, the new BE is
// recorded through CredentialStore.Update and the evidence says
// backup_changed. A forged assertion raises no event.
//
// An action may require device-bound passkeys (a large transfer, a change
// of the bound phone): Config.Actions["transfer"] = ActionPolicy{
// DeviceBound: true}. With the subject known, Begin offers only the
// subject's device-bound passkeys (and refuses at once when there is none);
// a discoverable login is refused at Finish with ErrSyncedPasskey (client
// code "passkey_synced"), a credential that was or now is backup-eligible
// alike.
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
// Attestation "none" stays the default. The authenticator model (AAGUID)
// is then what the authenticator claims; Config.AllowedAAGUIDs restricts
// claims at enrolment, and refuses the anonymous all-zero AAGUID.
//
// For proven models (a bank that accepts certified security keys only),
// set Attestation: AttestationDirect and Config.Metadata: the FIDO
// Metadata Service BLOB, which the host downloads
// (https://mds3.fidoalliance.org/) and keeps in a file — OpenMetadata
// reads it, Refresh reads it again (call it daily), LoadMetadata and
// Update take bytes. The BLOB must be signed under MetadataConfig.Root (the
// FIDO root in production, a test root in tests), checked before
// go-webauthn's decoder reads it (which then fetches the CRL the signing
// certificates name, if any). A newer BLOB (higher serial "no") replaces the catalogue
// atomically; an older one is refused, so a rollback cannot revive a
// revoked model. Enrolment then needs an attestation that go-webauthn
// verifies against the model's trust anchors, and a model not revoked or
// compromised; logins of a model revoked since are refused
// (ErrModelRevoked). A credential whose attestation certificate chained to
// the model's roots is ModelVerified; self attestation and "none" never
// are.
//
// Per action, ActionPolicy narrows the models: AAGUIDs (an allow-list),
// VerifiedModel, and Certification (FIDO_CERTIFIED_L1 … L3plus, by the
// catalogue's current status reports). A refusal is ErrModelNotAllowed
// (client code "authenticator_not_allowed"). A catalogue past its
// nextUpdate by more than MetadataGrace is stale: enrolments and
// certification checks fail closed (ErrUnavailable) until a fresh BLOB is
// loaded; revocation checks of logins go on with the last catalogue.
//
// # Origins
//
// One RP ID, a list of exact origins (Config.Origins): each origin is
// compared byte for byte; a subdomain or another port of a listed origin
// is not accepted because its parent is. Origins of other registrable
// domains that share the RP ID's passkeys go in Config.RelatedOrigins
// (WebAuthn related origin requests; serve RelatedOriginsHandler at
// https://RPID/.well-known/webauthn). A ceremony in a cross-origin iframe
// is refused unless the browser reports a top origin listed in
// Config.TopOrigins. Each refusal is ErrOrigin, client code "origin".
//
// # Credential records and migration
//
// ExportCredential and ImportCredential write and read a credential as a
// versioned JSON record, for backups and moves between stores. A service
// built on go-webauthn keeps its users: FromGoWebAuthn maps the stored
// JSON of a webauthn.Credential (the mapping is in its documentation) with
// the user's WebAuthnID as UserHandle, and Import adds the records to a
// CredentialStore, idempotently, keeping one user handle per account.
// Imported credentials are never ModelVerified; the signature counter
// carries over.
//
// # Storage
//
// Ceremony state — the challenge, the allowed credentials, the user — is
// kept in the store.Store of Config.Store under Config.KeyPrefix, keyed by
// the flow (login: "login:{<flow ID>}", the flow's hash tag, so that a
// Redis Cluster keeps it in its flow's slot) or a random ceremony ID
// (registration). It is
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
//     ErrOrigin (exact origins, frames only under Config.TopOrigins),
//     ErrRPID, ErrUserNotPresent, ErrUserNotVerified, ErrSignature,
//     ErrUnknownCredential, ErrCounterRegression, and the policy refusals
//     of a genuine credential (ErrCredentialPolicy: ErrBackupChanged,
//     ErrSyncedPasskey, ErrModelNotAllowed, ErrAAGUID).
//   - Refusals a user can act on carry their own client codes (Codes:
//     origin, passkey_backup_changed, passkey_synced,
//     authenticator_not_allowed, credential_not_allowed), each with a
//     Kazakh, Russian and English message in auth.ClientMessage.
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
