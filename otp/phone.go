package otp

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// maxPhoneInput bounds the text ParsePhone looks at; no real number, however
// formatted, is longer.
const maxPhoneInput = 64

// Phone is a mobile phone number normalised to E.164. The zero value is no
// number; ParsePhone and Service.Phone are the only ways to make one.
//
// String, GoString and LogValue give the masked form ("+7 7** *** **12"),
// so a Phone is safe to log; E164 gives the full number for a gateway.
type Phone struct {
	e164   string // "+77012345612"
	region string // "KZ"
	masked string // "+7 7** *** **12"
	prefix string // e164 without its last 4 digits
}

// ParsePhone parses a phone number written in any usual way ("+7 701 234 56
// 78", "8 (701) 234-56-78") and normalises it to E.164. A number without
// a country code is read as a number of defaultRegion (an ISO 3166 code such
// as "KZ"; empty means international format is required). Malformed and
// invalid numbers fail with ErrPhoneInvalid; numbers that are valid but not
// mobile (fixed line, VoIP, premium rate, pager…) with ErrPhoneNotMobile.
// Numbers that the numbering plan leaves ambiguous between fixed and mobile
// (FIXED_LINE_OR_MOBILE, as in North America) are accepted.
//
// ParsePhone does not apply a destination allow-list; Service.Phone does.
func ParsePhone(raw, defaultRegion string) (Phone, error) {
	if raw == "" || len(raw) > maxPhoneInput {
		return Phone{}, fmt.Errorf("%w: empty or too long", ErrPhoneInvalid)
	}
	if defaultRegion == "" {
		defaultRegion = "ZZ" // unknown: only +CC numbers parse
	}
	n, err := phonenumbers.Parse(raw, defaultRegion)
	if err != nil || n == nil {
		return Phone{}, fmt.Errorf("%w: cannot be parsed", ErrPhoneInvalid)
	}
	if n.GetExtension() != "" || !phonenumbers.IsValidNumber(n) {
		return Phone{}, fmt.Errorf("%w: not a valid number", ErrPhoneInvalid)
	}
	switch phonenumbers.GetNumberType(n) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
	default:
		return Phone{}, ErrPhoneNotMobile
	}
	e164 := phonenumbers.Format(n, phonenumbers.E164)
	if len(e164) < 8 || e164[0] != '+' {
		return Phone{}, fmt.Errorf("%w: not a valid number", ErrPhoneInvalid)
	}
	cc := fmt.Sprintf("+%d", n.GetCountryCode())
	return Phone{
		e164:   e164,
		region: phonenumbers.GetRegionCodeForNumber(n),
		masked: mask(phonenumbers.Format(n, phonenumbers.INTERNATIONAL), len(cc)),
		prefix: e164[:len(e164)-4],
	}, nil
}

// mask keeps the country code, the first digit of the national number and
// the last two digits of an international-format number and replaces every
// other digit with '*': "+7 701 234 5612" → "+7 7** *** **12".
func mask(intl string, ccLen int) string {
	digits := 0
	for i := 0; i < len(intl); i++ {
		if intl[i] >= '0' && intl[i] <= '9' {
			digits++
		}
	}
	var b strings.Builder
	b.Grow(len(intl))
	seen, nsn := 0, 0
	for i := 0; i < len(intl); i++ {
		c := intl[i]
		if c < '0' || c > '9' {
			b.WriteByte(c)
			continue
		}
		seen++
		if i < ccLen { // the country code (after '+')
			b.WriteByte(c)
			continue
		}
		nsn++
		if nsn == 1 || seen > digits-2 {
			b.WriteByte(c)
		} else {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// IsZero reports whether p is the zero Phone (no number).
func (p Phone) IsZero() bool { return p.e164 == "" }

// E164 returns the full number in E.164 form ("+77012345612"). Give it to a
// gateway; log the Phone itself (masked) instead.
func (p Phone) E164() string { return p.e164 }

// Region returns the number's ISO 3166 region ("KZ").
func (p Phone) Region() string { return p.region }

// Masked returns the number with all but the country code, the first
// national digit and the last two digits hidden: "+7 7** *** **12".
func (p Phone) Masked() string { return p.masked }

// String returns the masked number.
func (p Phone) String() string { return p.masked }

// GoString returns the masked number.
func (p Phone) GoString() string { return "otp.Phone(" + p.masked + ")" }

// LogValue returns the masked number.
func (p Phone) LogValue() slog.Value { return slog.StringValue(p.masked) }

// Equal reports whether p and q are the same number.
func (p Phone) Equal(q Phone) bool { return p.e164 == q.e164 }

// phoneCacheSize bounds a Service's cache of parsed numbers.
const phoneCacheSize = 4096

// phoneCache remembers numbers a Service parsed: ParsePhone (the
// libphonenumber metadata and its regular expressions) costs more than the
// rest of an SMS step, and a login parses the account's number for the
// gate, the begin and the finish. Only numbers that parsed are kept (a
// spray of invalid input cannot fill it), and a full cache is emptied:
// its memory stays bounded whatever the input.
type phoneCache struct {
	mu sync.Mutex
	m  map[string]Phone
}

func (c *phoneCache) get(raw string) (Phone, bool) {
	c.mu.Lock()
	p, ok := c.m[raw]
	c.mu.Unlock()
	return p, ok
}

func (c *phoneCache) put(raw string, p Phone) {
	c.mu.Lock()
	if c.m == nil || len(c.m) >= phoneCacheSize {
		c.m = make(map[string]Phone)
	}
	c.m[raw] = p
	c.mu.Unlock()
}
