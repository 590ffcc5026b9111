package main

// The development panel (/dev): the test persons' certificates, revoked or
// reinstated at a click (devrevocation.go), the development OCSP responder
// stopped and started to show the CRL fallback, and — with -dev-clock — the
// portal's clock moved forward, so that the five-minute step-up expiry can
// be shown without waiting.

import (
	"encoding/json"
	"errors"
	"net/http"
	"sync/atomic"
	"time"
)

// devClock is the portal's clock plus an offset the dev panel moves. Every
// part of the portal reads it (engine, factors, store, sessions, the
// revocation checker and the OCSP responder, the dev PKI's signing
// times), so moving it is as if that much time had passed.
type devClock struct {
	base   func() time.Time
	offset atomic.Int64 // nanoseconds
}

// Now is the clock.
func (c *devClock) Now() time.Time { return c.base().Add(time.Duration(c.offset.Load())) }

// maxDevClockStep and maxDevClockOffset bound the clock control.
const (
	maxDevClockStep   = 24 * time.Hour
	maxDevClockOffset = 30 * 24 * time.Hour
)

var errDevClock = &apiError{status: http.StatusBadRequest, code: "invalid_input"}

// devRoutes mounts the panel; the clock control only with Config.DevClock.
func (p *Portal) devRoutes() {
	p.mux.HandleFunc("GET /dev", p.devPage)
	p.mux.HandleFunc("GET /dev/api/state", p.devState)
	p.mux.HandleFunc("POST /dev/api/revocation", p.api(p.devRevoke))
	p.mux.HandleFunc("POST /dev/api/ocsp", p.api(p.devOCSP))
	if p.clock != nil {
		p.mux.HandleFunc("POST /dev/api/clock", p.api(p.devClockMove))
	}
}

func (p *Portal) devPage(w http.ResponseWriter, r *http.Request) {
	p.pages.render(w, r, "dev", "Development panel")
}

// devPerson is a test person as the panel shows it.
type devPerson struct {
	IIN     string `json:"iin"`
	Name    string `json:"name"`
	Role    string `json:"role,omitempty"`
	Revoked bool   `json:"revoked"`
}

func (p *Portal) devState(w http.ResponseWriter, r *http.Request) {
	revoked, number, err := p.rev.revokedSerials(r.Context())
	if err != nil {
		p.fail(w, r, err)
		return
	}
	people := make([]devPerson, 0, len(p.pki.leaves))
	for _, l := range p.pki.leaves {
		people = append(people, devPerson{IIN: l.person.IIN, Name: l.person.FullName(), Role: l.person.Role(),
			Revoked: revoked[l.leaf.Cert.SerialNumber.Text(16)]})
	}
	clock := map[string]any{"enabled": p.clock != nil, "now": p.cfg.Now().UTC()}
	if p.clock != nil {
		clock["offset_seconds"] = time.Duration(p.clock.offset.Load()).Seconds()
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"people": people, "crl_number": number, "clock": clock,
		"ocsp": map[string]any{"url": p.rev.url, "up": !p.rev.down.Load(), "mode": "ocsp-then-crl"},
	})
}

func (p *Portal) devRevoke(r *http.Request) (any, error) {
	var req struct {
		IIN     string `json:"iin"`
		Revoked *bool  `json:"revoked"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Revoked == nil || len(req.IIN) != 12 {
		return nil, errBadRequest
	}
	if err := p.rev.setRevoked(r.Context(), req.IIN, *req.Revoked); err != nil {
		return nil, err
	}
	p.cfg.Log.Warn("dev panel: certificate status changed", "revoked", *req.Revoked) // no IIN: personal data
	return map[string]any{"iin": req.IIN, "revoked": *req.Revoked}, nil
}

func (p *Portal) devOCSP(r *http.Request) (any, error) {
	var req struct {
		Up *bool `json:"up"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Up == nil {
		return nil, errBadRequest
	}
	p.rev.down.Store(!*req.Up)
	return map[string]any{"up": *req.Up}, nil
}

// devClockMove moves the clock: {"advance": "5m"} forward (at most a day
// at a time and thirty days in all), {"reset": true} back to the real
// time.
func (p *Portal) devClockMove(r *http.Request) (any, error) {
	var req struct {
		Advance string `json:"advance"`
		Reset   bool   `json:"reset"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || (req.Advance == "") == !req.Reset {
		return nil, errBadRequest
	}
	if req.Reset {
		p.clock.offset.Store(0)
	} else {
		d, err := time.ParseDuration(req.Advance)
		if err != nil || d <= 0 || d > maxDevClockStep {
			return nil, errDevClock
		}
		for {
			old := p.clock.offset.Load()
			next := time.Duration(old) + d
			if next > maxDevClockOffset {
				return nil, errDevClock
			}
			if p.clock.offset.CompareAndSwap(old, int64(next)) {
				break
			}
		}
	}
	p.cfg.Log.Warn("dev panel: clock moved", "offset", time.Duration(p.clock.offset.Load()).String())
	return map[string]any{"now": p.cfg.Now().UTC(), "offset_seconds": time.Duration(p.clock.offset.Load()).Seconds()}, nil
}

// errDevClockShared refuses the clock control where one instance's clock
// would disagree with the others'.
var errDevClockShared = errors.New("portal: DevClock needs a store of its own (one instance): a shared store's instances would disagree on the time")
