package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/strongauth/strongauth/auth/authoidc"
)

// Lifetimes of what the storage keeps.
const (
	authRequestTTL  = 10 * time.Minute // from /authorize to the code
	codeTTL         = time.Minute      // an authorization code
	accessTokenTTL  = 5 * time.Minute
	refreshTokenTTL = 8 * time.Hour
	idTokenTTL      = 5 * time.Minute
)

// Errors of the storage. Their text reaches the provider's logs, never a
// secret: codes and tokens appear in none of them.
var (
	errNotFound   = errors.New("idp: not found")
	errCodeReused = errors.New("idp: authorization code already used")
	errExpired    = errors.New("idp: expired")
	errNoPKCE     = errors.New("idp: PKCE with S256 is required")
)

// unmet and loginRequired are the OpenID Connect errors the bridge's
// refusals become at the authorization endpoint.
func oidcError(err error) *oidc.Error {
	var e *oidc.Error
	switch authoidc.ErrorCode(err) {
	case "unmet_authentication_requirements":
		e = &oidc.Error{ErrorType: "unmet_authentication_requirements"}
	case "login_required":
		e = oidc.ErrLoginRequired()
	case "invalid_request":
		e = oidc.ErrInvalidRequest()
	case "access_denied":
		e = oidc.ErrAccessDenied()
	default:
		e = oidc.ErrServerError()
	}
	return e.WithDescription("%s", err.Error())
}

// authRequest is one authorization request, from /authorize to the code
// exchange. Claims are set, by the login step only, when strongauth
// completed it.
type authRequest struct {
	id        string
	created   time.Time
	req       oidc.AuthRequest
	plan      authoidc.Plan
	hint      string // login_hint: shown on the page, used for nothing else
	claims    *authoidc.Claims
	codeGiven bool
}

