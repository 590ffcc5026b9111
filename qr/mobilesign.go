package qr

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/strongauth/strongauth/internal/origins"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/store"
)

// Mode B limits.
const (
	// DefaultMobileSignTTL is how long the URLs of a mode B session live.
	DefaultMobileSignTTL = 180 * time.Second
	// MaxMobileSubmit bounds the body of the signed-document PUT.
	MaxMobileSubmit = 2*signature.DefaultMaxInputSize + 64<<10
	// Sign methods of the mobileSign protocol.
	SignOnly = "CMS_SIGN_ONLY" // a detached CMS
	WithData = "CMS_WITH_DATA" // a CMS with the data inside
	// challengeMime is the mime type of the document to sign.
	challengeMime = "text/plain"
)

// Errors of mode B.
var (
	// ErrBearer reports a document request without the right bearer token.
	ErrBearer = errors.New("qr: missing or wrong bearer token")
	// ErrSignatureRefused reports a mode B signature the verifier refused;
	// the error also wraps the signature package's sentinel.
	ErrSignatureRefused = errors.New("qr: signature refused")
)

// Organisation is who asks for the signature, as eGov Mobile shows it.
type Organisation struct {
	NameRu string `json:"nameRu"`
	NameKz string `json:"nameKz"`
	NameEn string `json:"nameEn"`
	BIN    string `json:"bin"`
}

// MobileSignConfig configures mode B: QR signing in eGov Mobile (and apps
// speaking its public mobileSign protocol) with the user's ECP key.
//
// The QR code shows "mobileSign:<API 1 URL>". The app GETs API 1 (once)
// and learns the document URL and a bearer token; it GETs the document
// (once): a signature.Challenge bound to the web origin, the flow and the
// action; it PUTs the same JSON back with the CMS signature (once). The
// signature is verified with Verifier (chain, purpose, revocation, signing
// time, the challenge's binding and lifetime); the signer's identity comes
// only from the certificate in the CMS, and a Mapper (in the factor adapter)
// maps it to a subject.
type MobileSignConfig struct {
	// Verifier verifies the CMS. Required.
	Verifier *signature.Verifier
	// BaseURL is the absolute URL under which the host mounts the mode B
	// handler: API 1 is BaseURL/api1/{token}, the document
	// BaseURL/doc/{id}. https, or http on localhost. Required.
	BaseURL string
	// Organisation is shown by the app. NameRu is required; the others
	// default to it.
	Organisation Organisation
	// Origin is the web origin bound into challenges when a flow has none
	// ("https://portal.example.kz").
	Origin string
	// Purposes gives the key purpose per action; others use
	// signature.PurposeLogin (which refuses information-system
	// certificates).
	Purposes map[string]signature.Purpose
	// Checks gives an identity rule per action (signature.RequirePerson…),
	// applied after verification.
	Checks map[string]signature.Check
	// WithData asks for CMS_WITH_DATA (the challenge inside the CMS)
	// instead of CMS_SIGN_ONLY (detached). Either is verified.
	WithData bool
	// TTL is how long every URL of a session lives. Zero means
	// DefaultMobileSignTTL; at most signature.MaxChallengeTTL.
	TTL time.Duration
	// Description describes an action for the app in a language ("kk",
	// "ru", "en"). Nil means "<service>: <action text>".
	Description func(action, lang string) string
}

func (m *MobileSignConfig) validate(_ time.Duration) (*MobileSignConfig, error) {
	c := *m
	if c.Verifier == nil {
		return nil, fmt.Errorf("%w: MobileSign.Verifier is required", ErrConfig)
	}
	u, err := url.Parse(strings.TrimSuffix(c.BaseURL, "/"))
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil ||
		!(u.Scheme == "https" || u.Scheme == "http" && origins.IsLoopbackHost(u.Hostname())) {
		return nil, fmt.Errorf("%w: MobileSign.BaseURL must be an absolute https URL (http only on localhost)", ErrConfig)
	}
	c.BaseURL = u.String()
	if c.Organisation.NameRu == "" {
		return nil, fmt.Errorf("%w: MobileSign.Organisation.NameRu is required", ErrConfig)
	}
	if c.Organisation.NameKz == "" {
		c.Organisation.NameKz = c.Organisation.NameRu
	}
	if c.Organisation.NameEn == "" {
		c.Organisation.NameEn = c.Organisation.NameRu
	}
	switch {
	case c.TTL == 0:
		c.TTL = DefaultMobileSignTTL
	case c.TTL < time.Second || c.TTL > signature.MaxChallengeTTL:
		return nil, fmt.Errorf("%w: MobileSign.TTL must be in [1s, %v]", ErrConfig, signature.MaxChallengeTTL)
	}
	c.Purposes = make(map[string]signature.Purpose, len(m.Purposes))
	for a, p := range m.Purposes {
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("%w: MobileSign purpose of %q: %w", ErrConfig, a, err)
		}
		c.Purposes[a] = p
	}
	c.Checks = make(map[string]signature.Check, len(m.Checks))
	for a, ck := range m.Checks {
		if ck == nil {
			return nil, fmt.Errorf("%w: MobileSign check of %q is nil", ErrConfig, a)
		}
		c.Checks[a] = ck
	}
	return &c, nil
}

