package passkey

import (
	"fmt"
	"strconv"
	"time"
)

// ActionPolicy narrows which enrolled passkeys count for one action
// (Config.Actions). The zero value accepts any enrolled passkey. When the
// flow's subject is known, Begin offers only the subject's passkeys that
// meet it (and refuses when none does); a discoverable login is checked at
// Finish. A refusal is an ErrCredentialPolicy (ErrSyncedPasskey or
// ErrModelNotAllowed) and adds no evidence to the flow.
type ActionPolicy struct {
	// DeviceBound accepts only device-bound credentials: a synced
	// passkey — backup-eligible (BE) at registration or now, as iCloud
	// Keychain, Google Password Manager and password managers make them —
	// is refused with ErrSyncedPasskey. For actions such as large transfers,
	// where a passkey copied to an account in the cloud is not enough.
	DeviceBound bool
	// AAGUIDs, if not empty, accepts only these authenticator models
	// (UUID form). Unless VerifiedModel (or Certification) is also set, the
	// stored AAGUID may be only what the authenticator claimed.
	AAGUIDs []string
	// VerifiedModel accepts only credentials whose model was proven at
	// enrolment by an attestation certificate that chains to the model's
	// trust anchors in Config.Metadata (Credential.ModelVerified).
	VerifiedModel bool
	// Certification, if set, accepts only verified models whose current
	// certification in Config.Metadata is at least this level. It needs
	// Config.Metadata.
	Certification Certification
}

// Certification is a FIDO authenticator certification level, as the
// Metadata Service reports it (status FIDO_CERTIFIED_L1 …). Levels are
// ordered: a higher level satisfies a lower requirement.
type Certification uint8

const (
	// CertificationNone (the zero value) asks for no certification.
	CertificationNone Certification = iota
	// CertifiedFunctional is the phased-out functional certification
	// (FIDO_CERTIFIED), below level 1.
	CertifiedFunctional
	CertifiedL1     // FIDO_CERTIFIED_L1
	CertifiedL1Plus // FIDO_CERTIFIED_L1plus
	CertifiedL2     // FIDO_CERTIFIED_L2
	CertifiedL2Plus // FIDO_CERTIFIED_L2plus
	CertifiedL3     // FIDO_CERTIFIED_L3
	CertifiedL3Plus // FIDO_CERTIFIED_L3plus
)

var certificationNames = [...]string{"", "FIDO_CERTIFIED", "FIDO_CERTIFIED_L1", "FIDO_CERTIFIED_L1plus",
	"FIDO_CERTIFIED_L2", "FIDO_CERTIFIED_L2plus", "FIDO_CERTIFIED_L3", "FIDO_CERTIFIED_L3plus"}

// String returns the Metadata Service status name ("FIDO_CERTIFIED_L2"),
// or "" for CertificationNone.
func (c Certification) String() string {
	if int(c) < len(certificationNames) {
		return certificationNames[c]
	}
	return "Certification(" + strconv.Itoa(int(c)) + ")"
}

// certificationOf maps a Metadata Service status to a level (none for a
// status that is not a FIDO certification).
func certificationOf(status string) Certification {
	for i, n := range certificationNames {
		if i > 0 && n == status {
			return Certification(i)
		}
	}
	return CertificationNone
}

// actionPolicy is a validated ActionPolicy.
type actionPolicy struct {
	deviceBound   bool
	aaguids       map[[16]byte]bool
	verifiedModel bool
	certification Certification
}

func (f *Factor) setActions(actions map[string]ActionPolicy) error {
	if len(actions) == 0 {
		return nil
	}
	f.actions = make(map[string]*actionPolicy, len(actions))
	for name, p := range actions {
		if name == "" {
			return fmt.Errorf("%w: Actions: an empty action name", ErrConfig)
		}
		ap := &actionPolicy{deviceBound: p.DeviceBound, verifiedModel: p.VerifiedModel || p.Certification != CertificationNone,
			certification: p.Certification}
		if p.Certification > CertifiedL3Plus {
			return fmt.Errorf("%w: Actions[%q]: unknown Certification %d", ErrConfig, name, p.Certification)
		}
		if ap.verifiedModel && f.metadata == nil {
			return fmt.Errorf("%w: Actions[%q]: VerifiedModel and Certification need Config.Metadata", ErrConfig, name)
		}
		if len(p.AAGUIDs) > 0 {
			ap.aaguids = make(map[[16]byte]bool, len(p.AAGUIDs))
			for _, s := range p.AAGUIDs {
				a, err := ParseAAGUID(s)
				if err != nil {
					return fmt.Errorf("%w (Actions[%q])", err, name)
				}
				if a == ([16]byte{}) {
					return fmt.Errorf("%w: Actions[%q]: the all-zero AAGUID cannot be allowed", ErrConfig, name)
				}
				ap.aaguids[a] = true
			}
		}
		f.actions[name] = ap
	}
	return nil
}

// checkPolicy decides whether cred may serve action; backupEligible is
// the BE flag reported now (or the stored one before a login). It returns
// the certification it found and nil, or an operator detail and
// ErrSyncedPasskey, ErrModelNotAllowed or ErrUnavailable (stale metadata).
func (f *Factor) checkPolicy(action string, cred *Credential, backupEligible bool, now time.Time) (Certification, string, error) {
	cert := CertificationNone
	if f.metadata != nil && cred.ModelVerified {
		cert, _ = f.metadata.certification(cred.AAGUID, now)
	}
	p := f.actions[action]
	if p == nil {
		return cert, "", nil
	}
	if p.deviceBound && (cred.BackupEligible || backupEligible) {
		return cert, "synced passkey for a device-bound action", ErrSyncedPasskey
	}
	if p.aaguids != nil && !p.aaguids[cred.AAGUID] {
		return cert, "model " + AAGUIDString(cred.AAGUID) + " not listed for the action", ErrModelNotAllowed
	}
	if p.verifiedModel && !cred.ModelVerified {
		return cert, "model not proven by attestation at enrolment", ErrModelNotAllowed
	}
	if p.certification != CertificationNone {
		got, fresh := f.metadata.certification(cred.AAGUID, now)
		if !fresh {
			return cert, "metadata is stale: certification cannot be checked", ErrUnavailable
		}
		if got < p.certification {
			return cert, "model certified " + orNone(got.String()) + ", the action needs " + p.certification.String(), ErrModelNotAllowed
		}
	}
	return cert, "", nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
