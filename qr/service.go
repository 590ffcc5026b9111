package qr

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/strongauth/strongauth/clientip"
	"github.com/strongauth/strongauth/store"
)

// Defaults and bounds of Config.
const (
	DefaultTTL         = 90 * time.Second
	MaxTTL             = 10 * time.Minute
	DefaultMaxFrameAge = 3 * time.Second
	MaxMaxFrameAge     = 10 * time.Second
	DefaultRequestSkew = 30 * time.Second
	MaxRequestSkew     = 5 * time.Minute
	DefaultRedeemTTL   = 30 * time.Second
	MaxRedeemTTL       = 2 * time.Minute
	DefaultEnrolTTL    = 5 * time.Minute
	MaxEnrolTTL        = 10 * time.Minute
	DefaultPerIP       = 30
	DefaultIPWindow    = 10 * time.Minute
	DefaultMaxDevices  = 10
	DefaultPrefix      = "strongauth"
	DefaultKeyPrefix   = "sa:qr:"

	// storeGrace keeps records a little past their end so that late
	// requests get ErrExpired rather than ErrNoSession.
	storeGrace = time.Minute
	// deniedTTL keeps a flow's denial longer than any flow lives.
	deniedTTL  = 2 * time.Hour
	casRetries = 8
	maxFlowID  = 128
	maxSubject = 256
)

// Config configures a Service. The zero value of every optional field is
// the strictest setting.
type Config struct {
	// Store keeps sessions, enrolment challenges, denials and counters,
	// single-use via Consume. Required; share it between instances
	// (store/redis) when running several.
	Store store.Store
	// Devices keeps device credentials and enables mode A (approval by an
	// enrolled device key). Required unless MobileSign is set.
	Devices DeviceStore
	// MobileSign enables mode B: eGov Mobile-compatible QR signing with the
	// user's ECP key (see MobileSignConfig). Nil disables it.
	MobileSign *MobileSignConfig
	// Service is the name of the service shown on the phone ("eGov.kz").
	// Required.
	Service string
	// Prefix starts every frame ([a-z][a-z0-9-]*, at most 32 characters),
	// so the host's app recognises its codes. Zero means DefaultPrefix.
	Prefix string
	// KeyPrefix prefixes store keys. Zero means DefaultKeyPrefix. It may
	// not contain '{' or '}': the keys of a flow carry its ID as a hash
	// tag after it.
	KeyPrefix string
	// TTL is how long a session can be scanned and approved. Zero means
	// DefaultTTL; at most MaxTTL.
	TTL time.Duration
	// MaxFrameAge is how old a scanned frame may be. Zero means
	// DefaultMaxFrameAge; at most MaxMaxFrameAge. A frame from the future
	// is always refused.
	MaxFrameAge time.Duration
	// RequestSkew bounds the difference between a phone's signed time and
	// the server's clock. Zero means DefaultRequestSkew.
	RequestSkew time.Duration
	// RedeemTTL is how long the browser has to redeem an approval. Zero
	// means DefaultRedeemTTL.
	RedeemTTL time.Duration
	// EnrolTTL is how long an enrolment challenge lives. Zero means
	// DefaultEnrolTTL.
	EnrolTTL time.Duration
	// PerIP bounds the sessions begun by one client IP per IPWindow. Zero
	// means DefaultPerIP (and DefaultIPWindow). Requests without an IP are
	// not counted: pass the client IP.
	PerIP    int64
	IPWindow time.Duration
	// MaxDevices bounds the devices per subject. Zero means
	// DefaultMaxDevices.
	MaxDevices int
	// ActionText describes an action for the phone in a language ("kk",
	// "ru" or "en"). It returns "" for actions it does not know. Nil means
	// built-in texts for login, sign-document and change-phone; an action
	// without a text is shown by its name.
	ActionText func(action, lang string) string
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Rand is the source of tokens, secrets, numbers and challenges. Nil
	// means crypto/rand.
	Rand io.Reader
}

// Service runs QR sessions and device enrolment. It keeps no state of its
// own: everything lives in the Store and the DeviceStore, so several
// instances sharing them act as one. It is safe for concurrent use.
type Service struct {
	cfg    Config
	mobile *MobileSignConfig // validated copy; nil when mode B is off
}

