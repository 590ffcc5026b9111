package main

// Revocation in development. The portal checks every signer's certificate
// as a production host checks the NCA's: OCSP first, the CA's CRL when
// OCSP gives no usable answer (revocation.OCSPThenCRL). Here the OCSP
// responder is the portal's own (signature/devpki.OCSPResponder on a
// loopback port), signing with the development CAs' keys and answering
// from the development revocation list — which the dev panel changes:
//
//   - the list lives in the Store, so every instance sharing it (-redis)
//     answers alike;
//   - revoking or reinstating a person drops the cached OCSP answer about
//     their certificate (revocation.Checker.Forget), so the change is seen
//     at the next login, not when the cached answer expires;
//   - the CA's CRL is re-issued from the list (a higher CRL number) before
//     the next check on every instance, so that with the responder down
//     (the panel can stop it) the CRL says the same.

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/revocation"
	"github.com/strongauth/strongauth/store"
)

const (
	// devRevocationsKey is the store key of the development revocation
	// list.
	devRevocationsKey = "portal:dev:revocations"
	// devRevocationsTTL is how long the list is kept (it is rewritten on
	// every change).
	devRevocationsTTL = 30 * 24 * time.Hour
	// devCRLValidity is the validity of the re-issued CRLs; they are
	// backdated by devCRLBackdate so that the dev clock control may move
	// the clock back (reset) without making them "not yet valid".
	devCRLValidity = 365 * 24 * time.Hour
	devCRLBackdate = time.Hour
)

// revList is the development revocation list: revoked serial numbers (hex)
// and a number that grows with every change (the CRL number).
type revList struct {
	Number  int64               `json:"n"`
	Revoked map[string]revEntry `json:"revoked"`
}

type revEntry struct {
	At     time.Time `json:"at"`
	Reason int       `json:"reason"`
}

// devRevocation is the development revocation: the list, the OCSP
// responder over it and the checker the verifier uses.
type devRevocation struct {
	pki     *devPKI
	store   store.Store
	now     func() time.Time
	checker *revocation.Checker
	ocsp    *devpki.OCSPResponder
	ln      net.Listener
	srv     *http.Server
	url     string
	// down makes the responder answer 503 (the dev panel's "stop"): the
	// checker then falls back to the CRL.
	down atomic.Bool

	mu      sync.Mutex
	applied int64 // the list number of the CRL the checker holds
}

