package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"maps"
	"net/http"
	"sync"
	"time"

	"github.com/strongauth/strongauth/auth"
)

// The host's own sessions: the library never owns them. A session is made
// when a login flow completes (authhttp's OnResult) and keeps the latest
// Result per action, which the step-up middleware (Require) checks.
const (
	sessionIdle = 30 * time.Minute
	maxSessions = 10000
)

var errSessionMismatch = errors.New("portal: the result is for another person than the session's")

type session struct {
	Subject string
	Results map[string]*auth.Result
	Created time.Time
	Seen    time.Time
}

// sessions is an in-memory session table keyed by the SHA-256 of the
// session cookie, so the table holds no usable secret.
type sessions struct {
	mu   sync.Mutex
	m    map[string]*session
	now  func() time.Time
	rand io.Reader
}

func newSessions(now func() time.Time, rand io.Reader) *sessions {
	return &sessions{m: make(map[string]*session), now: now, rand: rand}
}

func sessionKey(id string) string {
	h := sha256.Sum256([]byte("portal/session\x00" + id))
	return hex.EncodeToString(h[:])
}

// create starts a fresh session (a new ID, so a fixed cookie never becomes
// a logged-in one) for the subject of a login result.
func (s *sessions) create(res *auth.Result) (string, error) {
	var b [32]byte
	if _, err := io.ReadFull(s.rand, b[:]); err != nil {
		return "", err
	}
	id := base64.RawURLEncoding.EncodeToString(b[:])
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(now)
	if len(s.m) >= maxSessions {
		return "", errors.New("portal: too many sessions")
	}
	s.m[sessionKey(id)] = &session{Subject: res.Subject, Results: map[string]*auth.Result{res.Action: res}, Created: now, Seen: now}
	return id, nil
}

// expire drops idle sessions; the caller holds mu.
func (s *sessions) expire(now time.Time) {
	for k, v := range s.m {
		if now.Sub(v.Seen) > sessionIdle {
			delete(s.m, k)
		}
	}
}

// get returns a copy of the session of id, if it is live.
func (s *sessions) get(id string) (*session, bool) {
	if id == "" {
		return nil, false
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[sessionKey(id)]
	if !ok || now.Sub(v.Seen) > sessionIdle {
		return nil, false
	}
	v.Seen = now
	c := *v
	c.Results = maps.Clone(v.Results)
	return &c, true
}

// add keeps a step-up result in the session; it must be the session's
// person.
func (s *sessions) add(id string, res *auth.Result) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[sessionKey(id)]
	if !ok {
		return errors.New("portal: no session")
	}
	if v.Subject != res.Subject {
		return errSessionMismatch
	}
	v.Results[res.Action] = res
	return nil
}

func (s *sessions) delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, sessionKey(id))
}

// cookie names the session cookie: "__Host-portal" over HTTPS.
func sessionCookieName(secure bool) string {
	if secure {
		return "__Host-portal"
	}
	return "portal"
}

func sessionCookie(name, value string, secure bool, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteStrictMode, MaxAge: maxAge}
}
