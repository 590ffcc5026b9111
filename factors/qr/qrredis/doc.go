// Package qrredis keeps enrolled QR devices (the qr package's
// qr.DeviceStore) on Redis, for services that run several instances and
// have no database of their own for them. It passes the qr/devicetest
// conformance kit, including its races (the per-account device limit, one
// device ID), against a real server, a one-node Cluster, a 3-master /
// 3-replica Cluster (no command spanning two slots, no routing error
// reaching the caller) and a Sentinel deployment.
//
//	durable := goredis.NewClient(&goredis.Options{Addr: "redis-aof:6379", ContextTimeoutEnabled: true})
//	devices, err := qrredis.New(qrredis.Config{Client: durable, Namespace: "portal"})
//	svc, err := qr.New(qr.Config{Store: st, Devices: devices, …})
//
// # Durability
//
// Devices are durable: losing them makes every user enrol their phone
// again. The server must persist its data — appendonly yes (appendfsync
// everysec or always), RDB snapshots for backups — and must not evict
// (maxmemory-policy noeviction; nothing here has a TTL). A failover may
// lose the last second of enrolments, removals and last-use times. A host
// with its own database should rather implement qr.DeviceStore there (and
// prove it with devicetest.Run).
//
// # Keys
//
// Everything lives under "<namespace>:c:qr:", with no TTL, named by
// SHA-256 digests in hex (no account name or device ID in a key):
//
//	…:c:qr:id:<sha256(device ID)>   the ID's claim: the subject holding it
//	…:c:qr:sub:<sha256(subject)>    the subject's devices, one hash:
//	        d:<name> the device (JSON), s:<name> its order,
//	        t:<name> its key's thumbprint, u:<name> its last use;
//	        k:<thumbprint> → name, n the last order number, c the count
//
// where <name> is sha256(device ID). The subject's hash is the truth about
// its devices; the claim makes device IDs unique across subjects and lets
// Get and Touch find a device's subject.
//
// # Operations, round trips and atomicity
//
// Every script touches exactly one key, so the two keys of a device may lie
// in different Cluster slots, with no hash tag.
//
//   - Add: a script claims the ID (SET NX; taken: qr.ErrDeviceExists), then
//     a script on the subject's hash refuses a key already enrolled there
//     (qr.ErrDeviceExists) or a subject at its limit (qr.ErrDeviceLimit) and
//     adds the device — atomically per subject, so racing enrolments never
//     pass the limit; a refused device gives its claim back (a third
//     script). Two round trips, three when refused.
//   - Get: a GET of the claim and an HMGET of the device: two.
//   - Touch: a GET of the claim and a script that moves the last use
//     forward, never back: two.
//   - List: one HGETALL of the subject's hash, in enrolment order.
//   - Remove: a GET of the claim (none: nothing to do; another subject's:
//     qr.ErrDeviceNotFound), a script removing the device and, if it did, a
//     script giving the claim up: three.
//
// All writes are sent as commands go-redis never re-sends once they may
// have reached the server (redis.Script).
//
// # Consistency of the claims
//
// A device is added to its subject's hash only after its ID is claimed for
// that subject, and its claim is given up only after the device left the
// hash (or after a refused Add, whose device never entered it). So a
// device in a hash is always claimed by its subject — Get and Touch always
// find it, and no ID ever belongs to two accounts (TestClaimsUnderChurn
// checks it atomically after every operation of a race). An interrupted
// operation can only leave a claim without a device: Get, Touch and Remove
// treat that ID as unknown, and it blocks nothing else (the device ID is
// random and never reused; the key and the account's limit stay free).
//
// # Failure
//
// Every failure denies: a connection error, a timeout, a cancelled context
// or a reply of the wrong shape is a *redis.Error (errors.Is
// store.ErrUnavailable, and the context's error when it ended), which the
// qr service turns into a refusal. Stored data is read as hostile input: a
// device this package did not write — another format, unknown fields, a
// key that does not match its thumbprint, another subject, a count or key
// index that disagrees with the devices — is redis.ErrUnexpectedReply,
// never a device made up from it. Error messages name the operation
// ("qr-get", …), never a subject, device ID or key.
package qrredis
