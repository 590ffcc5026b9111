package otp

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/strongauth/strongauth/clientip"
	"github.com/strongauth/strongauth/store"
)

// Defaults and bounds of the configuration.
const (
	DefaultDigits      = 6
	MinDigits          = 6
	MaxDigits          = 10
	DefaultTTL         = 5 * time.Minute
	MaxTTL             = 10 * time.Minute // no setting exceeds it
	DefaultMaxAttempts = 5
	MaxMaxAttempts     = 10
	// DefaultMaxFailures is the consecutive-failure limit per account,
	// also its maximum (NIST SP 800-63B, 5.2.2).
	DefaultMaxFailures   = 100
	DefaultLockout       = time.Hour
	DefaultFailureWindow = 24 * time.Hour
	DefaultCooldown      = 60 * time.Second
	MinCooldown          = 10 * time.Second
	DefaultMaxSegments   = 2
)

// Limit is a send budget: at most Max sends per window of length Per.
// Windows are fixed and aligned to the Unix epoch, so a refusal can say when
// the budget refills.
type Limit struct {
	Max int64
	Per time.Duration
}

// Budgets are the send budgets. Every send is charged to each; a zero Limit
// takes its default (DefaultBudgets).
type Budgets struct {
	// Phone limits sends to one number.
	Phone Limit
	// Account limits sends for one account (to any number).
	Account Limit
	// IP limits sends requested from one client address (an IPv6 client
	// is counted by its /64).
	IP Limit
	// Prefix limits sends to one number range: the E.164 number without
	// its last four digits, against pumping through sequential numbers.
	Prefix Limit
	// Global is the circuit breaker against SMS pumping: when it is
	// exhausted nothing is sent to anyone until its window ends. Set it to
	// a few times your peak.
	Global Limit
}

// DefaultBudgets returns the default send budgets: 5 an hour per phone, 10 a
// day per account, 20 an hour per client IP, 30 an hour per number prefix
// and 1000 an hour in all.
func DefaultBudgets() Budgets {
	return Budgets{
		Phone:   Limit{5, time.Hour},
		Account: Limit{10, 24 * time.Hour},
		IP:      Limit{20, time.Hour},
		Prefix:  Limit{30, time.Hour},
		Global:  Limit{1000, time.Hour},
	}
}

// Config configures a Service. Zero values take the documented defaults,
// which are the strictest settings; bounds that protect users (the ten-minute
// validity, the attempt limits) cannot be configured away.
type Config struct {
	// Store keeps codes (only their HMAC), attempt counters, cooldowns and
	// budgets. Required. Several instances must share one store.
	Store store.Store
	// Sender delivers the SMS. Required.
	Sender Sender
	// Keys are the HMAC keys, at least MinKeyLen bytes each. Keys[0] makes
	// new codes; the others only verify codes made before a rotation.
	// Required.
	Keys []Key
	// Domain is the host name of the site the codes are for
	// ("example.kz"), as it appears in the origin-bound line "@example.kz
	// #123456" and in the text. Required.
	Domain string
	// Digits is the code length, 6 to 10. Zero means 6.
	Digits int
	// TTL is how long a code is valid. Zero means 5 minutes; at most 10.
	TTL time.Duration
	// MaxAttempts is how many submissions one code accepts, counted
	// before comparing. Zero means 5; at most 10.
	MaxAttempts int
	// MaxFailures is how many consecutive failed submissions an account
	// may make, across flows and resends, before it is locked for
	// Lockout. Zero means 100, also the maximum. A success resets it.
	MaxFailures int
	// Lockout is how long an account stays locked once MaxFailures is
	// reached; after it, each further failure locks it again. Zero means
	// one hour; between one minute and seven days.
	Lockout time.Duration
	// FailureWindow is how long the failure count is remembered since the
	// first failure. Zero means 24 hours; between one hour and 30 days.
	FailureWindow time.Duration
	// Cooldown is the least time between two sends to the same phone.
	// Zero means 60 seconds; at least 10 seconds.
	Cooldown time.Duration
	// Budgets are the send budgets; zero fields take DefaultBudgets.
	Budgets Budgets
	// Countries are the allowed destination regions (ISO 3166 codes such
	// as "KZ"). Empty means Kazakhstan only, whose mobile numbers are
	// +7 7xx (+7 9xx numbers are Russian).
	Countries []string
	// DefaultRegion is how numbers without a country code are read.
	// Empty means "KZ".
	DefaultRegion string
	// DefaultLang is the message language when a request names none that
	// is supported: "kk", "ru" or "en". Empty means "ru".
	DefaultLang string
	// Templates override the message templates per language (see
	// DefaultTemplates); empty fields keep the default.
	Templates Texts
	// Actions add or override action phrases per purpose (see
	// DefaultActions). A purpose with no phrase cannot be sent.
	Actions map[string]Texts
	// MaxSegments is the most SMS segments a rendered message may take;
	// New renders every template and action with the configured domain
	// and digits and refuses longer ones. Zero means 2.
	MaxSegments int
	// KeyPrefix prefixes every store key. Empty means "sa:otp:". It may
	// not contain spaces, '{' or '}': the keys carry hash tags after it
	// (see the package documentation, "Storage").
	KeyPrefix string
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Rand is the source of codes and message IDs. Nil means crypto/rand.
	Rand io.Reader
	// Logger receives operator events (send failures, lockouts, the
	// circuit breaker), with masked numbers and never a code. Nil
	// discards them.
	Logger *slog.Logger
}

