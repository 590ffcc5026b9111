// Package lifecycle runs the life cycle of an account's long-lived
// credentials — passkeys, linked phones (QR devices) and the bound phone
// number — around the moments where the fraud schemes happen: a victim
// talked into adding a scammer's device, a SIM swap, a "recovery" that
// falls back to an SMS code. None of it ever goes through SMS.
//
//	m, err := lifecycle.New(lifecycle.Config{Store: st, Notifier: smsNotifier,
//		Passkeys: passkeypgStore, Devices: qrpgStore, Phones: phonepgStore, HasECP: hasCert})
//	pk, err := passkey.New(passkey.Config{…, Credentials: m.WrapPasskeys(passkeypgStore)})
//	sms, err := sms.New(sms.Config{…, Phones: m})           // quarantine-aware PhoneBook
//	eng, err := auth.New(auth.Config{…, Policies: []auth.Policy{{…, Gate: m.Gate}, recovery}})
//
// # Manage
//
// List shows an account's passkeys and linked phones (name, created, last
// used, AAGUID and model, backup state); Rename names one (stores with a
// Rename method: passkeypg, qrpg); Remove removes one. Removing needs a
// step-up: the Request's auth.Result must hold strong evidence of the
// account from the last five minutes (StepUpAge) — SMS evidence is weak
// and never counts. Adding is gated by the factors themselves (passkey
// enrolment and QR linking need the same fresh strong factor). Removing the
// last strong way to sign in is refused (ErrLastCredential) unless another
// remains: passkeys, linked phones and the ECP key (HasECP) count. Changes
// of one account are serialised by a lock in the Store, so racing removals
// cannot both take the last two credentials, and of racing removals of one
// credential exactly one succeeds.
//
// # Notify
//
// The Notifier hears of every credential added or removed and every
// bound-phone change, with who, what, when and where (device, IP, place).
// WrapPasskeys and WrapDevices wrap the stores given to the factors, so
// that no addition escapes: the notice goes out before Add returns, and if
// it cannot, the credential is removed again and the enrolment fails. A
// notice of an addition or a phone change carries a one-time ReportToken
// ("this was not me"); Report with it removes the added credential (or
// restores the previous number), ends the account's flows and sessions
// (EndFlows: Gate refuses their further steps, Ended tells the host), and
// raises auth.EventFraudReported. NewSMSNotifier is the default Notifier:
// an informational SMS in Kazakh, Russian or English, with no code in it,
// to the holder's trusted number, whose link carries the token after '#'.
//
// # Bound phone changes
//
// ChangePhone needs the same step-up. The new number serves SMS second
// steps only after a quarantine (24 hours by default — the SIM-swap
// defence): until then BoundPhone (the auth.PhoneBook for the sms factor)
// answers "" and Gate refuses sms with ErrQuarantine, so that the engine
// offers the policy's strong alternatives. The number bound until then
// receives the notice. A PhoneRisk hook plugs in an operator's SIM-swap or
// number-port signal: a denial (*PhoneRiskError) refuses the number, a
// delay extends its quarantine, and at SMS time Gate refuses sms while the
// signal stands. The history of bound numbers is kept (PhoneStore.History;
// lifecycle/phonepg in PostgreSQL).
//
// # Recovery
//
// "Lost my phone / lost my passkey" is an action of its own whose policy
// (RecoveryPolicy) is strong-only — a rule that names sms is refused, even
// as a second step — so recovery never falls back to an SMS code or an
// e-mail link. Recover removes the lost credentials under the
// last-credential rule and ends the account's flows and sessions.
//
// # Failure
//
// Every store or notifier failure denies (auth.ErrUnavailable); errors have
// stable codes (auth.Code); audit events carry credential references, never
// IDs, tokens or full numbers.
package lifecycle
