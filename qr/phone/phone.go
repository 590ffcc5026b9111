// Package phone is the phone side of a QR approval (mode A), in Go: it
// keeps a device key, enrols it, scans a frame, shows what is asking and
// approves with the number the user picks, or denies. examples/mobile and
// the tests use it; it is also the reference for app developers of what to
// sign and send.
//
// A real app keeps the key in secure hardware (Secure Enclave, StrongBox)
// and unlocks it with biometrics or a PIN for every signature; this package
// keeps it in memory or a PEM file.
package phone

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/strongauth/strongauth/qr"
)

// GenerateKey returns a new P-256 device key.
func GenerateKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// MarshalKey encodes a device key as a PKCS #8 PEM block.
func MarshalKey(k *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParseKey decodes a PKCS #8 PEM P-256 key.
func ParseKey(b []byte) (*ecdsa.PrivateKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, errors.New("phone: not a PEM PRIVATE KEY")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("phone: %w", err)
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok || ek.Curve != elliptic.P256() {
		return nil, errors.New("phone: not a P-256 key")
	}
	return ek, nil
}

// ServerError is an error answer of the server.
type ServerError struct {
	Status  int
	Code    string
	Reason  string
	Message string
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("phone: server answered %d %s (%s): %s", e.Status, e.Code, e.Reason, e.Message)
}

// Client is a phone: a device key and, once enrolled, its device ID.
type Client struct {
	// PhoneURL is the base URL of the factor's PhoneHandler.
	PhoneURL string
	// Key is the device key. Required.
	Key *ecdsa.PrivateKey
	// Device is the device ID from enrolment.
	Device string
	// HTTP is the client to use. Nil means http.DefaultClient.
	HTTP *http.Client
	// Lang is sent as Accept-Language ("kk", "ru", "en").
	Lang string
	// Now is the phone's clock. Nil means time.Now.
	Now func() time.Time
	// Header is added to every request (for example the host session
	// cookie for enrolment).
	Header http.Header
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) post(ctx context.Context, url string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	h := c.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if c.Lang != "" {
		h.Set("Accept-Language", c.Lang)
	}
	return send(ctx, c.HTTP, http.MethodPost, url, h, b, out)
}

// send makes one JSON request and decodes a 200 answer into out (unless
// nil); any other status is a *ServerError.
func send(ctx context.Context, hc *http.Client, method, url string, h http.Header, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var eb struct{ Code, Reason, Message string }
		_ = json.Unmarshal(raw, &eb)
		return &ServerError{Status: resp.StatusCode, Code: eb.Code, Reason: eb.Reason, Message: eb.Message}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}

func (c *Client) sign(d *qr.Document) (*qr.Signed, error) {
	if c.Key == nil {
		return nil, errors.New("phone: no device key")
	}
	d.Time = c.now().Unix()
	return qr.Sign(c.Key, nil, d)
}

// Enrol enrols the key through the factor's EnrolHandler at enrolURL
// (whose requests must carry the host session, see Header) under name, and
// sets c.Device.
func (c *Client) Enrol(ctx context.Context, enrolURL, name string) error {
	enrolURL = strings.TrimSuffix(enrolURL, "/")
	var ch qr.EnrolChallenge
	if err := c.post(ctx, enrolURL+"/begin", struct{}{}, &ch); err != nil {
		return err
	}
	spki, err := x509.MarshalPKIXPublicKey(&c.Key.PublicKey)
	if err != nil {
		return err
	}
	s, err := c.sign(&qr.Document{Type: qr.DocEnrol, Challenge: ch.Challenge, Key: qr.KeyThumbprint(spki), Name: name})
	if err != nil {
		return err
	}
	s.Key = base64.RawURLEncoding.EncodeToString(spki)
	var out struct {
		Device struct{ ID string } `json:"device"`
	}
	if err := c.post(ctx, enrolURL+"/finish", s, &out); err != nil {
		return err
	}
	if out.Device.ID == "" {
		return errors.New("phone: enrolment answered no device ID")
	}
	c.Device = out.Device.ID
	return nil
}

// Scanned is a scan's answer with its details decoded.
type Scanned struct {
	qr.ScanResult
	Shown qr.Details
}

// Scan sends the scanned frame content and returns what to show the user.
func (c *Client) Scan(ctx context.Context, content string) (*Scanned, error) {
	s, err := c.sign(&qr.Document{Type: qr.DocScan, Device: c.Device, Frame: content})
	if err != nil {
		return nil, err
	}
	var res Scanned
	if err := c.post(ctx, c.url("scan"), s, &res.ScanResult); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(res.Details, &res.Shown); err != nil {
		return nil, fmt.Errorf("phone: details: %w", err)
	}
	return &res, nil
}

// Approve approves the scanned session with the number the user picked;
// it signs the digest of the exact details it was shown.
func (c *Client) Approve(ctx context.Context, s *Scanned, number int) error {
	signed, err := c.sign(&qr.Document{Type: qr.DocApprove, Device: c.Device, Session: s.Session,
		Number: number, Action: qr.DetailsDigest(s.Details)})
	if err != nil {
		return err
	}
	return c.post(ctx, c.url("approve"), signed, nil)
}

// Deny reports that the user did not start the scanned session.
func (c *Client) Deny(ctx context.Context, s *Scanned) error {
	signed, err := c.sign(&qr.Document{Type: qr.DocDeny, Device: c.Device, Session: s.Session})
	if err != nil {
		return err
	}
	return c.post(ctx, c.url("deny"), signed, nil)
}

func (c *Client) url(op string) string { return strings.TrimSuffix(c.PhoneURL, "/") + "/" + op }