// Service issues and verifies one-time codes. It is safe for concurrent use
// and keeps no state of its own: everything lives in the Store.
type Service struct {
	store       store.Store
	sender      Sender
	keys        []*macKey // keys[0] is current
	domain      string
	digits      int
	ttl         time.Duration
	maxAttempts int64
	maxFailures int64
	lockout     time.Duration
	failWindow  time.Duration
	cooldown    time.Duration
	budgets     [5]budget
	countries   []string
	region      string
	lang        string
	templates   Texts
	actions     map[string]Texts
	prefix      string
	now         func() time.Time
	rand        io.Reader
	log         *slog.Logger
	phones      phoneCache
}

type budget struct {
	scope string
	Limit
}

// New validates cfg and returns a Service.
func New(cfg Config) (*Service, error) {
	s := &Service{
		store:     cfg.Store,
		sender:    cfg.Sender,
		domain:    cfg.Domain,
		digits:    orDefault(cfg.Digits, DefaultDigits),
		ttl:       orDefault(cfg.TTL, DefaultTTL),
		lockout:   orDefault(cfg.Lockout, DefaultLockout),
		cooldown:  orDefault(cfg.Cooldown, DefaultCooldown),
		region:    orDefault(cfg.DefaultRegion, "KZ"),
		lang:      orDefault(cfg.DefaultLang, LangRU),
		prefix:    orDefault(cfg.KeyPrefix, "sa:otp:"),
		now:       cfg.Now,
		rand:      cfg.Rand,
		log:       cfg.Logger,
		countries: slices.Clone(cfg.Countries),
	}
	s.failWindow = orDefault(cfg.FailureWindow, DefaultFailureWindow)
	s.maxAttempts = int64(orDefault(cfg.MaxAttempts, DefaultMaxAttempts))
	s.maxFailures = int64(orDefault(cfg.MaxFailures, DefaultMaxFailures))
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if len(s.countries) == 0 {
		s.countries = []string{"KZ"}
	}
	checks := []struct {
		bad bool
		msg string
	}{
		{s.store == nil, "Store is required"},
		{s.sender == nil, "Sender is required"},
		{len(cfg.Keys) == 0, "at least one key is required"},
		{!validDomain(s.domain), "Domain must be a lower-case host name such as example.kz"},
		{s.digits < MinDigits || s.digits > MaxDigits, "Digits must be between 6 and 10"},
		{s.ttl < 0 || s.ttl > MaxTTL, "TTL must be positive and at most 10 minutes"},
		{s.maxAttempts < 1 || s.maxAttempts > MaxMaxAttempts, "MaxAttempts must be between 1 and 10"},
		{s.maxFailures < 1 || s.maxFailures > DefaultMaxFailures, "MaxFailures must be between 1 and 100"},
		{s.lockout < time.Minute || s.lockout > 7*24*time.Hour, "Lockout must be between one minute and seven days"},
		{s.failWindow < time.Hour || s.failWindow > 30*24*time.Hour, "FailureWindow must be between one hour and 30 days"},
		{s.cooldown < MinCooldown || s.cooldown > time.Hour, "Cooldown must be between 10 seconds and one hour"},
		{Lang(s.lang) != s.lang, "DefaultLang must be kk, ru or en"},
		{phonenumbers.GetCountryCodeForRegion(s.region) == 0, "DefaultRegion is not a known region"},
		{strings.ContainsAny(s.prefix, " \r\n"), "KeyPrefix must not contain spaces"},
		{!store.ValidKeyPrefix(s.prefix), "KeyPrefix must not contain '{' or '}'"},
	}
	for _, c := range checks {
		if c.bad {
			return nil, fmt.Errorf("%w: %s", ErrConfig, c.msg)
		}
	}
	for _, r := range s.countries {
		if phonenumbers.GetCountryCodeForRegion(r) == 0 {
			return nil, fmt.Errorf("%w: unknown destination region %q", ErrConfig, r)
		}
	}
	seen := map[string]bool{}
	for i, k := range cfg.Keys {
		if len(k) < MinKeyLen {
			return nil, fmt.Errorf("%w: key %d is shorter than %d bytes", ErrConfig, i, MinKeyLen)
		}
		mk := newMacKey(k)
		if seen[string(mk.id[:])] {
			return nil, fmt.Errorf("%w: key %d repeats an earlier key", ErrConfig, i)
		}
		seen[string(mk.id[:])] = true
		s.keys = append(s.keys, mk)
	}
	if err := s.setBudgets(cfg.Budgets); err != nil {
		return nil, err
	}
	if err := s.setMessages(cfg); err != nil {
		return nil, err
	}
	return s, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func (s *Service) setBudgets(b Budgets) error {
	def := DefaultBudgets()
	for i, l := range []struct {
		scope    string
		got, def Limit
	}{
		{"global", b.Global, def.Global},
		{"phone", b.Phone, def.Phone},
		{"account", b.Account, def.Account},
		{"ip", b.IP, def.IP},
		{"prefix", b.Prefix, def.Prefix},
	} {
		lim := l.got
		if lim == (Limit{}) {
			lim = l.def
		}
		if lim.Max < 1 || lim.Per < time.Minute || lim.Per > 30*24*time.Hour {
			return fmt.Errorf("%w: %s budget needs Max ≥ 1 and Per between one minute and 30 days", ErrConfig, l.scope)
		}
		s.budgets[i] = budget{scope: l.scope, Limit: lim}
	}
	return nil
}

func (s *Service) setMessages(cfg Config) error {
	def := DefaultTemplates()
	s.templates = Texts{
		KK: orDefault(cfg.Templates.KK, def.KK),
		RU: orDefault(cfg.Templates.RU, def.RU),
		EN: orDefault(cfg.Templates.EN, def.EN),
	}
	s.actions = DefaultActions()
	maps.Copy(s.actions, cfg.Actions)
	maxSeg := orDefault(cfg.MaxSegments, DefaultMaxSegments)
	if maxSeg < 1 || maxSeg > 5 {
		return fmt.Errorf("%w: MaxSegments must be between 1 and 5", ErrConfig)
	}
	sample := sampleCode(s.digits)
	for _, lang := range []string{LangKK, LangRU, LangEN} {
		if err := checkTemplate(lang, s.templates.get(lang)); err != nil {
			return err
		}
		for purpose, t := range s.actions {
			if !validPurpose(purpose) {
				return fmt.Errorf("%w: invalid purpose %q", ErrConfig, purpose)
			}
			if err := checkPhrase(purpose, lang, t.get(lang)); err != nil {
				return err
			}
			text := render(s.templates.get(lang), t.get(lang), s.domain, sample)
			if enc, units, n := Segments(text); n > maxSeg {
				return fmt.Errorf("%w: the %s message for %q takes %d %s segments (%d units), more than MaxSegments %d",
					ErrConfig, lang, purpose, n, enc, units, maxSeg)
			}
		}
	}
	return nil
}

func sampleCode(digits int) string { return "1234567890"[:digits] }

// String describes the service without its keys.
func (s *Service) String() string { return "otp.Service{" + s.domain + "}" }

// GoString is String.
func (s *Service) GoString() string { return s.String() }

// Digits returns the code length.
func (s *Service) Digits() int { return s.digits }

// TTL returns how long a code is valid.
func (s *Service) TTL() time.Duration { return s.ttl }

// Phone parses a number (see ParsePhone), reading numbers without a country
// code as numbers of Config.DefaultRegion, and refuses destinations outside
// Config.Countries with ErrPhoneNotAllowed.
func (s *Service) Phone(raw string) (Phone, error) {
	p, ok := s.phones.get(raw)
	if !ok {
		var err error
		if p, err = ParsePhone(raw, s.region); err != nil {
			return Phone{}, err
		}
		s.phones.put(raw, p)
	}
	if !s.allowed(p) {
		return Phone{}, fmt.Errorf("%w: %s", ErrPhoneNotAllowed, p.region)
	}
	return p, nil
}

func (s *Service) allowed(p Phone) bool {
	return !p.IsZero() && slices.Contains(s.countries, p.region)
}

// Preview renders the message for purpose in lang with a sample code
// ("123456"), to show the host what users receive and how long it is.
func (s *Service) Preview(purpose, lang string) (*Message, error) {
	return s.message(purpose, lang, sampleCode(s.digits), "preview", Phone{})
}

func (s *Service) message(purpose, lang, code, id string, to Phone) (*Message, error) {
	t, ok := s.actions[purpose]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownPurpose, purpose)
	}
	if l := Lang(lang); l != "" {
		lang = l
	} else {
		lang = s.lang
	}
	m := &Message{ID: id, To: to, Purpose: purpose, Lang: lang, code: code}
	m.Text = render(s.templates.get(lang), t.get(lang), s.domain, code)
	m.Encoding, m.Units, m.Segments = Segments(m.Text)
	return m, nil
}