func (m *MobileSignConfig) purpose(action string) signature.Purpose {
	if p, ok := m.Purposes[action]; ok {
		return p
	}
	return signature.PurposeLogin()
}

// MobileSigner is who signed a mode B session: facts from the certificate
// (nothing secret) and the subject the Mapper chose.
type MobileSigner struct {
	Subject    string   `json:"subject"`
	IIN        string   `json:"iin,omitempty"`
	BIN        string   `json:"bin,omitempty"`
	CommonName string   `json:"cn,omitempty"`
	Roles      []string `json:"roles,omitempty"`
	KeyStorage string   `json:"key_storage"`
	Serial     string   `json:"serial"`
	Issuer     string   `json:"issuer"`
	Algorithm  string   `json:"algorithm"`
}

func (s *Service) docKey(id string) string { return s.cfg.KeyPrefix + "doc:" + hashHex(id) }

// mobileContent is the QR text of a mode B session.
func (s *Service) mobileContent(r *record) string {
	return "mobileSign:" + s.mobile.BaseURL + "/api1/" + r.Token
}

// beginMobile fills a new record's mode B fields: the challenge and the
// document ID, and the session's lifetime.
func (s *Service) beginMobile(r *record, req BeginRequest, now time.Time) error {
	origin := req.Origin
	if origin == "" {
		origin = s.mobile.Origin
	}
	ch, err := signature.NewChallenge(s.cfg.Rand, signature.Binding{Origin: origin, Flow: req.FlowID, Action: req.Action},
		now, s.mobile.TTL)
	if errors.Is(err, signature.ErrChallengeMismatch) {
		return malformed("origin, flow or action cannot be bound into a challenge")
	}
	if err != nil {
		return unavailable("challenge", err)
	}
	if r.DocID, err = s.randomID(16); err != nil {
		return err
	}
	r.Mode = ModeMobileSign
	r.Challenge = ch.Marshal()
	// The challenge's lifetime is whole seconds; the session ends with it.
	r.Start, r.Expires = ch.IssuedAt, ch.ExpiresAt
	return nil
}

// MobileAPI1 is API 1's answer: what asks, until when, and where the
// document is.
type MobileAPI1 struct {
	Description  string       `json:"description"`
	ExpiryDate   time.Time    `json:"expiry_date"`
	Organisation Organisation `json:"organisation"`
	Document     struct {
		URI       string `json:"uri"`
		AuthType  string `json:"auth_type"`
		AuthToken string `json:"auth_token"`
	} `json:"document"`
}

// String redacts the bearer token.
func (a *MobileAPI1) String() string { return "qr.MobileAPI1{" + a.Description + "}" }

// MobileMeta is one line of what the app shows under a document.
type MobileMeta struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// MobileDocument is one document to sign.
type MobileDocument struct {
	ID       int          `json:"id"`
	NameRu   string       `json:"nameRu"`
	NameKz   string       `json:"nameKz"`
	NameEn   string       `json:"nameEn"`
	Meta     []MobileMeta `json:"meta"`
	Document struct {
		File struct {
			Mime string `json:"mime"`
			// Data is base64: the challenge to sign (GET), the CMS (PUT).
			Data string `json:"data"`
		} `json:"file"`
	} `json:"document"`
}

// MobileDocuments is the document API's JSON (GET answer and PUT body).
type MobileDocuments struct {
	SignMethod      string           `json:"signMethod"`
	Version         int              `json:"version"`
	DocumentsToSign []MobileDocument `json:"documentsToSign"`
}

// mobileRecord finds a live mode B session by a key naming it.
func (s *Service) mobileRecord(ctx context.Context, indexKey string, direct bool) (*record, string, error) {
	key := indexKey
	if !direct {
		b, _, err := s.cfg.Store.Get(ctx, indexKey)
		if errors.Is(err, store.ErrNotFound) {
			return nil, "", ErrNoSession
		}
		if err != nil {
			return nil, "", unavailable("store", err)
		}
		key = string(b)
	}
	r, _, err := s.get(ctx, key)
	if err != nil {
		return nil, "", err
	}
	if !r.mobile() {
		return nil, "", ErrNoSession
	}
	if err := s.live(ctx, r, key); err != nil {
		return nil, "", err
	}
	return r, key, nil
}

