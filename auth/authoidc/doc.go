// Package authoidc bridges strongauth to OpenID Connect: it turns an
// authorization request into the action (and freshness) a flow must satisfy,
// and a completed flow's auth.Result into ID-token claims. An OpenID
// provider embeds it as its login step, so that every OIDC application —
// Keycloak as an identity broker, Grafana, GitLab, an SPA — gets "a strong
// factor required, SMS never alone", with the assurance in standard claims.
//
// It depends on no OIDC library: the provider (examples/idp uses
// github.com/zitadel/oidc/v3) parses the protocol, and calls the bridge
// with the request's parameters and the results it keeps in its session.
//
// # Levels
//
// A Level names an ACR (the value of the acr claim and of acr_values) and
// the engine action whose policy gives it:
//
//	{ACR: "urn:strongauth:acr:strong", Action: "login"}      // (ecp & sms) | webauthn | qr
//	{ACR: "urn:strongauth:acr:key",    Action: "login-key"}  // ecp | webauthn
//
// Every action's policy is checked by auth.New, so no level can be reached
// with a weak factor alone, whatever its name says.
//
// # Authorization requests
//
// ParseRequest reads the parameters that decide authentication (acr_values,
// claims, max_age, prompt, login_hint) from the authorization request, and
// Bridge.Plan maps them, as OpenID Connect Core §3.1.2.1 and §5.5.1.1 say:
//
//   - acr_values, or an acr entry of the claims parameter without
//     "essential": true, is voluntary: the first requested ACR that is a
//     configured level is used; when none is, the default level.
//   - an acr entry of the claims parameter with "essential": true (and
//     "value" or "values") must be met: the first requested ACR that is a
//     configured level is used; when none is, Plan fails with
//     ErrUnmetRequirements, which the provider returns as the OAuth error
//     "unmet_authentication_requirements". The acr claim is then always one
//     of the requested values.
//   - max_age bounds the age of the authentication: Bridge.Reuse returns a
//     result of the level's action younger than max_age from the
//     provider's session, or nil, and the provider then runs a new flow (a
//     step-up, with the session's subject). max_age=0 and prompt=login
//     always mean a new flow, completed after the request began.
//   - prompt=none never shows a page: with no reusable result it is
//     ErrLoginRequired ("login_required").
//   - login_hint is never used to authenticate: it selects no phone, skips
//     no factor and names no subject. The plan does not even carry it.
//
// # Claims
//
// Bridge.Claims checks a result against the plan — the action of the
// level, the engine's policy (auth.Engine.Check), the freshness the request
// asked — and returns the claims: sub (the result's subject), acr (the
// level's ACR), amr (the RFC 8176 values the factors recorded: sc, hwk or
// swk, user, pin, mca, sms, otp … plus "mfa" when two distinct factor
// kinds contributed) and auth_time (the time of the oldest evidence that
// counted, so never later than the authentication it stands for). With
// Config.IdentityClaims, the identity the strong factors proved is added
// under documented names: iin, bin and ecp_roles (see the Claim constants).
//
// A relying party checks acr against the level it needs and may check amr
// (for example that it holds "sc" for a qualified signature key); the
// provider signs them, the client states none of them.
//
// # Security model
//
//   - Nothing the client sends is trusted as a claim: acr comes from the
//     level whose action the engine decided, amr and auth_time from the
//     engine's evidence.
//   - Every error denies; errors are typed (errors.Is) and carry the OAuth
//     error code (auth.Code): invalid_request, login_required,
//     unmet_authentication_requirements.
//   - By default no personal data is added to the claims beyond sub.
//   - Refresh tokens must keep the original auth_time: a refresh is not an
//     authentication (the provider's storage keeps the claims it issued).
package authoidc