// Request asks for a code to be sent.
type Request struct {
	// Purpose is what the code confirms, the flow's action ("login"). It
	// selects the message text and is bound into the code.
	Purpose string
	// FlowID names the transaction the code is bound to; one active code
	// per purpose and flow, a new one replacing the old.
	FlowID string
	// Account is the account the code is for (the flow's subject), for
	// the per-account budget and lockout.
	Account string
	// Phone is the destination, from Service.Phone. It must be the number
	// bound to the account, never one from the request.
	Phone Phone
	// ClientIP is the address of the client that asked, for the per-IP
	// budget. Clients without one share a single budget.
	ClientIP string
	// Lang is the user's language ("kk", "ru", "en" or an
	// Accept-Language value); unsupported or empty means
	// Config.DefaultLang.
	Lang string
}

// Sent describes a code that was sent.
type Sent struct {
	// To is the masked destination ("+7 7** *** **12"), to show the user.
	To string
	// Digits is the code length.
	Digits int
	// ExpiresAt is when the code stops being accepted.
	ExpiresAt time.Time
	// ResendAt is when another code may be sent to this phone.
	ResendAt time.Time
	// MessageID, Lang and Segments describe the SMS.
	MessageID string
	Lang      string
	Segments  int
}

// Issue makes a code for the request's purpose and flow, replacing any
// earlier one, and sends it. It refuses, sending nothing, when the account
// is locked (ErrLocked), within the cooldown of the previous send to the
// phone (ErrCooldown), or when a budget is exhausted (ErrBudget,
// ErrCircuitOpen). If the Sender fails, the code is removed, the per-subject
// budgets are not charged and the cooldown is lifted (ErrSend).
func (s *Service) Issue(ctx context.Context, r Request) (*Sent, error) {
	if err := checkIDs(r.Purpose, r.FlowID, r.Account); err != nil {
		return nil, err
	}
	if r.Phone.IsZero() {
		return nil, ErrPhoneInvalid
	}
	if !s.allowed(r.Phone) {
		return nil, fmt.Errorf("%w: %s", ErrPhoneNotAllowed, r.Phone.region)
	}
	if _, ok := s.actions[r.Purpose]; !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownPurpose, r.Purpose)
	}
	now := s.now()
	acct := s.hashed("account", r.Account)
	if err := s.checkLock(ctx, acct, now); err != nil {
		return nil, err
	}
	cdKey := s.prefix + "d:" + store.HashTag(s.hashed("phone", r.Phone.e164))
	if err := s.startCooldown(ctx, cdKey, now); err != nil {
		return nil, err
	}
	cleanup := context.WithoutCancel(ctx)
	charged, err := s.charge(ctx, r, acct, now)
	if err != nil {
		_ = s.store.Delete(cleanup, cdKey) // nothing was sent: no cooldown
		return nil, err
	}
	sent, delivered, err := s.issue(ctx, r, now)
	if err != nil && !delivered {
		s.refund(cleanup, charged[1:]) // the breaker (charged[0]) counts failures too
		_ = s.store.Delete(cleanup, cdKey)
	}
	return sent, err
}

