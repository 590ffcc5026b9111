package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/strongauth/strongauth/auth"
)

// Linking a phone (the QR factor's mode A): the app enrols its device key
// through the qr factor's EnrolHandler, which needs the account and fresh
// strong evidence of the host's session. The app has no browser cookie, so
// the cabinet gives it a phone-linking token: random, valid five minutes,
// bound to the session's person and to the evidence of its freshest strong
// factor, good for one enrolment. The qr factor checks again that the
// evidence is strong, for that person and at most five minutes old.

const phoneTokenPrefix = "portal:phone-token:"

type phoneToken struct {
	Subject  string          `json:"subject"`
	Evidence []auth.Evidence `json:"evidence"`
}

func phoneTokenKey(token string) string {
	h := sha256.Sum256([]byte(token))
	return phoneTokenPrefix + hex.EncodeToString(h[:])
}

// phoneToken issues a token for the session's person, or asks for a step-up
// when their strong factor is older than five minutes.
func (p *Portal) phoneToken(r *http.Request) (any, error) {
	s, ok := p.session(r)
	if !ok {
		return nil, errNotLoggedIn
	}
	res := freshest(s.Results)
	if res == nil || !strongSince(res, p.cfg.Now().Add(-stepUpAge)) {
		return nil, &stepUp{action: actionAddPhone}
	}
	var b [32]byte
	if _, err := io.ReadFull(p.cfg.Rand, b[:]); err != nil {
		return nil, err
	}
	token := base64.RawURLEncoding.EncodeToString(b[:])
	rec, err := json.Marshal(phoneToken{Subject: s.Subject, Evidence: res.Evidence})
	if err != nil {
		return nil, err
	}
	if _, err := p.store.Put(r.Context(), phoneTokenKey(token), rec, phoneTokenTTL); err != nil {
		return nil, err
	}
	return map[string]any{
		"token": token, "expires_at": p.cfg.Now().Add(phoneTokenTTL),
		"phone_url": p.cfg.Origin + "/qr/phone", "enrol_url": p.cfg.Origin + "/qr/enrol",
	}, nil
}

// phoneEvidence is the qr EnrolHandler's view of the host session: the
// bearer phone-linking token. The finish step uses the token up.
func (p *Portal) phoneEvidence(r *http.Request) (string, []auth.Evidence, error) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || len(token) != 43 {
		return "", nil, errors.New("portal: no phone-linking token")
	}
	key := phoneTokenKey(token)
	var rec []byte
	var err error
	if strings.HasSuffix(r.URL.Path, "/finish") {
		rec, err = p.store.Consume(r.Context(), key)
	} else {
		rec, _, err = p.store.Get(r.Context(), key)
	}
	if err != nil {
		return "", nil, errors.New("portal: unknown, used or expired phone-linking token")
	}
	var t phoneToken
	if err := json.Unmarshal(rec, &t); err != nil {
		return "", nil, err
	}
	return t.Subject, t.Evidence, nil
}

// strongSince reports whether a result holds strong evidence from t on.
func strongSince(res *auth.Result, t time.Time) bool {
	for _, e := range res.Evidence {
		if e.Strength == auth.Strong && !e.Time.Before(t) {
			return true
		}
	}
	return false
}
