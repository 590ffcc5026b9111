package auth

import "slices"

// Kind names a factor: "ecp", "webauthn", "qr", "sms", or a host's own.
// Kinds are lower-case identifiers ([a-z][a-z0-9_-]*).
type Kind string

// The factor kinds strongauth ships.
const (
	// KindECP is a digital signature with a national PKI key (ЭЦП).
	KindECP Kind = "ecp"
	// KindWebAuthn is a WebAuthn / passkey assertion with user verification.
	KindWebAuthn Kind = "webauthn"
	// KindQR is a cross-device approval from a trusted mobile app.
	KindQR Kind = "qr"
	// KindSMS is a one-time code sent by SMS. It is weak by construction.
	KindSMS Kind = "sms"
)

// Strength is how much a piece of evidence proves. The zero value, None,
// proves nothing.
type Strength uint8

// Strengths, weakest first.
const (
	None Strength = iota
	Weak
	Strong
)

func (s Strength) String() string {
	switch s {
	case Weak:
		return "weak"
	case Strong:
		return "strong"
	default:
		return "none"
	}
}

// Authentication Method Reference values (RFC 8176) that strongauth's factors
// report. There is deliberately no "face": WebAuthn does not say which
// modality verified the user.
const (
	AMRSmartCard = "sc"   // a key in a smart card or a signature key container (ECP)
	AMRHardware  = "hwk"  // proof of possession of a hardware-protected key
	AMRSoftware  = "swk"  // proof of possession of a software-protected key
	AMRUser      = "user" // user presence and verification (biometric or PIN, modality unknown)
	AMRPIN       = "pin"  // a PIN or passphrase unlocked the key
	AMRMCA       = "mca"  // multiple-channel authentication (cross-device QR)
	AMRSMS       = "sms"  // confirmation by SMS
	AMROTP       = "otp"  // a one-time code
	AMRTel       = "tel"  // confirmation by telephone call
	AMRPwd       = "pwd"  // a password
	AMRMFA       = "mfa"  // several factors (added by the engine to a Result)
)

// StrengthOf is the one place that decides how strong a verified proof is.
// The engine applies it to every proof a factor returns; no configuration
// can change it.
//
// A proof is Strong only if it shows possession of a cryptographic key (AMR
// sc, hwk or swk) and, for hwk and swk, verification of the user (user or
// pin) — and it is not an SMS: the sms kind, and any proof carrying the sms,
// tel or pwd methods, is Weak however else it is labelled. Everything else
// that verified is Weak.
func StrengthOf(kind Kind, amr []string) Strength {
	if kind == KindSMS || slices.Contains(amr, AMRSMS) || slices.Contains(amr, AMRTel) || slices.Contains(amr, AMRPwd) {
		return Weak
	}
	if slices.Contains(amr, AMRSmartCard) {
		return Strong
	}
	key := slices.Contains(amr, AMRHardware) || slices.Contains(amr, AMRSoftware)
	user := slices.Contains(amr, AMRUser) || slices.Contains(amr, AMRPIN)
	if key && user {
		return Strong
	}
	return Weak
}

// canBeStrong reports whether a factor of this kind can ever produce strong
// evidence; the static policy check uses it. The shipped strong kinds are
// known; sms never is; a host's own kind only if its Factor implements
// StrongCapable and says so.
func canBeStrong(k Kind, f Factor) bool {
	switch k {
	case KindSMS:
		return false
	case KindECP, KindWebAuthn, KindQR:
		return true
	}
	if sc, ok := f.(StrongCapable); ok {
		return sc.CanBeStrong()
	}
	return false
}

func validKind(s string) bool {
	if s == "" || len(s) > 32 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