// issue stores a pending code, sends it, and arms it. delivered reports
// whether the Sender accepted the SMS.
func (s *Service) issue(ctx context.Context, r Request, now time.Time) (_ *Sent, delivered bool, _ error) {
	code, err := codeFrom(s.rand, s.digits)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %w", ErrStore, err)
	}
	rec := &record{state: statePending, keyID: s.keys[0].id, expires: now.Add(s.ttl)}
	if _, err := io.ReadFull(s.rand, rec.gen[:]); err != nil {
		return nil, false, fmt.Errorf("%w: randomness: %w", ErrStore, err)
	}
	rec.mac = s.keys[0].mac(r.Purpose, r.FlowID, r.Account, r.Phone.e164, code)
	key := s.codeKey(r.Purpose, r.FlowID)
	// Put replaces the previous code of the flow, which stops working now.
	ver, err := s.store.Put(ctx, key, rec.encode(), s.ttl)
	if err != nil {
		return nil, false, storeErr(err)
	}
	m, err := s.message(r.Purpose, r.Lang, code, hex.EncodeToString(rec.gen[:]), r.Phone)
	if err != nil {
		return nil, false, err
	}
	if err := s.sender.Send(ctx, m); err != nil {
		_ = s.store.Delete(context.WithoutCancel(ctx), key) // pending, so unusable even if this fails
		s.log.LogAttrs(ctx, slog.LevelWarn, "otp: send failed", slog.String("to", r.Phone.masked),
			slog.String("purpose", r.Purpose), slog.String("message", m.ID), slog.String("error", scrub(err, code)))
		return nil, false, &SendError{msg: scrub(err, code), cause: err}
	}
	rec.state = stateArmed
	if _, err := s.store.CompareAndSwap(ctx, key, ver, rec.encode(), s.ttl); err != nil {
		// Replaced by a concurrent Issue for the same flow, or the store
		// failed: the code just sent can never be used.
		if errors.Is(err, store.ErrConflict) {
			return nil, true, fmt.Errorf("%w: replaced while being sent", ErrNoCode)
		}
		return nil, true, storeErr(err)
	}
	return &Sent{To: r.Phone.masked, Digits: s.digits, ExpiresAt: rec.expires, ResendAt: now.Add(s.cooldown),
		MessageID: m.ID, Lang: m.Lang, Segments: m.Segments}, true, nil
}