// New validates cfg and returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || (cfg.Devices == nil && cfg.MobileSign == nil) {
		return nil, fmt.Errorf("%w: Store and Devices (or MobileSign) are required", ErrConfig)
	}
	if cfg.Service == "" || !ValidName(cfg.Service) {
		return nil, fmt.Errorf("%w: Service must be a printable name of at most %d characters", ErrConfig, MaxNameRunes)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if !ValidPrefix(cfg.Prefix) {
		return nil, fmt.Errorf("%w: Prefix must match [a-z][a-z0-9-]{0,31}", ErrConfig)
	}
	if cfg.KeyPrefix == "" {
		cfg.KeyPrefix = DefaultKeyPrefix
	}
	if !store.ValidKeyPrefix(cfg.KeyPrefix) {
		return nil, fmt.Errorf("%w: KeyPrefix may not contain '{' or '}'", ErrConfig)
	}
	durations := []struct {
		name     string
		p        *time.Duration
		def, max time.Duration
	}{
		{"TTL", &cfg.TTL, DefaultTTL, MaxTTL},
		{"MaxFrameAge", &cfg.MaxFrameAge, DefaultMaxFrameAge, MaxMaxFrameAge},
		{"RequestSkew", &cfg.RequestSkew, DefaultRequestSkew, MaxRequestSkew},
		{"RedeemTTL", &cfg.RedeemTTL, DefaultRedeemTTL, MaxRedeemTTL},
		{"EnrolTTL", &cfg.EnrolTTL, DefaultEnrolTTL, MaxEnrolTTL},
		{"IPWindow", &cfg.IPWindow, DefaultIPWindow, 24 * time.Hour},
	}
	for _, d := range durations {
		switch {
		case *d.p == 0:
			*d.p = d.def
		case *d.p < time.Second || *d.p > d.max:
			return nil, fmt.Errorf("%w: %s must be in [1s, %v]", ErrConfig, d.name, d.max)
		}
	}
	if cfg.PerIP < 0 || cfg.MaxDevices < 0 {
		return nil, fmt.Errorf("%w: PerIP and MaxDevices must not be negative", ErrConfig)
	}
	if cfg.PerIP == 0 {
		cfg.PerIP = DefaultPerIP
	}
	if cfg.MaxDevices == 0 {
		cfg.MaxDevices = DefaultMaxDevices
	}
	if cfg.ActionText == nil {
		cfg.ActionText = DefaultActionText
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	s := &Service{cfg: cfg}
	if cfg.MobileSign != nil {
		m, err := cfg.MobileSign.validate(cfg.TTL)
		if err != nil {
			return nil, err
		}
		s.mobile = m
	}
	return s, nil
}

// Modes lists the enabled modes, ModeDevice first.
func (s *Service) Modes() []Mode {
	var ms []Mode
	if s.cfg.Devices != nil {
		ms = append(ms, ModeDevice)
	}
	if s.mobile != nil {
		ms = append(ms, ModeMobileSign)
	}
	return ms
}

// Now returns the service's clock reading.
func (s *Service) Now() time.Time { return s.cfg.Now() }

// Prefix returns the frame prefix.
func (s *Service) Prefix() string { return s.cfg.Prefix }

// State is the state of a QR session.
type State string

// Session states.
const (
	// StatePending: shown as a QR code, not scanned yet.
	StatePending State = "pending"
	// StateScanned: bound to one device; the browser shows the number.
	StateScanned State = "scanned"
	// StateApproved: approved on the phone; the browser may redeem it.
	StateApproved State = "approved"
	// StateDenied: the user reported they did not start it.
	StateDenied State = "denied"
	// StateFailed: a wrong number or other details were approved.
	StateFailed State = "failed"
	// StateExpired: past its lifetime (reported, never stored).
	StateExpired State = "expired"
)

// Mode is how a session is approved.
type Mode string

// Modes.
const (
	// ModeDevice (mode A): an enrolled device key approves, with number
	// matching.
	ModeDevice Mode = "device"
	// ModeMobileSign (mode B): the user signs a challenge with an ECP key in
	// eGov Mobile (the mobileSign protocol).
	ModeMobileSign Mode = "mobile-sign"
)

// record is a session as stored.
type record struct {
	Mode     Mode      `json:"mode,omitempty"` // "" is ModeDevice
	Token    string    `json:"token"`
	Secret   []byte    `json:"secret"`
	Flow     string    `json:"flow"`
	Binding  []byte    `json:"binding"`
	Subject  string    `json:"subject,omitempty"`
	Action   string    `json:"action"`
	IP       string    `json:"ip,omitempty"`
	Browser  string    `json:"browser"`
	OS       string    `json:"os"`
	Location string    `json:"loc,omitempty"`
	Start    time.Time `json:"start"`
	Expires  time.Time `json:"expires"`
	Numbers  [3]int    `json:"numbers"`
	Answer   int       `json:"answer"`
	State    State     `json:"state"`

	Device        string    `json:"device,omitempty"`
	DeviceSubject string    `json:"device_subject,omitempty"`
	DeviceName    string    `json:"device_name,omitempty"`
	Digest        string    `json:"digest,omitempty"`
	ScannedAt     time.Time `json:"scanned_at,omitzero"`
	DecidedAt     time.Time `json:"decided_at,omitzero"`
	RedeemBy      time.Time `json:"redeem_by,omitzero"`

	// Mode B.
	Challenge []byte        `json:"challenge,omitempty"` // canonical signature.Challenge
	DocID     string        `json:"doc,omitempty"`       // API 2 path token
	AuthHash  []byte        `json:"auth,omitempty"`      // SHA-256 of API 2's bearer token
	Step      string        `json:"step,omitempty"`      // "", "described", "fetched", "submitted"
	Method    string        `json:"method,omitempty"`    // the sign method asked ("" is SignOnly)
	Signer    *MobileSigner `json:"signer,omitempty"`
	Confirm   string        `json:"confirm,omitempty"` // the code of the browser's confirmation of Signer
	Reason    string        `json:"reason,omitempty"`  // why a mode B session failed (a signature.Code)
}

func (r *record) mobile() bool { return r.Mode == ModeMobileSign }

func (r *record) number() int { return r.Numbers[r.Answer] }

// --- keys ---

func hashHex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// The keys of a flow — its session record, the index naming the live
// session, the denial — carry the flow ID as a hash tag (store.HashTag),
// as the engine's flow record does, so that a Redis Cluster keeps them in
// the flow's slot. What the phone presents (a token, a document ID) finds
// the session through an index keyed by its hash.

// sessionKey is the key of a session record.
func (s *Service) sessionKey(flow, token string) string {
	return s.cfg.KeyPrefix + "s:" + store.HashTag(flow) + ":" + hashHex(token)
}

// tokenKey indexes a session by its token: it holds the sessionKey.
func (s *Service) tokenKey(token string) string { return s.cfg.KeyPrefix + "t:" + hashHex(token) }

// flowKey names the flow's live session: it holds the sessionKey.
func (s *Service) flowKey(flow string) string   { return store.TaggedKey(s.cfg.KeyPrefix, "f:", flow) }
func (s *Service) deniedKey(flow string) string { return store.TaggedKey(s.cfg.KeyPrefix, "d:", flow) }
func (s *Service) ipKey(ip string) string       { return s.cfg.KeyPrefix + "ip:" + hashHex(ip) }
func (s *Service) enrolKey(ch string) string    { return s.cfg.KeyPrefix + "e:" + hashHex(ch) }

// keep is how long a record stays in the store from now.
func (s *Service) keep(r *record, now time.Time) time.Duration {
	return r.Expires.Add(s.cfg.RedeemTTL + storeGrace).Sub(now)
}

// --- randomness ---

func (s *Service) random(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.cfg.Rand, b); err != nil {
		return nil, unavailable("randomness", err)
	}
	return b, nil
}