func (a *authRequest) GetID() string    { return a.id }
func (a *authRequest) GetACR() string   { return a.claimsOr().ACR }
func (a *authRequest) GetAMR() []string { return slices.Clone(a.claimsOr().AMR) }
func (a *authRequest) GetAudience() []string {
	return []string{a.req.ClientID}
}
func (a *authRequest) GetAuthTime() time.Time { return a.claimsOr().AuthTime }
func (a *authRequest) GetClientID() string    { return a.req.ClientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	return &oidc.CodeChallenge{Challenge: a.req.CodeChallenge, Method: a.req.CodeChallengeMethod}
}
func (a *authRequest) GetNonce() string                   { return a.req.Nonce }
func (a *authRequest) GetRedirectURI() string             { return a.req.RedirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType { return a.req.ResponseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return a.req.ResponseMode }
func (a *authRequest) GetScopes() []string                { return slices.Clone(a.req.Scopes) }
func (a *authRequest) GetState() string                   { return a.req.State }
func (a *authRequest) GetSubject() string                 { return a.claimsOr().Subject }
func (a *authRequest) Done() bool                         { return a.claims != nil }
func (a *authRequest) claimsForToken() *authoidc.Claims   { return a.claims }
func (a *authRequest) claimsOr() *authoidc.Claims {
	if a.claims == nil {
		return &authoidc.Claims{}
	}
	return a.claims
}

// grant is what a refresh token stands for: the claims of the
// authentication that was done, kept as they were — a refresh is not an
// authentication, so auth_time, acr and amr never change. It is an
// op.AuthRequest too, so that the refreshed ID token carries acr.
type grant struct {
	clientID string
	scopes   []string
	claims   authoidc.Claims
	expires  time.Time
	// code is the authorization code the grant came from: a replayed code
	// revokes it (RFC 6749 §4.1.2).
	code string
}

func (g *grant) GetID() string                         { return "" }
func (g *grant) GetACR() string                        { return g.claims.ACR }
func (g *grant) GetAMR() []string                      { return slices.Clone(g.claims.AMR) }
func (g *grant) GetAudience() []string                 { return []string{g.clientID} }
func (g *grant) GetAuthTime() time.Time                { return g.claims.AuthTime }
func (g *grant) GetClientID() string                   { return g.clientID }
func (g *grant) GetCodeChallenge() *oidc.CodeChallenge { return nil }
func (g *grant) GetNonce() string                      { return "" }
func (g *grant) GetRedirectURI() string                { return "" }
func (g *grant) GetResponseType() oidc.ResponseType    { return oidc.ResponseTypeCode }
func (g *grant) GetResponseMode() oidc.ResponseMode    { return "" }
func (g *grant) GetScopes() []string                   { return slices.Clone(g.scopes) }
func (g *grant) GetState() string                      { return "" }
func (g *grant) GetSubject() string                    { return g.claims.Subject }
func (g *grant) Done() bool                            { return true }
func (g *grant) SetCurrentScopes(scopes []string)      { g.scopes = slices.Clone(scopes) }
func (g *grant) claimsForToken() *authoidc.Claims      { return &g.claims }

// claimsCarrier is a token request that carries strongauth's claims.
type claimsCarrier interface{ claimsForToken() *authoidc.Claims }

type accessToken struct {
	subject, clientID string
	scopes            []string
	expires           time.Time
	refresh           string // the refresh token issued with it, if any
	code              string
}

type codeEntry struct {
	request string
	expires time.Time
	used    bool
}

// storage is the provider's in-memory op.Storage: clients, authorization
// requests, codes, tokens and the signing key. One instance; a provider
// behind several instances would keep these in a shared store.
type storage struct {
	now     func() time.Time
	rand    io.Reader
	clients map[string]*client
	// keys sign ID tokens: one per algorithm the provider offers, ES256
	// (the default) and RS256. Each client's tokens are signed with the
	// key of its IDTokenSigningAlg.
	keys map[jose.SignatureAlgorithm]*signingKey
	// claims adds profile claims of the directory (given_name …) for the
	// profile scope.
	profile func(subject string) map[string]any

	mu       sync.Mutex
	requests map[string]*authRequest
	codes    map[string]*codeEntry // by SHA-256 of the code
	access   map[string]*accessToken
	refresh  map[string]*grant // by SHA-256 of the token
}

func newStorage(now func() time.Time, random io.Reader, clients []*client, profile func(string) map[string]any) (*storage, error) {
	keys, err := newSigningKeys(random)
	if err != nil {
		return nil, err
	}
	s := &storage{now: now, rand: random, clients: map[string]*client{}, keys: keys, profile: profile,
		requests: map[string]*authRequest{}, codes: map[string]*codeEntry{}, access: map[string]*accessToken{}, refresh: map[string]*grant{}}
	for _, c := range clients {
		s.clients[c.id] = c
	}
	return s, nil
}

// newSigningKeys makes the provider's ID-token keys, in memory: ECDSA
// P-256 for ES256 and RSA 2048 for RS256, each with a random key ID.
func newSigningKeys(random io.Reader) (map[jose.SignatureAlgorithm]*signingKey, error) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), random)
	if err != nil {
		return nil, err
	}
	rs, err := rsa.GenerateKey(random, 2048)
	if err != nil {
		return nil, err
	}
	keys := map[jose.SignatureAlgorithm]*signingKey{}
	for _, k := range []*signingKey{{alg: jose.ES256, key: ec}, {alg: jose.RS256, key: rs}} {
		if k.id, err = randomID(random); err != nil {
			return nil, err
		}
		keys[k.alg] = k
	}
	return keys, nil
}