func (s *Service) description(r *record, lang string) string {
	if s.mobile.Description != nil {
		if d := s.mobile.Description(r.Action, lang); d != "" {
			return d
		}
	}
	text := s.cfg.ActionText(r.Action, lang)
	if text == "" {
		text = r.Action
	}
	return s.cfg.Service + ": " + text
}

// MobileAPI1 answers API 1 of a mode B session, once: it marks the
// session scanned and issues the document's bearer token. A second call is
// ErrReplay; an unknown, replaced or mode A token is ErrNoSession.
func (s *Service) MobileAPI1(ctx context.Context, token, lang string) (*MobileAPI1, error) {
	if s.mobile == nil || !validID(token, idLen) {
		return nil, ErrNoSession
	}
	now := s.cfg.Now()
	_, key, err := s.mobileRecord(ctx, s.sessionKey(token), true)
	if err != nil {
		return nil, err
	}
	bearer, err := s.randomID(32)
	if err != nil {
		return nil, err
	}
	r, err := s.update(ctx, key, now, func(r *record) (bool, error) {
		if !now.Before(r.Expires) {
			return false, ErrExpired
		}
		if r.State != StatePending {
			return false, ErrReplay
		}
		h := sha256.Sum256([]byte(bearer))
		r.State, r.Step, r.AuthHash, r.ScannedAt = StateScanned, "described", h[:], now
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	a := &MobileAPI1{Description: s.description(r, lang), ExpiryDate: r.Expires.UTC(), Organisation: s.mobile.Organisation}
	a.Document.URI = s.mobile.BaseURL + "/doc/" + r.DocID
	a.Document.AuthType = "Token"
	a.Document.AuthToken = bearer
	return a, nil
}

// authorised finds the session of a document ID and checks the bearer.
func (s *Service) authorised(ctx context.Context, docID, bearer string) (string, error) {
	if s.mobile == nil || !validID(docID, idLen) {
		return "", ErrNoSession
	}
	r, key, err := s.mobileRecord(ctx, s.docKey(docID), false)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256([]byte(bearer))
	if len(r.AuthHash) != sha256.Size || subtle.ConstantTimeCompare(r.AuthHash, h[:]) != 1 ||
		subtle.ConstantTimeCompare([]byte(r.DocID), []byte(docID)) != 1 {
		return "", ErrBearer
	}
	return key, nil
}

// MobileDocument answers the document GET, once: the challenge to sign,
// with the requester's details as meta lines.
func (s *Service) MobileDocument(ctx context.Context, docID, bearer, lang string) (*MobileDocuments, error) {
	key, err := s.authorised(ctx, docID, bearer)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	r, err := s.update(ctx, key, now, func(r *record) (bool, error) {
		if !now.Before(r.Expires) {
			return false, ErrExpired
		}
		if r.Step != "described" {
			return false, ErrReplay
		}
		r.Step = "fetched"
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	method := SignOnly
	if s.mobile.WithData {
		method = WithData
	}
	d := MobileDocument{ID: 1, Meta: s.meta(r, lang)}
	d.NameKz, d.NameRu, d.NameEn = s.description(r, "kk"), s.description(r, "ru"), s.description(r, "en")
	d.Document.File.Mime = challengeMime
	d.Document.File.Data = base64.StdEncoding.EncodeToString(r.Challenge)
	return &MobileDocuments{SignMethod: method, Version: 1, DocumentsToSign: []MobileDocument{d}}, nil
}

// meta describes the requesting browser for the app, so that a user shown
// a relayed QR code sees it is not theirs.
func (s *Service) meta(r *record, lang string) []MobileMeta {
	names := map[string][4]string{ // browser, IP, place, time
		"kk": {"Браузер", "IP мекенжайы", "Орны", "Уақыты"},
		"ru": {"Браузер", "IP-адрес", "Место", "Время"},
		"en": {"Browser", "IP address", "Place", "Time"},
	}
	n, ok := names[lang]
	if !ok {
		n = names["en"]
	}
	m := []MobileMeta{{n[0], r.Browser + ", " + r.OS}}
	if r.IP != "" {
		m = append(m, MobileMeta{n[1], r.IP})
	}
	if r.Location != "" {
		m = append(m, MobileMeta{n[2], r.Location})
	}
	return append(m, MobileMeta{n[3], r.Start.UTC().Format(time.RFC3339)})
}

// ParseMobileSubmit reads the body of the document PUT: the documents JSON
// with exactly one document, id 1, whose data is the base64 CMS. It
// returns the CMS bytes (still to be verified).
func ParseMobileSubmit(body []byte) ([]byte, error) {
	if len(body) > MaxMobileSubmit {
		return nil, malformed("signed document too large")
	}
	var d MobileDocuments
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&d); err != nil {
		return nil, malformed("signed document is not the documents JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, malformed("data after the signed document")
	}
	if len(d.DocumentsToSign) != 1 || d.DocumentsToSign[0].ID != 1 || d.Version != 1 ||
		(d.SignMethod != SignOnly && d.SignMethod != WithData) {
		return nil, malformed("signed document shape")
	}
	data := d.DocumentsToSign[0].Document.File.Data
	cms, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		if cms, err = base64.RawStdEncoding.DecodeString(data); err != nil {
			return nil, malformed("signature is not base64")
		}
	}
	if len(cms) == 0 || len(cms) > signature.DefaultMaxInputSize {
		return nil, malformed("signature size")
	}
	return cms, nil
}

// MobileMapper maps a verified signer of a mode B session to the subject it
// authenticates (the factor adapter's Mapper); an error refuses it.
type MobileMapper func(ctx context.Context, action, flowSubject string, s *signature.Signer) (subject string, err error)

// MobileSubmit takes the document PUT, once: it verifies the CMS over the
// session's challenge (VerifyChallenge: chain, purpose, revocation,
// signing time, binding, lifetime), applies the action's Check, maps the
// signer with mapper and, if the flow has a subject, requires the same one
// (ErrWrongSubject). Any refusal fails the session for good and wraps
// ErrSignatureRefused and the cause (a signature sentinel, or the mapper's
// error). On success the browser may redeem the approval within RedeemTTL.
func (s *Service) MobileSubmit(ctx context.Context, docID, bearer string, body []byte, mapper MobileMapper) (*MobileSigner, error) {
	if mapper == nil {
		return nil, fmt.Errorf("%w: no mapper", ErrConfig)
	}
	key, err := s.authorised(ctx, docID, bearer)
	if err != nil {
		return nil, err
	}
	cms, perr := ParseMobileSubmit(body)
	now := s.cfg.Now()
	// Claim the single use first: of concurrent submissions one proceeds.
	r, err := s.update(ctx, key, now, func(r *record) (bool, error) {
		if !now.Before(r.Expires) {
			return false, ErrExpired
		}
		if r.Step != "fetched" {
			return false, ErrReplay
		}
		r.Step = "submitted"
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	signer, verr := s.verifyMobile(ctx, r, cms, perr, now, mapper)
	_, err = s.update(ctx, key, now, func(r *record) (bool, error) {
		if r.Step != "submitted" || r.State != StateScanned {
			return false, ErrReplay
		}
		r.DecidedAt = now
		if verr != nil {
			r.State, r.Reason = StateFailed, signature.Code(verr)
			return true, nil
		}
		r.State, r.Signer, r.RedeemBy = StateApproved, signer, now.Add(s.cfg.RedeemTTL)
		return true, nil
	})
	if verr != nil {
		return nil, verr
	}
	if err != nil {
		return nil, err
	}
	return signer, nil
}

func (s *Service) verifyMobile(ctx context.Context, r *record, cms []byte, perr error, now time.Time, mapper MobileMapper) (*MobileSigner, error) {
	refuse := func(err error) (*MobileSigner, error) { return nil, fmt.Errorf("%w: %w", ErrSignatureRefused, err) }
	if perr != nil {
		return refuse(perr)
	}
	ch, err := signature.ParseChallenge(r.Challenge)
	if err != nil {
		return nil, unavailable("store", errors.New("stored challenge is corrupt"))
	}
	b := signature.Binding{Origin: ch.Origin, Flow: r.Flow, Action: r.Action}
	res, err := s.mobile.Verifier.VerifyChallenge(ctx, cms, ch, b, now, s.mobile.purpose(r.Action))
	if err != nil {
		if errors.Is(err, signature.ErrRevocationUnavailable) {
			return nil, unavailable("revocation", err)
		}
		return refuse(err)
	}
	sg := &res.Signers[0]
	if ck, ok := s.mobile.Checks[r.Action]; ok {
		if err := ck(&sg.Identity); err != nil {
			return refuse(err)
		}
	}
	subject, err := mapper(ctx, r.Action, r.Subject, sg)
	if err != nil {
		return refuse(err)
	}
	if subject == "" {
		return refuse(errors.New("the mapper returned no subject"))
	}
	if r.Subject != "" && subject != r.Subject {
		return refuse(ErrWrongSubject)
	}
	roles := make([]string, len(sg.Identity.Roles))
	for i, ro := range sg.Identity.Roles {
		roles[i] = string(ro)
	}
	return &MobileSigner{Subject: subject, IIN: sg.Identity.IIN, BIN: sg.Identity.BIN, CommonName: sg.Identity.CommonName,
		Roles: roles, KeyStorage: string(sg.Identity.KeyStorage), Serial: sg.Certificate.Serial,
		Issuer: sg.Certificate.Issuer, Algorithm: sg.Algorithm}, nil
}