func (s *Service) randomID(n int) (string, error) {
	b, err := s.random(n)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// uniform returns a uniformly random integer in [0, n), n ≤ 256.
func (s *Service) uniform(n int) (int, error) {
	limit := 65536 - 65536%n
	for range 64 {
		b, err := s.random(2)
		if err != nil {
			return 0, err
		}
		if v := int(b[0])<<8 | int(b[1]); v < limit {
			return v % n, nil
		}
	}
	return 0, unavailable("randomness", errors.New("rejection sampling did not terminate"))
}

// numbers returns three distinct two-digit numbers and the index of the
// one the browser will show.
func (s *Service) numbers() ([3]int, int, error) {
	var ns [3]int
	for i := 0; i < 3; {
		v, err := s.uniform(90)
		if err != nil {
			return ns, 0, err
		}
		v += 10
		if i > 0 && (ns[0] == v || (i > 1 && ns[1] == v)) {
			continue
		}
		ns[i] = v
		i++
	}
	answer, err := s.uniform(3)
	return ns, answer, err
}

// --- store helpers ---

func (s *Service) get(ctx context.Context, key string) (*record, uint64, error) {
	b, v, err := s.cfg.Store.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, ErrNoSession
	}
	if err != nil {
		return nil, 0, unavailable("store", err)
	}
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, 0, unavailable("store", errors.New("corrupt session record"))
	}
	return &r, v, nil
}

// update applies change to the record under key with optimistic
// concurrency. change reports whether to save the record and the error to
// return; a conflict re-reads the record and re-applies change.
func (s *Service) update(ctx context.Context, key string, now time.Time, change func(*record) (bool, error)) (*record, error) {
	for range casRetries {
		r, v, err := s.get(ctx, key)
		if err != nil {
			return nil, err
		}
		save, cerr := change(r)
		if !save {
			return r, cerr
		}
		ttl := s.keep(r, now)
		if ttl <= 0 {
			return nil, ErrExpired
		}
		b, err := json.Marshal(r)
		if err != nil {
			return nil, unavailable("encode", err)
		}
		_, err = s.cfg.Store.CompareAndSwap(ctx, key, v, b, ttl)
		if err == nil {
			return r, cerr
		}
		if !errors.Is(err, store.ErrConflict) {
			return nil, unavailable("store", err)
		}
	}
	return nil, unavailable("store", errors.New("too much contention on one session"))
}

// byFlow returns the live session of a flow and its store key.
func (s *Service) byFlow(ctx context.Context, flow string) (*record, string, error) {
	if flow == "" || len(flow) > maxFlowID {
		return nil, "", ErrNoSession
	}
	key, err := s.index(ctx, s.flowKey(flow))
	if err != nil {
		return nil, "", err
	}
	r, _, err := s.get(ctx, key)
	if err != nil {
		return nil, "", err
	}
	if r.Flow != flow {
		return nil, "", unavailable("store", errors.New("flow index points to another flow"))
	}
	return r, key, nil
}

// byToken returns the key of the session a phone's token names, through
// the token's index.
func (s *Service) byToken(ctx context.Context, token string) (string, error) {
	key, err := s.index(ctx, s.tokenKey(token))
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(key, s.cfg.KeyPrefix+"s:") || !strings.HasSuffix(key, ":"+hashHex(token)) {
		return "", unavailable("store", errors.New("token index points to another session"))
	}
	return key, nil
}

// index reads an index: the key of the session it names.
func (s *Service) index(ctx context.Context, indexKey string) (string, error) {
	b, _, err := s.cfg.Store.Get(ctx, indexKey)
	if errors.Is(err, store.ErrNotFound) {
		return "", ErrNoSession
	}
	if err != nil {
		return "", unavailable("store", err)
	}
	return string(b), nil
}