func scrub(err error, code string) string {
	return strings.ReplaceAll(err.Error(), code, strings.Repeat("*", len(code)))
}

// Attempt is one submission of a code.
type Attempt struct {
	// Purpose, FlowID, Account and Phone must be those the code was
	// issued for: the code is bound to all four.
	Purpose string
	FlowID  string
	Account string
	Phone   Phone
	// Code is what the user typed (hostile): exactly Digits ASCII digits,
	// surrounding spaces ignored.
	Code string
}

// Verify checks a submitted code. It succeeds at most once per code, even
// under concurrent submissions. Every submission of a well-formed code
// counts against the code's attempts and the account's consecutive
// failures before anything is compared; the comparison is constant-time.
//
// Errors: ErrMalformedCode, ErrNoCode, ErrExpired, ErrUsed (replay),
// *WrongCodeError (ErrWrongCode), ErrAttemptsExhausted, *LimitError
// (ErrLocked) and ErrStore; every error denies.
func (s *Service) Verify(ctx context.Context, a Attempt) error {
	if err := checkIDs(a.Purpose, a.FlowID, a.Account); err != nil {
		return err
	}
	if a.Phone.IsZero() {
		return ErrPhoneInvalid
	}
	code, ok := s.normalizeCode(a.Code)
	if !ok {
		return ErrMalformedCode
	}
	now := s.now()
	key := s.codeKey(a.Purpose, a.FlowID)
	b, ver, err := s.store.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoCode
	}
	if err != nil {
		return storeErr(err)
	}
	rec, err := decodeRecord(b)
	if err != nil {
		return storeErr(err)
	}
	switch {
	case rec.state == stateUsed:
		return ErrUsed
	case rec.state != stateArmed:
		return ErrNoCode
	case !now.Before(rec.expires):
		return ErrExpired
	}
	mk := s.keyByID(rec.keyID)
	if mk == nil {
		return fmt.Errorf("%w: made under a retired key", ErrExpired)
	}
	var gen [2 * genLen]byte
	hex.Encode(gen[:], rec.gen[:])
	n, err := s.store.Incr(ctx, s.attemptsKey(a.FlowID, gen[:]), 1, s.ttl)
	if err != nil {
		return storeErr(err)
	}
	if n > s.maxAttempts {
		return ErrAttemptsExhausted
	}
	acct := s.hashed("account", a.Account)
	failKey := store.TaggedKey(s.prefix, "f:", acct)
	f, err := s.store.Incr(ctx, failKey, 1, s.failWindow)
	if err != nil {
		return storeErr(err)
	}
	claimed, lockKey := false, ""
	if f >= s.maxFailures {
		lockKey = s.lockKey(acct)
		// At or past the limit only one attempt per lockout period may
		// compare: the one that claims the lock.
		if _, err := s.store.CompareAndSwap(ctx, lockKey, 0, encodeTime(now.Add(s.lockout)), s.lockout); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return s.locked(ctx, lockKey, now)
			}
			return storeErr(err)
		}
		claimed = true
	}
	mac := mk.mac(a.Purpose, a.FlowID, a.Account, a.Phone.e164, code)
	if !hmac.Equal(mac[:], rec.mac[:]) {
		if claimed {
			s.log.LogAttrs(ctx, slog.LevelWarn, "otp: account locked after consecutive failures",
				slog.String("account", a.Account), slog.Int64("failures", f), slog.Duration("lockout", s.lockout))
		}
		return &WrongCodeError{Remaining: int(s.maxAttempts - n)}
	}
	rec.state = stateUsed
	if _, err := s.store.CompareAndSwap(ctx, key, ver, rec.encode(), rec.expires.Sub(now)); err != nil {
		if !errors.Is(err, store.ErrConflict) {
			return storeErr(err)
		}
		// Someone else used it first, or a resend replaced it.
		if b, _, err := s.store.Get(ctx, key); err == nil {
			if r, err := decodeRecord(b); err == nil && r.state == stateUsed && r.gen == rec.gen {
				return ErrUsed
			}
		}
		return fmt.Errorf("%w: replaced by a newer code", ErrNoCode)
	}
	// Success resets the consecutive failures. Should this fail, the
	// count only stays higher: stricter, never weaker.
	cleanup := context.WithoutCancel(ctx)
	if err := s.store.Delete(cleanup, failKey); err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "otp: could not reset the failure count", slog.String("account", a.Account))
	}
	if claimed {
		_ = s.store.Delete(cleanup, lockKey)
	}
	return nil
}

