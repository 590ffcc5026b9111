// Package qr is cross-device approval by QR code: a browser shows an
// animated QR code, the user scans it with a trusted mobile app, sees who is
// asking and for what, picks the number the browser shows and approves with
// a key the device holds in secure hardware. It knows nothing of package
// auth; factors/qr adapts it to an auth.Factor and to HTTP handlers.
//
// Its enemy is QRLjacking: a phisher shows the victim a live QR code taken
// from the real site, and the victim's app approves the phisher's browser.
// The defences are layered: the code changes every second and is only valid
// for a few seconds; the phone shows the requesting browser, operating
// system, IP address, place and time; the approval must carry the number
// shown on the requesting browser (number matching, NIST SP 800-63B-4), so
// a bare "Approve" is impossible; only the browser that started the flow
// can redeem the approval; and the user can answer "I did not start this",
// which cancels the flow for good and raises a fraud report.
//
// # Flow
//
//  1. Enrolment (once per device). After the user signed in with a strong
//     factor, BeginEnrol issues a challenge; the app generates a P-256 key
//     in secure hardware and signs an enrol document (DocEnrol) naming the
//     challenge, the key's thumbprint and a device name; FinishEnrol checks
//     it and stores a Device. The caller gates BeginEnrol (factors/qr
//     requires a strong factor for the same subject in the last 5 minutes).
//  2. Begin (browser). A session gets a random token, a server-side secret,
//     the flow's browser binding (a hash), the action, what to show about
//     the requester, three distinct two-digit numbers and a lifetime
//     (DefaultTTL, 90 s). A flow has one live session; a new Begin replaces
//     it. Begins are budgeted per client IP.
//  3. Frames (browser, every second). Status returns the current Frame:
//     "<prefix>.<token>.<t>.<hex HMAC-SHA256(secret, t)>" with t the whole
//     seconds since Begin — BankID's construction. The secret never leaves
//     the server. Encode, Matrix.PNG, Matrix.SVG and Renderer render it with
//     rsc.io/qr/coding (byte mode, level M, the mask of lowest ISO 18004
//     penalty; a Renderer keeps the per-version layouts) and a direct
//     1-bit PNG writer; tests read it back with gozxing and zbarimg.
//  4. Scan (phone). The app signs a scan document (DocScan) with the frame.
//     Scan verifies the device signature and the signed time, the frame's
//     HMAC and age (at most MaxFrameAge, default 3 s, never from the future),
//     and binds the session to this one device; it returns Details and the
//     three numbers. The browser's Status now carries the number to show.
//  5. Approve (phone). The user picks the number the browser shows; the app
//     signs an approve document (DocApprove) with the session, the number,
//     DetailsDigest of the details it showed, and the time. A wrong number
//     or other details fail the session for good.
//  6. Redeem (browser). Redeem consumes the approved session once, for the
//     request holding the flow's binding, and returns the device's subject.
//
// Deny (phone, DocDeny) works from the bound device after the scan, even
// after an approval that was not redeemed yet: the session is denied, the
// flow marked, and Redeem and Begin refuse it with ErrDenied.
//
// # Mode B: eGov Mobile (mobileSign)
//
// With Config.MobileSign, a session can instead be approved by the user's
// ECP key in eGov Mobile, through its public mobileSign protocol: the QR
// code is "mobileSign:<BaseURL>/api1/<token>" (static — the app does not
// know animated frames); MobileAPI1 answers the description, expiry,
// organisation and the document's URI with a bearer token; MobileDocument
// returns a signature.Challenge bound to the web origin, the flow and the
// action, with the requesting browser, IP, place and time as meta lines,
// and announces in signMethod the sign method the action asks for
// (MobileSignConfig.Method and Methods; CMS_SIGN_ONLY by default):
//
//	CMS_SIGN_ONLY     the challenge's text in document.file; a detached CMS back (VerifyChallenge)
//	CMS_WITH_DATA     the same; a CMS with the challenge inside back (VerifyChallenge)
//	XML               the challenge's XML form (signature.XMLFormChallenge) in documentXml;
//	                  the enveloped XML-DSig of it back in documentXml (VerifyChallengeXML)
//	SIGN_BYTES_ARRAY  the challenge's text in document.file; back, in document.file.data, the
//	                  JSON text {"signature", "certificate"} (base64; VerifyChallengeBytes)
//
// MobileSubmit reads the answer in the announced method only (another one,
// or a CMS of the other shape, is ErrSignMethod), verifies it through the
// same trust path as an NCALayer answer (chain, purpose, revocation,
// binding, lifetime), applies the action's identity check and a mapper,
// and approves. Each URL is single-use; any refusal fails the session for
// good (ErrSignatureRefused wrapping the signature package's sentinel). A
// flow has one live session across both modes.
//
// Where the forms come from: for CMS_SIGN_ONLY and CMS_WITH_DATA, SIGEX's
// public QR-signing client and independent server implementations agree
// (document.file.data, base64, both ways). The XML method's documentXml
// field and the SIGN_BYTES_ARRAY answer are not in a document we could
// check: the forms
// here follow independent server implementations of the protocol (XML in
// documentXml both ways; SIGN_BYTES_ARRAY data as a JSON string of the
// signature and the certificate, both base64) and NCANode, whose
// /x509/sign answers {signature, certificate} "as eGov Mobile does" and
// whose /x509/verify checks such a pair. Unconfirmed: that the app signs
// the decoded document bytes (not their base64 text), that it sends the
// JSON text as such (not base64 of it), and that a GOST signature is in
// the NCA's byte order as in its CMS. ParseMobileSubmit reads these forms
// strictly, so a different real form fails closed (ErrMalformed) rather
// than being half-understood.
//
// Mode B has no number matching, and it cannot: the code is static and
// the app shows nothing the browser could show too. Whoever sees the code
// — over a shoulder, on a shared screen, through a relay — can answer it
// with their own key, and the browser that shows it would be signed in to
// the signer's account (a victim then works in the attacker's account,
// which is how account-takeover scams harvest documents and payments).
// This is inherent to the protocol; the service limits it:
//
//   - MobileSignConfig.Actions lists the actions that allow mode B; a
//     Begin for another action is ErrModeNotAllowed.
//   - A flow with a subject (a step-up) accepts only that subject's
//     signature (ErrWrongSubject): the attack needs a flow without one,
//     a login.
//   - The browser's Status names the signer (SignedBy) once the session
//     is approved, and Redeem refuses a mode B session (ErrUnconfirmed)
//     until the browser confirms that name with the code that came with
//     it (WithConfirmation): the page asks "Signed in as <name> —
//     continue?" before the session is created. The server enforces that
//     the browser received the name; that a person read it is the page's
//     duty (auth/authhttp's client does it). "Not me" simply begins again,
//     which replaces the signed session.
//
// # Signed documents
//
// A phone request is JSON {"doc", "sig"} (Signed). doc is the canonical text
// of a Document — a header line and "name=value" lines in a fixed order —
// and sig is ECDSA P-256 with SHA-256 over its exact bytes, ASN.1 DER or raw
// r‖s, base64url. ParseDocument accepts only the canonical form, so what is
// signed is exactly what is parsed. Package qr/phone is a client.
//
// # Storage
//
// Sessions, challenges, denials and counters live in a store.Store (share
// one between instances), under KeyPrefix. The keys of a flow carry its ID
// as a hash tag (store.HashTag), as the engine's flow record does, so that
// a Redis Cluster keeps them in the flow's slot: the session record
// ("s:{<flow>}:<token hash>"), the index naming the flow's live session
// ("f:{<flow>}") and its denial ("d:{<flow>}"). What a phone presents — the
// session token, a mobileSign document ID — finds the session through an
// index keyed by its SHA-256 ("t:…", "doc:…"), written once at Begin;
// enrolment challenges and per-IP counters are keyed by SHA-256 too. State
// changes use compare-and-swap and redemption uses Consume, so of
// concurrent scans, approvals and redemptions exactly one wins.
// Devices live in a DeviceStore (MemoryDevices here; qr/devicetest is the
// conformance kit for others).
//
// # Security model
//
//   - Every phone request is authenticated by the device key; the server
//     never trusts a cookie, the device ID alone, or the phone's clock beyond
//     RequestSkew.
//   - Every failure denies; store and randomness failures are
//     ErrUnavailable. Errors are sentinels (errors.Is) and never contain a
//     token, secret, number, key or signature; Frame, ScanResult and
//     EnrolChallenge redact themselves when printed.
//   - What the phone shows comes from the server: the browser and operating
//     system are names from a fixed list (BrowserOS), the IP must parse, the
//     location must be a short printable text; a hostile User-Agent cannot
//     put words on the user's screen.
//   - Time comes from Config.Now (or the caller's Now), randomness from
//     Config.Rand (crypto/rand by default).
package qr