func randomID(r io.Reader) (string, error) {
	var b [32]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func hashOf(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

type planKey struct{}

// withPlan carries the bridge's plan of an authorization request (made
// from its raw parameters) to CreateAuthRequest.
func withPlan(ctx context.Context, p planned) context.Context {
	return context.WithValue(ctx, planKey{}, p)
}

type planned struct {
	plan authoidc.Plan
	hint string
	err  error
}

// CreateAuthRequest keeps an authorization request, with the plan the
// bridge made of it. Only the code flow with PKCE S256 is accepted.
func (s *storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	if req.ResponseType != oidc.ResponseTypeCode {
		return nil, oidc.ErrUnauthorizedClient().WithDescription("only the authorization code flow")
	}
	if req.CodeChallenge == "" || req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("%s", errNoPKCE.Error())
	}
	p, ok := ctx.Value(planKey{}).(planned)
	if !ok {
		return nil, oidc.ErrServerError().WithDescription("no plan for the request")
	}
	if p.err != nil {
		return nil, oidcError(p.err)
	}
	id, err := randomID(s.rand)
	if err != nil {
		return nil, err
	}
	a := &authRequest{id: id, created: s.now(), req: *req, plan: p.plan, hint: p.hint}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	s.requests[id] = a
	return a, nil
}

// sweep drops what has expired. Called with mu held.
func (s *storage) sweep() {
	now := s.now()
	for id, a := range s.requests {
		if now.Sub(a.created) > authRequestTTL {
			delete(s.requests, id)
		}
	}
	for h, c := range s.codes {
		if now.After(c.expires.Add(refreshTokenTTL)) { // used codes are kept to detect replay
			delete(s.codes, h)
		}
	}
	for id, t := range s.access {
		if now.After(t.expires) {
			delete(s.access, id)
		}
	}
	for h, g := range s.refresh {
		if now.After(g.expires) {
			delete(s.refresh, h)
		}
	}
}

func (s *storage) request(id string) (*authRequest, error) {
	a, ok := s.requests[id]
	if !ok {
		return nil, errNotFound
	}
	if s.now().Sub(a.created) > authRequestTTL {
		delete(s.requests, id)
		return nil, errExpired
	}
	return a, nil
}

// AuthRequestByID returns a copy of a request.
func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.request(id)
	if err != nil {
		return nil, err
	}
	c := *a
	return &c, nil
}

// complete records the claims of a request whose login step is done. It
// refuses a request that already has them.
func (s *storage) complete(id string, c *authoidc.Claims) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.request(id)
	if err != nil {
		return err
	}
	if a.claims != nil {
		return errors.New("idp: request already completed")
	}
	a.claims = c
	return nil
}

// plan returns a request's plan and login hint.
func (s *storage) plan(id string) (authoidc.Plan, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.request(id)
	if err != nil {
		return authoidc.Plan{}, "", err
	}
	return a.plan, a.hint, nil
}

// SaveAuthCode issues the (only) code of a completed request.
func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.request(id)
	if err != nil {
		return err
	}
	if a.claims == nil || a.codeGiven {
		return errors.New("idp: no code for this request")
	}
	a.codeGiven = true
	s.codes[hashOf(code)] = &codeEntry{request: id, expires: s.now().Add(codeTTL)}
	return nil
}

// AuthRequestByCode consumes a code: it answers once, and only within its
// lifetime. The op package calls it before it checks the client, the PKCE
// verifier and the redirect URI, so a code presented with a wrong one of
// these is spent too. A code presented again revokes the tokens issued
// for it (RFC 6749 §4.1.2).
func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := hashOf(code)
	c, ok := s.codes[h]
	if !ok {
		return nil, errNotFound
	}
	if c.used {
		s.revokeCode(h)
		return nil, errCodeReused
	}
	c.used = true
	a, ok := s.requests[c.request]
	if !ok || s.now().After(c.expires) {
		return nil, errExpired
	}
	noteTokenClient(ctx, a.req.ClientID)
	delete(s.requests, c.request)
	cp := *a
	cp.id = "" // the request is consumed; DeleteAuthRequest has nothing left to do
	return &codeRequest{authRequest: &cp, code: h}, nil
}

// codeRequest is a request redeemed by a code: its tokens remember the
// code, for revocation on replay.
type codeRequest struct {
	*authRequest
	code string
}

