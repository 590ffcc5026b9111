package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/store"
)

// The host's own sessions: the library never owns them. A session is made
// when a login flow completes (authhttp's OnResult) and keeps the latest
// Result per action, which the step-up middleware (Require) checks.
// Sessions live in the portal's Store, so that every instance behind one
// origin knows them: a session made by one is used by the next request,
// whichever instance takes it.
const (
	sessionIdle = 30 * time.Minute
	// sessionTouch is how stale a session's last use may get before a
	// request writes the new one: a session's idle timeout is exact to
	// within this, at the cost of a write a minute instead of one per
	// request.
	sessionTouch = time.Minute
	// sessionPrefix prefixes the store keys of sessions.
	sessionPrefix = "portal:session:"
)

var errSessionMismatch = errors.New("portal: the result is for another person than the session's")

type session struct {
	Subject string                  `json:"subject"`
	Results map[string]*auth.Result `json:"results"`
	Created time.Time               `json:"created"`
	Seen    time.Time               `json:"seen"`
}

// sessions keeps sessions in a store.Store under the SHA-256 of the
// session cookie, so the store holds no usable secret, each with the idle
// timeout as its lifetime.
type sessions struct {
	st   store.Store
	now  func() time.Time
	rand io.Reader
}

func newSessions(st store.Store, now func() time.Time, rand io.Reader) *sessions {
	return &sessions{st: st, now: now, rand: rand}
}

func sessionKey(id string) string {
	h := sha256.Sum256([]byte("portal/session\x00" + id))
	return sessionPrefix + hex.EncodeToString(h[:])
}

// create starts a fresh session (a new ID, so a fixed cookie never becomes
// a logged-in one) for the subject of a login result.
func (s *sessions) create(ctx context.Context, res *auth.Result) (string, error) {
	var b [32]byte
	if _, err := io.ReadFull(s.rand, b[:]); err != nil {
		return "", err
	}
	id := base64.RawURLEncoding.EncodeToString(b[:])
	now := s.now()
	v, err := json.Marshal(&session{Subject: res.Subject, Results: map[string]*auth.Result{res.Action: res}, Created: now, Seen: now})
	if err != nil {
		return "", err
	}
	if _, err := s.st.Put(ctx, sessionKey(id), v, sessionIdle); err != nil {
		return "", err
	}
	return id, nil
}

// load reads the session of id and its version; ok is false for none, an
// idle one or one the store cannot give (every failure denies).
func (s *sessions) load(ctx context.Context, id string) (*session, uint64, bool) {
	if id == "" {
		return nil, 0, false
	}
	b, ver, err := s.st.Get(ctx, sessionKey(id))
	if err != nil {
		return nil, 0, false
	}
	var v session
	if err := json.Unmarshal(b, &v); err != nil || v.Subject == "" || v.Results == nil {
		return nil, 0, false
	}
	if s.now().Sub(v.Seen) > sessionIdle {
		return nil, 0, false
	}
	return &v, ver, true
}

// get returns the session of id, if it is live, and records its use when
// the last one is older than sessionTouch.
func (s *sessions) get(ctx context.Context, id string) (*session, bool) {
	v, ver, ok := s.load(ctx, id)
	if !ok {
		return nil, false
	}
	if now := s.now(); now.Sub(v.Seen) > sessionTouch {
		v.Seen = now
		if b, err := json.Marshal(v); err == nil {
			// A conflict means another request wrote it meanwhile, which
			// recorded a use as well.
			_, _ = s.st.CompareAndSwap(ctx, sessionKey(id), ver, b, sessionIdle)
		}
	}
	return v, true
}

// add keeps a step-up result in the session; it must be the session's
// person.
func (s *sessions) add(ctx context.Context, id string, res *auth.Result) error {
	for range 8 { // concurrent writers: read again and retry
		v, ver, ok := s.load(ctx, id)
		if !ok {
			return errors.New("portal: no session")
		}
		if v.Subject != res.Subject {
			return errSessionMismatch
		}
		v.Results[res.Action] = res
		v.Seen = s.now()
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		_, err = s.st.CompareAndSwap(ctx, sessionKey(id), ver, b, sessionIdle)
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return errors.New("portal: the session changed too often to add a result")
}

func (s *sessions) delete(ctx context.Context, id string) {
	_ = s.st.Delete(ctx, sessionKey(id))
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
