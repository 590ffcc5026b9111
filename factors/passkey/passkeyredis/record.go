package passkeyredis

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/store/redis"
)

// ErrInvalidUse reports a passkey.Use that cannot be stored: a time with a
// year outside 0–9999, or a backup state without backup eligibility.
// Nothing is written.
var ErrInvalidUse = errors.New("passkeyredis: use time out of range")

// A record is a Redis hash:
//
//	f  format, "1"
//	s  subject
//	d  the fixed part, JSON (static)
//	c  signature counter, decimal
//	b  backup state, "0" or "1"
//	u  last use, RFC 3339 with nanoseconds, or empty for never
//	e  backup eligibility now, "0" or "1" (optional: a record written
//	   before it was added has none, and d's backup_eligible holds)
//
// Update changes c, b, u and e only. The optional e (and d's optional
// model_verified) kept the format at "1": every record of an earlier
// release reads unchanged.
const formatVersion = "1"

// recordFields are the fields of a record in the order encodeRecord and
// parseRecord use.
var recordFields = []string{"f", "s", "d", "c", "b", "u", "e"}

// required is how many of recordFields every record has (e is optional).
const required = 6

// static is the fixed part of a credential.
type static struct {
	ID                []byte    `json:"id"`
	UserHandle        []byte    `json:"user_handle"`
	PublicKey         []byte    `json:"public_key"`
	AttestationFormat string    `json:"attestation_format,omitempty"`
	AttestationType   string    `json:"attestation_type,omitempty"`
	AAGUID            string    `json:"aaguid"`
	ModelVerified     bool      `json:"model_verified,omitempty"`
	Transports        []string  `json:"transports,omitempty"`
	Attachment        string    `json:"attachment,omitempty"`
	BackupEligible    bool      `json:"backup_eligible"`
	CreatedAt         time.Time `json:"created_at"`
}

func encodeStatic(c *passkey.Credential) (string, error) {
	b, err := json.Marshal(static{
		ID: c.ID, UserHandle: c.UserHandle, PublicKey: c.PublicKey,
		AttestationFormat: c.AttestationFormat, AttestationType: c.AttestationType,
		AAGUID: passkey.AAGUIDString(c.AAGUID), ModelVerified: c.ModelVerified, Transports: c.Transports, Attachment: c.Attachment,
		BackupEligible: c.BackupEligible, CreatedAt: c.CreatedAt,
	})
	return string(b), err
}

// timeText encodes a time for the u field: empty for the zero time.
func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	b, err := t.MarshalText()
	if err != nil {
		return "" // unreachable: callers check validTime first
	}
	return string(b)
}

// validTime reports whether t can be stored (RFC 3339 needs a four-digit
// year).
func validTime(t time.Time) bool {
	_, err := t.MarshalText()
	return err == nil
}

// encodeRecord returns a record's fields in recordFields order.
func encodeRecord(c *passkey.Credential) ([]string, error) {
	if !validTime(c.LastUsedAt) {
		return nil, ErrInvalidUse
	}
	d, err := encodeStatic(c)
	if err != nil {
		return nil, err
	}
	return []string{formatVersion, c.Subject, d, strconv.FormatUint(uint64(c.SignCount), 10), flag(c.BackupState),
		timeText(c.LastUsedAt), flag(c.BackupEligible)}, nil
}

// parseRecord reads the reply of HMGET <record> f s d c b u e for the
// credential named idh. A missing record is (nil, nil). A stored record is
// trusted no more than any reply: anything but a valid record of this
// credential is redis.ErrUnexpectedReply, never a guess.
func parseRecord(vals []any, idh string) (*passkey.Credential, error) {
	if len(vals) != len(recordFields) {
		return nil, fmt.Errorf("%w: record has %d fields, want %d", redis.ErrUnexpectedReply, len(vals), len(recordFields))
	}
	var f [7]string
	missing, hasE := 0, vals[required] != nil
	for i, v := range vals {
		switch s := v.(type) {
		case nil:
			if i < required {
				missing++
			}
		case string:
			f[i] = s
		default:
			return nil, fmt.Errorf("%w: record field is not a string", redis.ErrUnexpectedReply)
		}
	}
	switch {
	case missing == required && !hasE:
		return nil, nil
	case missing != 0:
		return nil, fmt.Errorf("%w: incomplete record", redis.ErrUnexpectedReply)
	case hasE && f[6] != "0" && f[6] != "1":
		return nil, fmt.Errorf("%w: record backup eligibility is not valid", redis.ErrUnexpectedReply)
	case f[0] != formatVersion:
		return nil, fmt.Errorf("%w: record in an unknown format", redis.ErrUnexpectedReply)
	}
	var st static
	dec := json.NewDecoder(bytes.NewReader([]byte(f[2])))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("%w: record data is not valid", redis.ErrUnexpectedReply)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: record data has trailing bytes", redis.ErrUnexpectedReply)
	}
	aaguid, err := passkey.ParseAAGUID(st.AAGUID)
	if err != nil {
		return nil, fmt.Errorf("%w: record AAGUID is not valid", redis.ErrUnexpectedReply)
	}
	count, ok := parseCount(f[3])
	if !ok {
		return nil, fmt.Errorf("%w: record counter is not valid", redis.ErrUnexpectedReply)
	}
	if f[4] != "0" && f[4] != "1" {
		return nil, fmt.Errorf("%w: record backup state is not valid", redis.ErrUnexpectedReply)
	}
	var used time.Time
	if f[5] != "" {
		if err := used.UnmarshalText([]byte(f[5])); err != nil || used.IsZero() {
			return nil, fmt.Errorf("%w: record last use is not valid", redis.ErrUnexpectedReply)
		}
	}
	c := &passkey.Credential{
		ID: st.ID, Subject: f[1], UserHandle: st.UserHandle, PublicKey: st.PublicKey,
		AttestationFormat: st.AttestationFormat, AttestationType: st.AttestationType, AAGUID: aaguid,
		ModelVerified: st.ModelVerified, SignCount: count, Transports: st.Transports, Attachment: st.Attachment,
		BackupEligible: st.BackupEligible, BackupState: f[4] == "1", CreatedAt: st.CreatedAt, LastUsedAt: used,
	}
	if hasE {
		c.BackupEligible = f[6] == "1"
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%w: record is not a valid credential", redis.ErrUnexpectedReply)
	}
	if idHash(c.ID) != idh {
		return nil, fmt.Errorf("%w: record holds another credential", redis.ErrUnexpectedReply)
	}
	return c, nil
}

// parseCount reads a signature counter: a canonical decimal uint32.
func parseCount(s string) (uint32, bool) {
	if s == "" || len(s) > 10 || len(s) > 1 && s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, 10, 32)
	return uint32(n), err == nil
}