func (s *storage) revokeCode(h string) {
	for id, t := range s.access {
		if t.code == h {
			delete(s.access, id)
		}
	}
	for k, g := range s.refresh {
		if g.code == h {
			delete(s.refresh, k)
		}
	}
}

// DeleteAuthRequest is idempotent.
func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	return nil
}

func (s *storage) CreateAccessToken(_ context.Context, req op.TokenRequest) (string, time.Time, error) {
	id, err := randomID(s.rand)
	if err != nil {
		return "", time.Time{}, err
	}
	t := &accessToken{subject: req.GetSubject(), scopes: req.GetScopes(), expires: s.now().Add(accessTokenTTL)}
	if cr, ok := req.(*codeRequest); ok {
		t.clientID, t.code = cr.GetClientID(), cr.code
	}
	if g, ok := req.(*grant); ok {
		t.clientID = g.clientID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.access[id] = t
	return id, t.expires, nil
}

// CreateAccessAndRefreshTokens issues an access token and a new refresh
// token; a refresh token used for it is spent (rotation), and the new one
// keeps the grant's claims unchanged.
func (s *storage) CreateAccessAndRefreshTokens(_ context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	cc, ok := req.(claimsCarrier)
	if !ok || cc.claimsForToken() == nil {
		return "", "", time.Time{}, errors.New("idp: refresh tokens only for strongauth logins")
	}
	id, err := randomID(s.rand)
	if err != nil {
		return "", "", time.Time{}, err
	}
	rt, err := randomID(s.rand)
	if err != nil {
		return "", "", time.Time{}, err
	}
	now := s.now()
	g := &grant{scopes: req.GetScopes(), claims: *cc.claimsForToken(), expires: now.Add(refreshTokenTTL)}
	switch r := req.(type) {
	case *codeRequest:
		g.clientID, g.code = r.GetClientID(), r.code
	case *grant:
		g.clientID, g.code, g.expires = r.clientID, r.code, r.expires // rotation does not extend the grant
	default:
		return "", "", time.Time{}, errors.New("idp: unexpected token request")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if current != "" {
		if _, ok := s.refresh[hashOf(current)]; !ok {
			return "", "", time.Time{}, op.ErrInvalidRefreshToken
		}
		delete(s.refresh, hashOf(current))
	}
	s.access[id] = &accessToken{subject: g.claims.Subject, clientID: g.clientID, scopes: g.scopes, expires: now.Add(accessTokenTTL),
		refresh: hashOf(rt), code: g.code}
	s.refresh[hashOf(rt)] = g
	return id, rt, now.Add(accessTokenTTL), nil
}

func (s *storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.refresh[hashOf(token)]
	if !ok || s.now().After(g.expires) {
		return nil, op.ErrInvalidRefreshToken
	}
	noteTokenClient(ctx, g.clientID)
	c := *g
	c.scopes = slices.Clone(g.scopes)
	return &c, nil
}

func (s *storage) TerminateSession(context.Context, string, string) error { return nil }

func (s *storage) RevokeToken(_ context.Context, token, userID, clientID string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, ok := s.refresh[hashOf(token)]; ok {
		if g.clientID != clientID {
			return oidc.ErrInvalidClient()
		}
		delete(s.refresh, hashOf(token))
		return nil
	}
	if t, ok := s.access[token]; ok && t.clientID == clientID {
		delete(s.access, token)
	}
	return nil
}

func (s *storage) GetRefreshTokenInfo(_ context.Context, clientID, token string) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.refresh[hashOf(token)]
	if !ok || g.clientID != clientID {
		return "", "", op.ErrInvalidRefreshToken
	}
	return g.claims.Subject, hashOf(token), nil
}

// SigningKey is the key of the client a token request is for (see
// tokenClient): the key of its IDTokenSigningAlg. Outside a token request
// of a known client it is the ES256 key; a client the storage does not
// know gets no key at all.
func (s *storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	alg := defaultIDTokenAlg
	if tc, ok := ctx.Value(tokenClientKey{}).(*tokenClient); ok && tc.id != "" {
		c, ok := s.clients[tc.id]
		if !ok {
			return nil, errNotFound
		}
		alg = c.idTokenAlg
	}
	k, ok := s.keys[alg]
	if !ok {
		return nil, fmt.Errorf("idp: no %s signing key", alg)
	}
	return k, nil
}

// SignatureAlgorithms are discovery's id_token_signing_alg_values_supported.
func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return slices.Clone(idTokenAlgs), nil
}

