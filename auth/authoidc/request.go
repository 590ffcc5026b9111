package authoidc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Values of the prompt parameter the bridge acts on; others (consent,
// select_account, create …) are the provider's business and ignored here.
const (
	PromptNone  = "none"
	PromptLogin = "login"
)

// Bounds of ParseRequest: anything larger is ErrInvalidRequest.
const (
	MaxACRValues   = 16
	MaxClaimsParam = 4 << 10
	MaxLoginHint   = 256
	MaxPromptParam = 256
	// MaxMaxAge bounds max_age (one year, in seconds).
	MaxMaxAge = 365 * 24 * 3600
)

// Request holds the authentication parameters of an authorization request
// (OpenID Connect Core §3.1.2.1), parsed and bounded.
type Request struct {
	// ACRValues is acr_values, in order of preference (voluntary).
	ACRValues []string
	// ClaimsACR is the id_token acr entry of the claims parameter, if any.
	ClaimsACR *ACRClaim
	// MaxAge is max_age, if present.
	MaxAge *time.Duration
	// Prompt is prompt, split on spaces.
	Prompt []string
	// LoginHint is login_hint. The bridge never uses it to authenticate:
	// Plan ignores it, and it selects no phone and skips no factor. A
	// provider may show it to the user, escaped, and nothing more.
	LoginHint string
}

// ACRClaim is a request for the acr claim in the claims parameter:
// {"id_token": {"acr": {"essential": true, "values": ["…"]}}}.
type ACRClaim struct {
	Essential bool
	// Values are the requested ACRs ("value" or "values"), in order.
	Values []string
}

// ParseRequest reads the authentication parameters from an authorization
// request's parameters (query or form). It fails with ErrInvalidRequest on
// a malformed or oversized value; an absent parameter is not an error.
func ParseRequest(v url.Values) (Request, error) {
	var req Request
	var err error
	if req.ACRValues, err = parseACRValues(v.Get("acr_values")); err != nil {
		return Request{}, err
	}
	if c := v.Get("claims"); c != "" {
		if req.ClaimsACR, err = ParseClaimsACR(c); err != nil {
			return Request{}, err
		}
	}
	if s, ok := v["max_age"]; ok && len(s) > 0 {
		d, err := parseMaxAge(s[0])
		if err != nil {
			return Request{}, err
		}
		req.MaxAge = &d
	}
	if p := v.Get("prompt"); p != "" {
		if len(p) > MaxPromptParam {
			return Request{}, fmt.Errorf("%w: prompt too long", ErrInvalidRequest)
		}
		req.Prompt = strings.Fields(p)
	}
	if h := v.Get("login_hint"); h != "" {
		if len(h) > MaxLoginHint || !utf8.ValidString(h) {
			return Request{}, fmt.Errorf("%w: login_hint too long or not UTF-8", ErrInvalidRequest)
		}
		req.LoginHint = h
	}
	return req, nil
}

func parseACRValues(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	if len(s) > MaxACRValues*(MaxACRLength+1) {
		return nil, fmt.Errorf("%w: acr_values too long", ErrInvalidRequest)
	}
	vals := strings.Fields(s)
	if len(vals) > MaxACRValues {
		return nil, fmt.Errorf("%w: more than %d acr_values", ErrInvalidRequest, MaxACRValues)
	}
	for _, a := range vals {
		if !validACR(a) {
			return nil, fmt.Errorf("%w: malformed acr value", ErrInvalidRequest)
		}
	}
	return vals, nil
}

func parseMaxAge(s string) (time.Duration, error) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n > MaxMaxAge || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("%w: max_age must be a non-negative integer of seconds", ErrInvalidRequest)
	}
	return time.Duration(n) * time.Second, nil
}

// ParseClaimsACR reads the id_token acr entry of an OpenID Connect claims
// parameter (Core §5.5). It returns nil when the parameter requests no
// acr, or requests it with no value ("acr": null or {"essential": true}
// alone: the default level then answers); a malformed parameter is
// ErrInvalidRequest.
func ParseClaimsACR(s string) (*ACRClaim, error) {
	if len(s) > MaxClaimsParam {
		return nil, fmt.Errorf("%w: claims parameter too large", ErrInvalidRequest)
	}
	var top struct {
		IDToken map[string]json.RawMessage `json:"id_token"`
	}
	dec := json.NewDecoder(strings.NewReader(s))
	if err := dec.Decode(&top); err != nil || dec.More() {
		return nil, fmt.Errorf("%w: claims is not a JSON object", ErrInvalidRequest)
	}
	raw, ok := top.IDToken["acr"]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, nil
	}
	var entry struct {
		Essential *bool    `json:"essential"`
		Value     *string  `json:"value"`
		Values    []string `json:"values"`
	}
	if err := json.Unmarshal(raw, &entry); err != nil {
		return nil, fmt.Errorf("%w: malformed acr claim request", ErrInvalidRequest)
	}
	c := &ACRClaim{Essential: entry.Essential != nil && *entry.Essential}
	if entry.Value != nil {
		c.Values = append(c.Values, *entry.Value)
	}
	c.Values = append(c.Values, entry.Values...)
	if len(c.Values) > MaxACRValues {
		return nil, fmt.Errorf("%w: more than %d acr values", ErrInvalidRequest, MaxACRValues)
	}
	for _, a := range c.Values {
		if !validACR(a) {
			return nil, fmt.Errorf("%w: malformed acr value", ErrInvalidRequest)
		}
	}
	if len(c.Values) == 0 {
		return nil, nil
	}
	return c, nil
}