// normalizeCode trims surrounding white space and accepts exactly s.digits
// ASCII digits.
func (s *Service) normalizeCode(c string) (string, bool) {
	if len(c) > 64 {
		return "", false
	}
	c = strings.TrimSpace(c)
	if len(c) != s.digits {
		return "", false
	}
	return c, onlyBytes(c, func(b byte) bool { return b >= '0' && b <= '9' })
}

func (s *Service) keyByID(id [keyIDLen]byte) *macKey {
	for _, k := range s.keys {
		if k.id == id {
			return k
		}
	}
	return nil
}

// --- lockout, cooldown and budgets ---

func encodeTime(t time.Time) []byte { return binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano())) }

func decodeTime(b []byte) (time.Time, bool) {
	if len(b) != 8 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(b))), true
}

// checkLock refuses a locked account.
func (s *Service) checkLock(ctx context.Context, acct string, now time.Time) error {
	_, _, err := s.store.Get(ctx, s.lockKey(acct))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return storeErr(err)
	}
	return s.locked(ctx, s.lockKey(acct), now)
}

func (s *Service) locked(ctx context.Context, lockKey string, now time.Time) error {
	after := s.lockout
	if b, _, err := s.store.Get(ctx, lockKey); err == nil {
		if until, ok := decodeTime(b); ok && until.After(now) {
			after = until.Sub(now)
		}
	}
	return &LimitError{Err: ErrLocked, Scope: "account-lockout", After: after}
}

func (s *Service) startCooldown(ctx context.Context, key string, now time.Time) error {
	_, err := s.store.CompareAndSwap(ctx, key, 0, encodeTime(now.Add(s.cooldown)), s.cooldown)
	if err == nil {
		return nil
	}
	if !errors.Is(err, store.ErrConflict) {
		return storeErr(err)
	}
	after := s.cooldown
	if b, _, err := s.store.Get(ctx, key); err == nil {
		if until, ok := decodeTime(b); ok && until.After(now) {
			after = until.Sub(now)
		}
	}
	return &LimitError{Err: ErrCooldown, Scope: "cooldown", After: after}
}