// KeySet is the JWKS: the public halves of the signing keys only.
func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	out := make([]op.Key, 0, len(idTokenAlgs))
	for _, alg := range idTokenAlgs {
		out = append(out, publicKey{s.keys[alg]})
	}
	return out, nil
}

// tokenClient carries, through one request to op, the client whose code or
// refresh token the storage redeemed: AuthRequestByCode and
// TokenRequestByRefreshToken note it, SigningKey reads it. op's SigningKey
// has only the context, and this client — not the one the request claims
// to be — is the right one: op refuses the token request unless the
// authenticated client is the code's (or the refresh token's) client.
type tokenClient struct{ id string }

type tokenClientKey struct{}

// withTokenClient makes room for the client of a token request.
func withTokenClient(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenClientKey{}, &tokenClient{})))
	})
}

func noteTokenClient(ctx context.Context, id string) {
	if tc, ok := ctx.Value(tokenClientKey{}).(*tokenClient); ok {
		tc.id = id
	}
}

func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	c, ok := s.clients[id]
	if !ok {
		return nil, errNotFound
	}
	return c, nil
}

// AuthorizeClientIDSecret compares the secret's hash in constant time.
func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	c, ok := s.clients[id]
	want := sha256.Sum256([]byte("no client"))
	if ok {
		want = c.secretHash
	}
	got := sha256.Sum256([]byte(secret))
	if !ok || c.secretHash == ([32]byte{}) || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return errors.New("idp: client authentication failed")
	}
	return nil
}

// SetUserinfoFromScopes is deprecated in op; SetUserinfoFromRequest does
// the work.
func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest puts into the ID token the claims of the scopes:
// profile (names from the directory) and the identity claims strongauth
// recorded (iin, bin, ecp_roles) when the bridge is configured for them.
func (s *storage) SetUserinfoFromRequest(_ context.Context, u *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	u.Subject = req.GetSubject()
	if slices.Contains(scopes, oidc.ScopeProfile) && s.profile != nil {
		for k, v := range s.profile(req.GetSubject()) {
			u.AppendClaims(k, v)
		}
	}
	if cc, ok := req.(claimsCarrier); ok && cc.claimsForToken() != nil {
		for k, v := range cc.claimsForToken().Identity() {
			u.AppendClaims(k, v)
		}
	}
	return nil
}

func (s *storage) SetUserinfoFromToken(_ context.Context, u *oidc.UserInfo, tokenID, subject, _ string) error {
	s.mu.Lock()
	t, ok := s.access[tokenID]
	s.mu.Unlock()
	if !ok || t.subject != subject || s.now().After(t.expires) {
		return errors.New("idp: access token invalid")
	}
	u.Subject = subject
	if slices.Contains(t.scopes, oidc.ScopeProfile) && s.profile != nil {
		for k, v := range s.profile(subject) {
			u.AppendClaims(k, v)
		}
	}
	return nil
}

func (s *storage) SetIntrospectionFromToken(_ context.Context, r *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	s.mu.Lock()
	t, ok := s.access[tokenID]
	s.mu.Unlock()
	if !ok || t.subject != subject || s.now().After(t.expires) {
		return errors.New("idp: access token invalid")
	}
	r.Active, r.Subject, r.ClientID, r.Scope = true, subject, t.clientID, t.scopes
	r.Audience = []string{t.clientID}
	return nil
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("idp: JWT profile not supported")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("idp: JWT profile not supported")
}