// live reports whether the record under key is its flow's current session
// (a newer Begin replaces older sessions).
func (s *Service) live(ctx context.Context, r *record, key string) error {
	b, _, err := s.cfg.Store.Get(ctx, s.flowKey(r.Flow))
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoSession
	}
	if err != nil {
		return unavailable("store", err)
	}
	if subtle.ConstantTimeCompare(b, []byte(key)) != 1 {
		return ErrNoSession
	}
	return nil
}

func (s *Service) denied(ctx context.Context, flow string) error {
	_, _, err := s.cfg.Store.Get(ctx, s.deniedKey(flow))
	switch {
	case err == nil:
		return ErrDenied
	case errors.Is(err, store.ErrNotFound):
		return nil
	default:
		return unavailable("store", err)
	}
}

func bindingOK(r *record, binding []byte) bool {
	return len(r.Binding) == sha256.Size && subtle.ConstantTimeCompare(r.Binding, binding) == 1
}

// --- browser side ---

// BeginRequest starts a QR session for a flow.
type BeginRequest struct {
	// FlowID is the flow the session belongs to. Required.
	FlowID string
	// Binding is the SHA-256 hash (32 bytes) of the flow's browser binding;
	// only a request presenting the same hash sees frames and status and
	// redeems the approval. Required.
	Binding []byte
	// Action is what the flow is for ("login"). Required.
	Action string
	// Subject, if the flow already has one, restricts approval to that
	// subject's devices.
	Subject string
	// IP, UserAgent and Location describe the requesting browser for the
	// phone. IP must be an IP address (else it is not shown) and is the
	// key of the per-IP budget; Location is a coarse, host-supplied place.
	IP, UserAgent, Location string
	// Mode is the approval mode. Zero means ModeDevice when Devices are
	// configured, else ModeMobileSign.
	Mode Mode
	// Origin is the web origin the flow runs on, bound into a mode B
	// challenge. Zero means MobileSignConfig.Origin.
	Origin string
	// Now is the caller's clock reading. Zero means the service's clock.
	Now time.Time
}

// Started is what Begin returns for the browser.
type Started struct {
	Mode Mode
	// Content is the first frame (t = 0).
	Content string
	// Ref is a non-secret reference to the session for logs.
	Ref       string
	ExpiresAt time.Time
}

