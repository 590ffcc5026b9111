package signature

import (
	"crypto/subtle"
	"fmt"
	"strings"
)

// Check is a rule over a verified signer's identity: nil allows, an error
// wrapping ErrNotAllowed refuses. Checks express policies such as "action
// sign-contract needs a first head or a right-to-sign employee of BIN X".
type Check func(*Identity) error

// RequirePerson allows natural persons only: an IIN, and not an
// information-system certificate.
func RequirePerson() Check {
	return func(id *Identity) error {
		if id == nil || !id.IsPerson() {
			return fmt.Errorf("%w: a person's certificate (with an IIN, not an information system) is required", ErrNotAllowed)
		}
		return nil
	}
}

// RequireRole allows a signer acting for the legal entity bin (compared in
// constant time; empty means any organisation) who has at least one of
// roles. For example RequireRole(bin, RoleFirstHead, RoleRightToSign).
func RequireRole(bin string, roles ...Role) Check {
	return func(id *Identity) error {
		if id == nil {
			return fmt.Errorf("%w: no identity", ErrNotAllowed)
		}
		if bin != "" && (id.BIN == "" || subtle.ConstantTimeCompare([]byte(id.BIN), []byte(bin)) != 1) {
			return fmt.Errorf("%w: the certificate is not of the required organisation", ErrNotAllowed)
		}
		for _, r := range roles {
			if id.HasRole(r) {
				return nil
			}
		}
		names := make([]string, len(roles))
		for i, r := range roles {
			names[i] = string(r)
		}
		return fmt.Errorf("%w: one of the roles [%s] is required", ErrNotAllowed, strings.Join(names, " "))
	}
}

// RequireBIN allows a certificate of the legal entity bin (compared in
// constant time), whatever its role — its first head, an employee or one of
// its information systems. An empty bin allows nothing.
func RequireBIN(bin string) Check {
	return func(id *Identity) error {
		if id == nil || bin == "" || id.BIN == "" || subtle.ConstantTimeCompare([]byte(id.BIN), []byte(bin)) != 1 {
			return fmt.Errorf("%w: the certificate is not of the required organisation", ErrNotAllowed)
		}
		return nil
	}
}

// RequireIIN allows only the person with this IIN (compared in constant
// time) — for a step-up where the account's IIN is known.
func RequireIIN(iin string) Check {
	return func(id *Identity) error {
		if id == nil || iin == "" || subtle.ConstantTimeCompare([]byte(id.IIN), []byte(iin)) != 1 {
			return fmt.Errorf("%w: the certificate belongs to another person", ErrNotAllowed)
		}
		return nil
	}
}

// All allows when every check allows; it reports the first refusal.
func All(checks ...Check) Check {
	return func(id *Identity) error {
		for _, c := range checks {
			if c == nil {
				continue
			}
			if err := c(id); err != nil {
				return err
			}
		}
		return nil
	}
}