func (s *storage) Health(context.Context) error { return nil }

// The ID-token algorithms the provider offers, the default first.
var idTokenAlgs = []jose.SignatureAlgorithm{jose.ES256, jose.RS256}

const defaultIDTokenAlg = jose.ES256

// signingKey is one of the provider's ID-token keys, made at start (in
// memory).
type signingKey struct {
	id  string
	alg jose.SignatureAlgorithm
	key crypto.Signer // *ecdsa.PrivateKey or *rsa.PrivateKey
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }
func (k *signingKey) Algorithm() jose.SignatureAlgorithm          { return k.alg }
func (k *signingKey) Use() string                                 { return "sig" }

// publicKey is the JWKS entry of a signing key.
type publicKey struct{ *signingKey }

func (k publicKey) Key() any { return k.key.Public() }

// client is a registered relying party: code flow with PKCE, refresh
// tokens, nothing else.
type client struct {
	id           string
	secretHash   [32]byte // zero: a public client (PKCE only, no secret)
	redirectURIs []string
	loginURL     func(id string) string
	dev          bool
	idTokenAlg   jose.SignatureAlgorithm
}

// ClientConfig registers a relying party.
type ClientConfig struct {
	ID string
	// Secret authenticates a confidential client (client_secret_basic).
	// Empty makes a public client (a SPA, a native app): PKCE alone.
	Secret       string
	RedirectURIs []string
	// IDTokenSigningAlg is the alg of the client's ID tokens, what OpenID
	// Connect Dynamic Client Registration calls its
	// id_token_signed_response_alg: "ES256" or "RS256". Empty means ES256
	// (note: the registration default is RS256; set it for a client that
	// assumes that default instead of reading the discovery document).
	IDTokenSigningAlg string
}

func (c *client) GetID() string                        { return c.id }
func (c *client) RedirectURIs() []string               { return slices.Clone(c.redirectURIs) }
func (c *client) PostLogoutRedirectURIs() []string     { return nil }
func (c *client) ApplicationType() op.ApplicationType  { return op.ApplicationTypeWeb }
func (c *client) LoginURL(id string) string            { return c.loginURL(id) }
func (c *client) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeBearer }
func (c *client) IDTokenLifetime() time.Duration       { return idTokenTTL }
func (c *client) DevMode() bool                        { return c.dev }
func (c *client) IsScopeAllowed(string) bool           { return false }
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *client) ClockSkew() time.Duration             { return 0 }
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}
func (c *client) AuthMethod() oidc.AuthMethod {
	if c.secretHash == ([32]byte{}) {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}

var _ op.Storage = (*storage)(nil)
var _ op.CanSetUserinfoFromRequest = (*storage)(nil)
var _ op.AuthRequest = (*grant)(nil)
var _ op.RefreshTokenRequest = (*grant)(nil)

// validate checks a client's registration.
func (c ClientConfig) validate() error {
	if c.ID == "" || len(c.RedirectURIs) == 0 {
		return fmt.Errorf("idp: client %q needs an ID and redirect URIs", c.ID)
	}
	if c.IDTokenSigningAlg != "" && !slices.Contains(idTokenAlgs, jose.SignatureAlgorithm(c.IDTokenSigningAlg)) {
		return fmt.Errorf("idp: client %q: IDTokenSigningAlg must be one of %v", c.ID, idTokenAlgs)
	}
	return nil
}

func newClient(c ClientConfig, loginURL func(string) string, dev bool) (*client, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	cl := &client{id: c.ID, redirectURIs: slices.Clone(c.RedirectURIs), loginURL: loginURL, dev: dev, idTokenAlg: defaultIDTokenAlg}
	if c.IDTokenSigningAlg != "" {
		cl.idTokenAlg = jose.SignatureAlgorithm(c.IDTokenSigningAlg)
	}
	if c.Secret != "" {
		cl.secretHash = sha256.Sum256([]byte(c.Secret))
	}
	return cl, nil
}
