// Package crosstest holds no code: its tests prove that several instances
// of a service, each with its own engine, factors and Redis client on one
// shared Redis server, act as one. It sits apart from store/redis so that
// the store's own tests need no factor, and apart from the factors so that
// none of them needs Redis.
//
// # What is proved
//
// Two instances A and B are built as a host would build them: an
// auth.Engine on a store/redis Store, the real SMS factor (factors/sms over
// otp, with a recording sender), the real WebAuthn factor (factors/passkey,
// credentials in factors/passkey/passkeyredis, answered by a software
// authenticator, descope/virtualwebauthn), the real ECP factor
// (factors/ecp with its own signature.Verifier, signed with keys of the
// development PKI of signature/sigtest, revocation off) and the real QR
// factor (factors/qr over a qr.Service, devices in
// factors/qr/qrredis, its phone API served per instance and called by the
// qr/phone client), each on its own go-redis client. Only the server, the clock (both read the same wall
// clock), the shared secrets (OTP keys), the trust anchors and the host's
// tables (phones, IIN to account) are common. For each factor:
//
//   - a challenge begun on one instance is finished on the other, and
//     strong evidence recorded by one opens the SMS gate on the other; a
//     passkey or phone enrolled through one is used through the other; a
//     QR code shown by one is scanned and approved through either;
//   - its answer is accepted exactly once across both: a replay on A or B
//     fails, through the engine and straight at either instance's factor;
//   - N requests with the one right answer, split across both and all held
//     until every one has passed the engine's flow checks, make exactly one
//     factor succeed (and of 20 racing approvals of one QR session through
//     both phone APIs, one is accepted); ten clones of one authenticator
//     with one signature counter, in ten flows on both, pass once;
//   - limits hold across both: the sixth wrong code on either instance is
//     refused (and of 20 concurrent wrong codes exactly five are compared),
//     a send cooldown set on A refuses a resend on B, and a send budget is
//     one budget for both.
//
// # Deployments
//
// Each scenario runs on one redis-server by its own Test function, and
// again in TestOnCluster on a real 3-master / 3-replica Redis Cluster
// (each instance through its own ClusterClient, a redistest.Guard checking
// that no command's keys span two slots and no routing error reaches a
// factor) and in TestOnSentinel through Sentinel failover clients, every
// write waiting for both replicas (store/redis Config.WaitReplicas).
//
// # Requirements
//
// redis-server and redis-cli (store/redis/redistest): the tests fail
// without them when CI=true and are skipped with a message otherwise.
package crosstest