type charge struct {
	key string
	ttl time.Duration
}

// charge counts one send against every budget, the global breaker first.
// If one is exhausted, it takes back what it charged and refuses.
func (s *Service) charge(ctx context.Context, r Request, acct string, now time.Time) ([]charge, error) {
	values := [5]string{"", s.hashed("phone", r.Phone.e164), acct, s.hashed("ip", clientip.Bucket(r.ClientIP)), s.hashed("prefix", r.Phone.prefix)}
	charged := make([]charge, 0, len(values))
	for i, b := range s.budgets {
		window := now.UnixNano() / int64(b.Per)
		end := time.Unix(0, (window+1)*int64(b.Per))
		tag := values[i]
		if tag != "" {
			tag = store.HashTag(tag)
		}
		c := charge{key: fmt.Sprintf("%sb:%s:%s:%d", s.prefix, b.scope, tag, window), ttl: end.Sub(now)}
		n, err := s.store.Incr(ctx, c.key, 1, c.ttl)
		if err != nil {
			s.refund(context.WithoutCancel(ctx), charged)
			return nil, storeErr(err)
		}
		charged = append(charged, c)
		if n > b.Max {
			s.refund(context.WithoutCancel(ctx), charged)
			sentinel := ErrBudget
			if b.scope == "global" {
				sentinel = ErrCircuitOpen
				s.log.LogAttrs(ctx, slog.LevelError, "otp: circuit breaker open: global send budget exhausted",
					slog.Int64("max", b.Max), slog.Duration("per", b.Per), slog.Duration("reopens_in", c.ttl))
			}
			return nil, &LimitError{Err: sentinel, Scope: b.scope, After: c.ttl}
		}
	}
	return charged, nil
}

func (s *Service) refund(ctx context.Context, charged []charge) {
	for _, c := range charged {
		_, _ = s.store.Incr(ctx, c.key, -1, c.ttl) // a failed refund only leaves the budget stricter
	}
}

// --- keys and validation ---

// The keys of a flow carry its ID as a hash tag, those of an account or a
// phone its hash: see "Storage" in the package documentation.

// codeKey is the key of the flow's code for purpose.
func (s *Service) codeKey(purpose, flowID string) string {
	return s.prefix + "c:" + store.HashTag(flowID) + ":" + purpose
}

// attemptsKey counts the attempts at the code of generation gen (hex).
func (s *Service) attemptsKey(flowID string, gen []byte) string {
	return s.prefix + "a:" + store.HashTag(flowID) + ":" + string(gen)
}

// lockKey is the lockout of the account whose hash is acct.
func (s *Service) lockKey(acct string) string { return store.TaggedKey(s.prefix, "l:", acct) }

// hashed names a phone, account, IP or prefix in store keys without putting
// it there in clear.
func (s *Service) hashed(scope, v string) string {
	var buf [320]byte
	in := append(append(append(append(buf[:0], "strongauth/otp/"...), scope...), 0), v...)
	sum := sha256.Sum256(in)
	var out [32]byte
	hex.Encode(out[:], sum[:16])
	return string(out[:])
}

func checkIDs(purpose, flowID, account string) error {
	switch {
	case !validPurpose(purpose):
		return fmt.Errorf("%w: purpose must match [a-z][a-z0-9_-]{0,63}", ErrInvalidRequest)
	case !validFlowID(flowID):
		return fmt.Errorf("%w: flow ID must be 1–128 characters of [A-Za-z0-9_-]", ErrInvalidRequest)
	case account == "" || len(account) > 256:
		return fmt.Errorf("%w: account must be 1–256 bytes", ErrInvalidRequest)
	}
	return nil
}

func validPurpose(p string) bool {
	return p != "" && len(p) <= 64 && p[0] >= 'a' && p[0] <= 'z' && onlyBytes(p, func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
	})
}

func validFlowID(id string) bool {
	return id != "" && len(id) <= 128 && onlyBytes(id, func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
	})
}

func onlyBytes(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func validDomain(d string) bool {
	if d == "" || len(d) > 253 || d[0] == '.' || d[len(d)-1] == '.' || strings.Contains(d, "..") {
		return false
	}
	return onlyBytes(d, func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' })
}