// newDevRevocation starts the OCSP responder on addr ("127.0.0.1:0" when
// empty) and makes the checker.
func newDevRevocation(pki *devPKI, st store.Store, now func() time.Time, audit auth.Auditor, addr string) (*devRevocation, error) {
	if pki.rootCA == nil || pki.issuing == nil {
		return nil, errors.New("portal: the development PKI has no CA keys for its OCSP responder")
	}
	d := &devRevocation{pki: pki, store: st, now: now, applied: 1}
	var err error
	if d.ocsp, err = devpki.NewOCSPResponder(devpki.OCSPResponderConfig{
		CAs: []*devpki.CA{pki.rootCA, pki.issuing}, Status: d.status, Now: now,
	}); err != nil {
		return nil, err
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if d.ln, err = net.Listen("tcp", addr); err != nil {
		return nil, fmt.Errorf("portal: OCSP responder: %w", err)
	}
	d.url = "http://" + d.ln.Addr().String()
	d.checker, err = revocation.New(revocation.Config{
		Mode:     revocation.OCSPThenCRL, // as against the NCA
		OCSPURLs: []string{d.url},        // the certificates name no responder
		CRLs:     pki.crls,               // number 1: the persons marked Revoked
		Timeout:  2 * time.Second,
		Cache:    st, Now: now, Audit: audit,
	})
	if err != nil {
		d.ln.Close()
		return nil, err
	}
	d.srv = &http.Server{Handler: http.HandlerFunc(d.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = d.srv.Serve(d.ln) }()
	return d, nil
}

func (d *devRevocation) serve(w http.ResponseWriter, r *http.Request) {
	if d.down.Load() {
		http.Error(w, "the development OCSP responder is stopped (dev panel)", http.StatusServiceUnavailable)
		return
	}
	d.ocsp.ServeHTTP(w, r)
}

// Close stops the responder and the checker.
func (d *devRevocation) Close() {
	_ = d.srv.Close()
	_ = d.checker.Close()
}

// CheckRevocation implements signature.RevocationChecker: the checker's
// answer, after bringing its CRL up to the list (a change made on another
// instance included). A list it cannot read denies.
func (d *devRevocation) CheckRevocation(ctx context.Context, cert, issuer *x509.Certificate) (signature.RevocationStatus, error) {
	if err := d.sync(ctx); err != nil {
		return signature.RevocationStatus{}, fmt.Errorf("%w: the development revocation list: %w", signature.ErrRevocationUnavailable, err)
	}
	return d.checker.CheckRevocation(ctx, cert, issuer)
}

// initial is the list the dev PKI was made with: the persons marked
// Revoked, as in the CRL number 1.
func (d *devRevocation) initial() *revList {
	l := &revList{Number: 1, Revoked: map[string]revEntry{}}
	for _, e := range d.pki.revokedAtStart() {
		l.Revoked[e.Serial.Text(16)] = revEntry{At: e.At.UTC(), Reason: e.Reason}
	}
	return l
}

// load reads the list and its store version (0: not stored yet).
func (d *devRevocation) load(ctx context.Context) (*revList, uint64, error) {
	b, v, err := d.store.Get(ctx, devRevocationsKey)
	if errors.Is(err, store.ErrNotFound) {
		return d.initial(), 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	l, err := decodeRevList(b)
	return l, v, err
}

func decodeRevList(b []byte) (*revList, error) {
	var l revList
	if err := json.Unmarshal(b, &l); err != nil || l.Number < 1 || l.Revoked == nil {
		return nil, errors.New("portal: the stored development revocation list is corrupt")
	}
	return &l, nil
}

// status answers the OCSP responder: the CA is never revoked; a person's
// certificate is revoked when it is on the list; a serial the dev CA
// never issued is unknown.
func (d *devRevocation) status(ctx context.Context, issuer *x509.Certificate, serial *big.Int) (devpki.OCSPCertStatus, devpki.Revoked, error) {
	if issuer.Equal(d.pki.root) {
		if serial.Cmp(d.pki.ca.SerialNumber) == 0 {
			return devpki.OCSPGood, devpki.Revoked{}, nil
		}
		return devpki.OCSPUnknown, devpki.Revoked{}, nil
	}
	l, _, err := d.load(ctx)
	if err != nil {
		return 0, devpki.Revoked{}, err
	}
	if e, ok := l.Revoked[serial.Text(16)]; ok {
		return devpki.OCSPRevoked, devpki.Revoked{Serial: serial, At: e.At, Reason: e.Reason}, nil
	}
	if _, ok := d.pki.leafBySerial(serial); ok {
		return devpki.OCSPGood, devpki.Revoked{}, nil
	}
	return devpki.OCSPUnknown, devpki.Revoked{}, nil
}

// errNoSuchPerson reports a revocation request for an unknown IIN.
var errNoSuchPerson = &apiError{status: http.StatusNotFound, code: "not_found"}

// setRevoked revokes (keyCompromise) or reinstates the certificate of the
// person with iin, then drops the cached OCSP answer about it and brings
// the CRL up to date.
func (d *devRevocation) setRevoked(ctx context.Context, iin string, revoked bool) error {
	leaf, ok := d.pki.leafByIIN(iin)
	if !ok {
		return errNoSuchPerson
	}
	serial := leaf.leaf.Cert.SerialNumber.Text(16)
	done := false
	for range 16 {
		l, v, err := d.load(ctx)
		if err != nil {
			return err
		}
		if _, is := l.Revoked[serial]; is == revoked {
			done = true // already so
			break
		}
		if revoked {
			l.Revoked[serial] = revEntry{At: d.now().UTC().Truncate(time.Second), Reason: 1} // keyCompromise
		} else {
			delete(l.Revoked, serial)
		}
		l.Number++
		b, err := json.Marshal(l)
		if err != nil {
			return err
		}
		_, err = d.store.CompareAndSwap(ctx, devRevocationsKey, v, b, devRevocationsTTL)
		if errors.Is(err, store.ErrConflict) {
			continue // another change came first: apply ours to it
		}
		if err != nil {
			return err
		}
		done = true
		break
	}
	if !done {
		return fmt.Errorf("%w: the development revocation list keeps changing", store.ErrConflict)
	}
	if err := d.checker.Forget(ctx, leaf.leaf.Cert, d.pki.ca); err != nil {
		return err
	}
	return d.sync(ctx)
}

// sync re-issues the CA's CRL from the list when the list changed since
// the checker got its last one.
func (d *devRevocation) sync(ctx context.Context) error {
	b, _, err := d.store.Get(ctx, devRevocationsKey)
	if errors.Is(err, store.ErrNotFound) {
		return nil // the initial list, number 1: the checker began with its CRL
	}
	if err != nil {
		return err
	}
	l, err := decodeRevList(b)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if l.Number <= d.applied {
		return nil
	}
	now := d.now()
	entries := make([]devpki.Revoked, 0, len(l.Revoked))
	for hex, e := range l.Revoked {
		serial, ok := new(big.Int).SetString(hex, 16)
		if !ok {
			return errors.New("portal: the stored development revocation list is corrupt")
		}
		entries = append(entries, devpki.Revoked{Serial: serial, At: e.At, Reason: e.Reason})
	}
	crl, err := d.pki.issuing.CRL(devpki.CRLOptions{Number: l.Number, Revoked: entries,
		ThisUpdate: now.Add(-devCRLBackdate), NextUpdate: now.Add(devCRLValidity)})
	if err != nil {
		return err
	}
	if err := d.checker.AddCRL(crl, d.pki.ca); err != nil {
		return err
	}
	d.applied = l.Number
	return nil
}

// revokedSerials is the list's revoked serials (hex), for the dev panel.
func (d *devRevocation) revokedSerials(ctx context.Context) (map[string]bool, int64, error) {
	l, _, err := d.load(ctx)
	if err != nil {
		return nil, 0, err
	}
	out := make(map[string]bool, len(l.Revoked))
	for s := range l.Revoked {
		out[s] = true
	}
	return out, l.Number, nil
}