// Begin starts a QR session for a flow, replacing the flow's previous one
// (one live session per flow). It refuses a flow the user has denied
// (ErrDenied) and a client IP over its budget (*RateLimitError).
func (s *Service) Begin(ctx context.Context, req BeginRequest) (*Started, error) {
	now := req.Now
	if now.IsZero() {
		now = s.cfg.Now()
	}
	switch {
	case req.FlowID == "" || len(req.FlowID) > maxFlowID:
		return nil, malformed("flow ID")
	case len(req.Binding) != sha256.Size:
		return nil, malformed("binding hash")
	case req.Action == "" || !ValidName(req.Action):
		return nil, malformed("action")
	case len(req.Subject) > maxSubject:
		return nil, malformed("subject")
	}
	mode := req.Mode
	if mode == "" {
		mode = s.Modes()[0]
	}
	switch {
	case mode == ModeDevice && s.cfg.Devices != nil:
	case mode == ModeMobileSign && s.mobile != nil:
		if !s.mobile.allows(req.Action) {
			return nil, ErrModeNotAllowed
		}
	default:
		return nil, malformed("mode not enabled")
	}
	if err := s.denied(ctx, req.FlowID); err != nil {
		return nil, err
	}
	ip := ""
	if a, ok := clientip.Parse(req.IP); ok {
		// Counted like every per-client budget of the module: IPv4 by
		// address, IPv6 by /64, whatever port or brackets the host passed.
		ip = a.String()
		n, err := s.cfg.Store.Incr(ctx, s.ipKey(clientip.BucketOf(a)), 1, s.cfg.IPWindow)
		if err != nil {
			return nil, unavailable("store", err)
		}
		if n > s.cfg.PerIP {
			return nil, &RateLimitError{Retry: s.cfg.IPWindow}
		}
	}
	token, err := s.randomID(16)
	if err != nil {
		return nil, err
	}
	secret, err := s.random(32)
	if err != nil {
		return nil, err
	}
	browser, os := BrowserOS(req.UserAgent)
	loc := ""
	if ValidName(req.Location) {
		loc = req.Location
	}
	r := &record{
		Token: token, Secret: secret, Flow: req.FlowID, Binding: append([]byte(nil), req.Binding...),
		Subject: req.Subject, Action: req.Action, IP: ip, Browser: browser, OS: os, Location: loc,
		Start: now, Expires: now.Add(s.cfg.TTL), State: StatePending,
	}
	index := []string{s.tokenKey(token)} // further keys naming the session
	if mode == ModeDevice {
		if r.Numbers, r.Answer, err = s.numbers(); err != nil {
			return nil, err
		}
	} else {
		if err := s.beginMobile(r, req, now); err != nil {
			return nil, err
		}
		index = append(index, s.docKey(r.DocID))
	}
	b, err := json.Marshal(r)
	if err != nil {
		return nil, unavailable("encode", err)
	}
	key := s.sessionKey(req.FlowID, token)
	ttl := s.keep(r, now)
	if _, err := s.cfg.Store.CompareAndSwap(ctx, key, 0, b, ttl); err != nil {
		return nil, unavailable("store", err)
	}
	// Replace the flow's previous session: the index names the live one.
	if old, _, err := s.cfg.Store.Get(ctx, s.flowKey(req.FlowID)); err == nil {
		if err := s.cfg.Store.Delete(ctx, string(old)); err != nil {
			return nil, unavailable("store", err)
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, unavailable("store", err)
	}
	for _, k := range append(index, s.flowKey(req.FlowID)) {
		if _, err := s.cfg.Store.Put(ctx, k, []byte(key), ttl); err != nil {
			return nil, unavailable("store", err)
		}
	}
	return &Started{Mode: mode, Content: s.content(r, 0), Ref: TokenRef(token), ExpiresAt: r.Expires}, nil
}

// content is what the QR code shows at second t: an animated frame (mode
// A) or the mobileSign URL (mode B).
func (s *Service) content(r *record, t int) string {
	if r.mobile() {
		return s.mobileContent(r)
	}
	return s.frame(r, t).Content()
}

func (s *Service) frame(r *record, t int) Frame {
	return Frame{Prefix: s.cfg.Prefix, Token: r.Token, T: t, MAC: FrameMAC(r.Secret, t)}
}

// Status is what the waiting browser sees.
type Status struct {
	State State `json:"state"`
	// Number is the number to show once a device scanned the code (zero
	// before). It is a secret of the primary channel: only the bound
	// browser receives it.
	Number    int       `json:"number,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
	// Content is the current frame while the session is pending.
	Content string `json:"content,omitempty"`
	// T is the current frame's time and NextAt when the next frame starts.
	T      int       `json:"t"`
	NextAt time.Time `json:"next_at,omitzero"`
	// Signer names who signed an approved mode B session, for the browser
	// to ask "Signed in as <name> — continue?" before it redeems it. Only
	// the bound browser receives it.
	Signer *SignedBy `json:"signer,omitempty"`
}

// SignedBy is who signed a mode B session, as the waiting browser shows it.
type SignedBy struct {
	// Name is the certificate's common name (for the NCA "SURNAME NAME").
	Name string `json:"name"`
	// Confirm is the code the browser's confirmation carries
	// (WithConfirmation): proof that the browser received the name before
	// it redeems the session. It is a secret of the primary channel.
	Confirm string `json:"confirm"`
}

// displayName is how the browser names a signer: the common name, else
// what identifies the certificate.
func displayName(s *MobileSigner) string {
	for _, n := range []string{s.CommonName, s.IIN, s.BIN} {
		if n != "" {
			return n
		}
	}
	return "serial " + s.Serial
}

func (s *Service) status(r *record, now time.Time) *Status {
	st := &Status{State: r.State, ExpiresAt: r.Expires}
	switch r.State {
	case StatePending, StateScanned:
		if !now.Before(r.Expires) {
			st.State = StateExpired
		}
	case StateApproved:
		st.ExpiresAt = r.RedeemBy
		if !now.Before(r.RedeemBy) {
			st.State = StateExpired
		}
	}
	switch st.State {
	case StatePending:
		if r.mobile() {
			st.Content = s.mobileContent(r)
			break
		}
		t := max(int(now.Sub(r.Start)/time.Second), 0)
		st.T = t
		st.Content = s.frame(r, t).Content()
		st.NextAt = r.Start.Add(time.Duration(t+1) * time.Second)
	case StateScanned, StateApproved:
		if !r.mobile() {
			st.Number = r.number()
		} else if st.State == StateApproved && r.Signer != nil {
			st.Signer = &SignedBy{Name: displayName(r.Signer), Confirm: r.Confirm}
		}
	}
	return st
}

// Status returns the flow's session as the bound browser sees it: the
// state, the current frame while pending, the number once scanned. A
// request without the session's binding hash is ErrBinding.
func (s *Service) Status(ctx context.Context, flowID string, binding []byte) (*Status, error) {
	r, _, err := s.byFlow(ctx, flowID)
	if err != nil {
		return nil, err
	}
	if !bindingOK(r, binding) {
		return nil, ErrBinding
	}
	return s.status(r, s.cfg.Now()), nil
}

// Wait polls the session every poll interval until its state differs from
// after, or ctx ends (then it returns the last status). It is the long
// poll and the event stream of the browser handler.
func (s *Service) Wait(ctx context.Context, flowID string, binding []byte, after State, poll time.Duration) (*Status, error) {
	if poll <= 0 {
		poll = time.Second
	}
	t := time.NewTimer(0)
	defer t.Stop()
	var last *Status
	for {
		select {
		case <-ctx.Done():
			if last == nil {
				return nil, ctx.Err()
			}
			return last, nil
		case <-t.C:
		}
		st, err := s.Status(ctx, flowID, binding)
		if err != nil {
			return nil, err
		}
		if st.State != after {
			return st, nil
		}
		last = st
		t.Reset(poll)
	}
}

// --- phone side ---

// device returns an enrolled device and its key.
func (s *Service) device(ctx context.Context, id string) (*Device, error) {
	d, err := s.cfg.Devices.Get(ctx, id)
	if errors.Is(err, ErrDeviceNotFound) {
		return nil, ErrUnknownDevice
	}
	if err != nil {
		return nil, unavailable("device store", err)
	}
	return &d, nil
}

// open parses and authenticates a phone request: the document, the
// device, its signature and the signed time.
func (s *Service) open(ctx context.Context, body []byte, typ DocType, now time.Time) (*Opened, *Device, error) {
	o, err := OpenSigned(body, typ)
	if err != nil {
		return nil, nil, err
	}
	d, err := s.device(ctx, o.Doc.Device)
	if err != nil {
		return nil, nil, err
	}
	pub, err := d.Key()
	if err != nil {
		return nil, nil, unavailable("device store", errors.New("stored device key does not parse"))
	}
	if !VerifySignature(pub, o.Raw, o.Sig) {
		return nil, nil, ErrSignature
	}
	if err := s.checkTime(o.Doc.Time, now); err != nil {
		return nil, nil, err
	}
	return o, d, nil
}

// checkTime refuses a signed time (Unix seconds, up to 12 digits in the
// document format) further than RequestSkew from now. It compares whole
// seconds: converting the difference to a time.Duration would overflow for
// times centuries away and let them pass.
func (s *Service) checkTime(t int64, now time.Time) error {
	d, limit := t-now.Unix(), int64(s.cfg.RequestSkew/time.Second)
	if d > limit || d < -limit {
		return ErrRequestTime
	}
	return nil
}

// Details are what the phone shows about the request before the user
// picks a number. The approval signs their digest (DetailsDigest of the
// exact JSON bytes of ScanResult.Details).
type Details struct {
	Service    string    `json:"service"`
	Action     string    `json:"action"`
	ActionText string    `json:"action_text"`
	Browser    string    `json:"browser"`
	OS         string    `json:"os"`
	IP         string    `json:"ip,omitempty"`
	Location   string    `json:"location,omitempty"`
	Time       time.Time `json:"time"`
	ExpiresAt  time.Time `json:"expires_at"`
	// Device is the name of the device the session is now bound to.
	Device string `json:"device"`
}

// ScanResult is what a successful scan returns to the phone.
type ScanResult struct {
	// Session is the session token (from the frame) to put in the
	// approval or denial.
	Session string `json:"session"`
	// Details, as exact JSON bytes; the approval carries their digest.
	Details json.RawMessage `json:"details"`
	// Numbers are the three numbers to offer; the browser shows one.
	Numbers   [3]int    `json:"numbers"`
	ExpiresAt time.Time `json:"expires_at"`
}

// String redacts the session token.
func (r *ScanResult) String() string { return "qr.ScanResult{session " + TokenRef(r.Session) + "}" }

// Scan authenticates a phone's scan of a frame and binds the session to
// that device: the first device to scan wins, any other is ErrOtherDevice;
// the same device may scan again (its details are returned again). It
// checks the device signature, the signed time, the frame's HMAC (forgery
// is ErrForgedFrame), its age (ErrStaleFrame, ErrFutureFrame), the session's
// lifetime and that a flow with a subject is approved only by that
// subject's devices (ErrWrongSubject). lang ("kk", "ru", "en") picks the
// action text.
func (s *Service) Scan(ctx context.Context, body []byte, lang string) (*ScanResult, error) {
	now := s.cfg.Now()
	o, dev, err := s.open(ctx, body, DocScan, now)
	if err != nil {
		return nil, err
	}
	fr, err := ParseFrame(o.Doc.Frame)
	if err != nil {
		return nil, err
	}
	if fr.Prefix != s.cfg.Prefix {
		return nil, malformed("frame prefix")
	}
	key, err := s.byToken(ctx, fr.Token)
	if err != nil {
		return nil, err
	}
	r, _, err := s.get(ctx, key)
	if err != nil {
		return nil, err
	}
	if r.mobile() {
		return nil, ErrNoSession
	}
	if !hmac.Equal(FrameMAC(r.Secret, fr.T), fr.MAC) {
		return nil, ErrForgedFrame
	}
	age := now.Sub(r.Start.Add(time.Duration(fr.T) * time.Second))
	switch {
	case age < 0:
		return nil, ErrFutureFrame
	case age > s.cfg.MaxFrameAge:
		return nil, ErrStaleFrame
	}
	if err := s.live(ctx, r, key); err != nil {
		return nil, err
	}
	var details []byte
	r, err = s.update(ctx, key, now, func(r *record) (bool, error) {
		if !now.Before(r.Expires) {
			return false, ErrExpired
		}
		switch r.State {
		case StatePending:
			if r.Subject != "" && r.Subject != dev.Subject {
				return false, ErrWrongSubject
			}
			r.State, r.Device, r.DeviceSubject, r.DeviceName, r.ScannedAt = StateScanned, dev.ID, dev.Subject, dev.Name, now
		case StateScanned:
			if r.Device != dev.ID {
				return false, ErrOtherDevice
			}
		case StateApproved:
			if r.Device != dev.ID {
				return false, ErrOtherDevice
			}
			return false, ErrReplay
		case StateDenied:
			return false, ErrDenied
		default:
			return false, ErrFailed
		}
		details, err = json.Marshal(s.details(r, lang))
		if err != nil {
			return false, unavailable("encode", err)
		}
		r.Digest = DetailsDigest(details)
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return &ScanResult{Session: r.Token, Details: details, Numbers: r.Numbers, ExpiresAt: r.Expires}, nil
}

func (s *Service) details(r *record, lang string) *Details {
	text := s.cfg.ActionText(r.Action, lang)
	if text == "" {
		text = r.Action
	}
	return &Details{
		Service: s.cfg.Service, Action: r.Action, ActionText: text, Browser: r.Browser, OS: r.OS,
		IP: r.IP, Location: r.Location, Time: r.Start.UTC(), ExpiresAt: r.Expires.UTC(), Device: r.DeviceName,
	}
}

// Approve verifies a phone's approval: the device signature and time, that
// the session is live and scanned by this very device (ErrOtherDevice,
// ErrNotScanned), not yet approved (ErrReplay), denied (ErrDenied) or
// failed (ErrFailed); that it approves the details shown (else ErrDetails)
// and carries the browser's number (else ErrWrongNumber). A wrong number or
// other details fail the session for good. On success the browser may
// redeem the approval within RedeemTTL.
func (s *Service) Approve(ctx context.Context, body []byte) error {
	now := s.cfg.Now()
	o, dev, err := s.open(ctx, body, DocApprove, now)
	if err != nil {
		return err
	}
	key, err := s.byToken(ctx, o.Doc.Session)
	if err != nil {
		return err
	}
	r, _, err := s.get(ctx, key)
	if err != nil {
		return err
	}
	if r.mobile() {
		return ErrNoSession
	}
	if err := s.live(ctx, r, key); err != nil {
		return err
	}
	_, err = s.update(ctx, key, now, func(r *record) (bool, error) {
		switch r.State {
		case StatePending:
			return false, ErrNotScanned
		case StateApproved:
			if r.Device != dev.ID {
				return false, ErrOtherDevice
			}
			return false, ErrReplay
		case StateDenied:
			return false, ErrDenied
		case StateFailed:
			return false, ErrFailed
		}
		if r.Device != dev.ID {
			return false, ErrOtherDevice
		}
		if !now.Before(r.Expires) {
			return false, ErrExpired
		}
		if subtle.ConstantTimeCompare([]byte(o.Doc.Action), []byte(r.Digest)) != 1 {
			r.State, r.DecidedAt = StateFailed, now
			return true, ErrDetails
		}
		if subtle.ConstantTimeEq(int32(o.Doc.Number), int32(r.number())) != 1 {
			r.State, r.DecidedAt = StateFailed, now
			return true, ErrWrongNumber
		}
		r.State, r.DecidedAt, r.RedeemBy = StateApproved, now, now.Add(s.cfg.RedeemTTL)
		return true, nil
	})
	if err != nil {
		return err
	}
	if err := s.cfg.Devices.Touch(ctx, dev.ID, now); err != nil && !errors.Is(err, ErrDeviceNotFound) {
		return unavailable("device store", err)
	}
	return nil
}

// Denial is what a successful Deny returns, for the caller to cancel the
// flow and raise a fraud report. Nothing in it is secret.
type Denial struct {
	FlowID  string
	Subject string // the device's subject
	Device  string
	Action  string
	// IP, Browser, OS and Location describe the browser that started the
	// session (the suspected attacker).
	IP, Browser, OS, Location string
	// Again is set when the session had already been denied (the phone
	// retried); report it once.
	Again bool
}

// Deny records that the user of the bound device did not start the
// session: the session is denied for good, even after an approval that was
// not redeemed yet, and the flow is marked so that no new QR session begins
// and no redemption succeeds (ErrDenied). A denial is accepted from the
// bound device only, also after the session's lifetime while the record
// lasts, and also for a session a newer one replaced. Denying twice is not
// an error (Denial.Again).
func (s *Service) Deny(ctx context.Context, body []byte) (*Denial, error) {
	now := s.cfg.Now()
	o, dev, err := s.open(ctx, body, DocDeny, now)
	if err != nil {
		return nil, err
	}
	key, err := s.byToken(ctx, o.Doc.Session)
	if err != nil {
		return nil, err
	}
	again := false
	r, err := s.update(ctx, key, now, func(r *record) (bool, error) {
		if r.mobile() {
			return false, ErrNoSession
		}
		if r.State == StatePending {
			return false, ErrNotScanned
		}
		if r.Device != dev.ID {
			return false, ErrOtherDevice
		}
		if r.State == StateDenied {
			again = true
			return false, nil
		}
		r.State, r.DecidedAt = StateDenied, now
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if _, err := s.cfg.Store.Put(ctx, s.deniedKey(r.Flow), []byte{1}, deniedTTL); err != nil {
		return nil, unavailable("store", err)
	}
	return &Denial{FlowID: r.Flow, Subject: dev.Subject, Device: dev.ID, Action: r.Action,
		IP: r.IP, Browser: r.Browser, OS: r.OS, Location: r.Location, Again: again}, nil
}

// Approval is what a redeemed session proved.
type Approval struct {
	Mode Mode
	// Subject is the approving device's subject (mode A) or the subject
	// the signer was mapped to (mode B).
	Subject string
	// Device and DeviceName name the approving device (mode A).
	Device     string
	DeviceName string
	// Signer describes the ECP signer (mode B).
	Signer     *MobileSigner
	ApprovedAt time.Time
}

// RedeemOption adjusts one redemption.
type RedeemOption func(*redeemOptions)

type redeemOptions struct{ confirm string }

// WithConfirmation is the browser's confirmation of who signed a mode B
// session: the code Status gave beside the signer's name (SignedBy.Confirm),
// sent once the user answered "continue" to "Signed in as <name>". Mode A
// sessions ignore it.
func WithConfirmation(code string) RedeemOption {
	return func(o *redeemOptions) { o.confirm = code }
}

// confirmed reports, in constant time, whether code confirms r's signer.
func confirmed(r *record, code string) bool {
	return r.Confirm != "" && subtle.ConstantTimeCompare([]byte(r.Confirm), []byte(code)) == 1
}

// Redeem consumes the flow's approved session, once: it needs the flow's
// binding hash (ErrBinding), an approval (ErrPending before it; ErrDenied,
// ErrFailed, ErrExpired after the other outcomes), a device still enrolled
// (ErrUnknownDevice; mode A) or the browser's confirmation of the signer
// (ErrUnconfirmed without WithConfirmation carrying the code of Status;
// mode B — the session stays approved until then). Of concurrent
// redemptions exactly one succeeds; the others get ErrNoSession or
// ErrReplay. now is the caller's clock reading (zero means the service's
// clock).
func (s *Service) Redeem(ctx context.Context, flowID string, binding []byte, now time.Time, opts ...RedeemOption) (*Approval, error) {
	if now.IsZero() {
		now = s.cfg.Now()
	}
	var o redeemOptions
	for _, f := range opts {
		f(&o)
	}
	if err := s.denied(ctx, flowID); err != nil {
		return nil, err
	}
	r, key, err := s.byFlow(ctx, flowID)
	if err != nil {
		return nil, err
	}
	if !bindingOK(r, binding) {
		return nil, ErrBinding
	}
	if err := redeemable(r, now); err != nil {
		return nil, err
	}
	if !r.mobile() {
		if _, err := s.device(ctx, r.Device); err != nil {
			return nil, err
		}
	} else if !confirmed(r, o.confirm) {
		return nil, ErrUnconfirmed
	}
	b, err := s.cfg.Store.Consume(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrReplay
	}
	if err != nil {
		return nil, unavailable("store", err)
	}
	var c record
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, unavailable("store", errors.New("corrupt session record"))
	}
	if err := s.cfg.Store.Delete(ctx, s.flowKey(flowID)); err != nil {
		return nil, unavailable("store", err)
	}
	// The record may have changed between the read and the consume (a
	// denial overriding the approval): decide on what was consumed.
	if err := redeemable(&c, now); err != nil {
		return nil, err
	}
	if !bindingOK(&c, binding) {
		return nil, ErrBinding
	}
	if c.Mode != r.Mode || c.Device != r.Device {
		return nil, ErrOtherDevice
	}
	if c.mobile() {
		if !confirmed(&c, o.confirm) {
			return nil, ErrUnconfirmed
		}
		if c.Signer == nil {
			return nil, unavailable("store", errors.New("approved mode B session without a signer"))
		}
		return &Approval{Mode: ModeMobileSign, Subject: c.Signer.Subject, Signer: c.Signer, ApprovedAt: c.DecidedAt}, nil
	}
	return &Approval{Mode: ModeDevice, Subject: c.DeviceSubject, Device: c.Device, DeviceName: c.DeviceName, ApprovedAt: c.DecidedAt}, nil
}

func redeemable(r *record, now time.Time) error {
	switch r.State {
	case StateApproved:
		if !now.Before(r.RedeemBy) {
			return ErrExpired
		}
		return nil
	case StateDenied:
		return ErrDenied
	case StateFailed:
		return ErrFailed
	}
	if !now.Before(r.Expires) {
		return ErrExpired
	}
	return ErrPending
}

// Denied reports whether the user denied a QR session of this flow
// (ErrDenied) — for a factor that must refuse such a flow for good.
func (s *Service) Denied(ctx context.Context, flowID string) error {
	return s.denied(ctx, flowID)
}

// Abandon ends the flow's QR session at the browser's request ("choose
// another way"): the code, the phone's pending answer and an approval not
// yet redeemed are gone; the flow itself stays open for another factor,
// and a later Begin starts a new session. It needs the flow's binding hash
// (ErrBinding); a flow without a session is not an error. A phone that
// scans or answers afterwards gets ErrNoSession, and so does Redeem.
func (s *Service) Abandon(ctx context.Context, flowID string, binding []byte) error {
	r, key, err := s.byFlow(ctx, flowID)
	if errors.Is(err, ErrNoSession) {
		return nil
	}
	if err != nil {
		return err
	}
	if !bindingOK(r, binding) {
		return ErrBinding
	}
	// The flow index stays: it names a session that no longer exists
	// (ErrNoSession) until a new Begin replaces it or it expires.
	if err := s.cfg.Store.Delete(ctx, key); err != nil {
		return unavailable("store", err)
	}
	if r.mobile() && r.DocID != "" {
		if err := s.cfg.Store.Delete(ctx, s.docKey(r.DocID)); err != nil {
			return unavailable("store", err)
		}
	}
	return nil
}
