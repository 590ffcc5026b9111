// Package ecp is the ECP (ЭЦП) factor: a digital signature with a national
// PKI key, made by the NCA's NCALayer in the user's browser session and
// verified by package signature. It implements auth.Factor; its proofs are
// strong (AMR "sc", plus "swk" for a key in a PKCS#12 file or "hwk" for a
// key on a token when the certificate says so).
//
// # Flow
//
// Begin issues a challenge for the flow — a small canonical document that
// binds the web origin, the flow ID, the flow's action, a 256-bit nonce and
// a lifetime (signature.Challenge; 3 minutes by default) — stores it under
// the flow, and returns it to the page with the ready NCALayer request:
//
//	{"challenge": "<base64>", "expires_at": "…",
//	 "ncalayer": {"module": "kz.gov.pki.knca.basics", "method": "sign",
//	              "args": {"format": "cms", "data": "<base64>", …}}}
//
// The page sends "ncalayer" to wss://127.0.0.1:13579 unchanged and posts the
// CMS NCALayer returns to Finish as {"cms": "-----BEGIN CMS-----…"} (or the
// whole NCALayer response as {"ncalayer": {…}}).
//
// # XML (signXml)
//
// Most Kazakh portals have NCALayer sign an XML document instead. The same
// challenge has an XML form (signature.Challenge.XML: by default one that
// also binds origin, flow and action; with InsecureLoginXMLForm the common
// <login><timeTicket/><sessionid/></login> shape, the nonce as session id),
// and Begin adds it with its requests when the action accepts XML
// (Config.Formats; both formats by default):
//
//	{"formats": ["cms", "xml"], "challenge_xml": "<strongauth-challenge …>…",
//	 "ncalayer_xml": {"module": "kz.gov.pki.knca.basics", "method": "sign",
//	                  "args": {"format": "xml", "data": "<strongauth-challenge …", …}},
//	 "ncalayer_signxml": {"module": "kz.gov.pki.knca.commonUtils", "method": "signXml",
//	                      "args": ["PKCS12", "SIGNATURE", "<strongauth-challenge …", "", ""]}, …}
//
// The page posts the signed document as {"xml": "<?xml …"} or NCALayer's
// response (basics or legacy) as {"ncalayer": {…}}. Finish verifies it with
// signature.Verifier.VerifyChallengeXML: the document without its
// signature must be the issued one in canonical form, and then the same
// chain, purpose, revocation and identity checks as a CMS.
//
// Finish consumes the stored challenge — any answer uses it up, so a
// challenge is accepted at most once even under concurrent requests —, then
// verifies the CMS (or XML): it must sign exactly that challenge, for this origin,
// flow and action, before it expires, with a key whose certificate chains
// to the configured roots, is not revoked and may be used for the action's
// Purpose (information-system certificates cannot log a person in). The
// action's Check (for example signature.RequireRole(bin,
// signature.RoleFirstHead, signature.RoleRightToSign) for "sign-contract")
// runs next — its refusal of a genuine signature is ErrSignerNotAllowed,
// client code "signer_not_allowed", so that the page can tell the user
// that this key lacks the right —, and finally the host's Mapper turns the
// signer's identity (IIN, BIN, roles) into the flow's subject, or refuses.
//
// # Storage
//
// Challenges live in the store.Store given in Config under KeyPrefix +
// "{<flow ID>}" (the flow's hash tag, so that a Redis Cluster keeps the
// challenge in its flow's slot), for the challenge lifetime plus a
// minute, and are taken out with Consume. A new Begin in the same flow replaces the previous challenge.
// With a shared store (store/redis) several instances act as one.
//
// # Errors
//
// Refusals are classified for the engine (auth.Code): "replayed" (no
// challenge, or already used), "expired", "revoked", "invalid_input"
// (unreadable answer), "unavailable" (store or revocation responder down)
// and "verification_failed" for everything else; the signature package's
// sentinels stay visible to errors.Is, and signature.Code gives the precise
// reason ("chain_untrusted", "key_usage", "digest_mismatch"…) for logs.
//
// # Security model
//
//   - The challenge is unpredictable (crypto/rand by default), single-use
//     and short-lived; a signature over anything else is refused.
//   - The origin in the challenge defeats relaying a challenge from one site
//     to another; the flow ID and the engine's browser binding defeat
//     relaying it between browsers.
//   - Certificates are validated at the verifier's clock, never at the
//     signing time the signer claims; revocation is checked for the whole
//     chain when the Verifier has a RevocationChecker.
//   - Evidence attributes (iin, bin, roles, serial, issuer, algorithm,
//     key_storage) are facts, not secrets; no challenge, nonce or signature
//     ever appears in an error or an attribute.
package ecp
