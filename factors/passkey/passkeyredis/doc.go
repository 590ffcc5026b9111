// Package passkeyredis keeps registered WebAuthn credentials (the passkey
// factor's passkey.CredentialStore) on Redis, for services that run several
// instances and have no database of their own for them. It passes the
// passkeytest conformance kit, including its 100-goroutine races, against
// a real server, a one-node Cluster, a 3-master / 3-replica Cluster and a
// Sentinel deployment.
//
//	durable := goredis.NewClient(&goredis.Options{Addr: "redis-aof:6379", ContextTimeoutEnabled: true})
//	creds, err := passkeyredis.New(passkeyredis.Config{Client: durable, Namespace: "portal"})
//	pk, err := passkey.New(passkey.Config{…, Store: st, Credentials: creds})
//
// # Durability
//
// Unlike flows, codes and challenges, credentials are durable: losing them
// locks every user out of their passkeys. The server must persist its data
// — appendonly yes (AOF, with appendfsync everysec or always), and RDB
// snapshots for backups — and must not evict (maxmemory-policy noeviction;
// nothing here has a TTL). Replication is asynchronous, so a failover may
// lose the last second of registrations and counter updates: a lost
// registration has to be repeated, and a lost counter update leaves the
// stored counter behind, which narrows clone detection for a moment and
// never locks a user out. A host with its own
// database should rather implement passkey.CredentialStore there (and prove
// it with passkeytest.RunCredentialStore); this package is for deployments
// where Redis is the only shared state.
//
// # Keys
//
// Everything lives under "<namespace>:c:passkey:", beside the contract
// store's "<namespace>:s:" (package store/redis), with no TTL:
//
//	…:c:passkey:id:<sha256(credential ID)>   the record, a hash:
//	        f format ("1"), s subject, d the fixed part (JSON),
//	        c signature counter, b backup state, u last use,
//	        e backup eligibility now (optional: records written before it
//	        existed have none, and d's backup_eligible holds)
//	…:c:passkey:sub:<sha256(subject)>        the subject's index, a hash:
//	        field sha256(credential ID) → count
//
// Names are SHA-256 digests in hex, so that keys have a fixed length and a
// listing of keys shows no account name (an IIN, an e-mail address); the
// record itself holds the subject.
//
// # Operations, round trips and atomicity
//
// Every script touches exactly one key, so a record and its subject's
// index may lie in different Cluster slots and no hash tag pins all
// credentials to one node.
//
//   - Find: one HMGET of the record.
//   - Update: one script on the record, which refuses a signature counter
//     that does not advance (passkey.CounterAdvances) without writing: of
//     racing logins with one counter exactly one passes.
//   - Add: a script counts the credential into the subject's index, then
//     a script creates the record unless one with that ID exists (of racing
//     Adds of one ID exactly one wins); a duplicate takes its count back
//     (a third script) and is passkey.ErrCredentialExists.
//   - Remove: a script deletes the record if it is the subject's; if it
//     did, a second takes its count out of the index.
//   - List: an HKEYS of the index and, if it names any credential, one
//     pipeline of HMGETs of the records (one round trip per Cluster node
//     holding them). Entries whose record is missing or another subject's
//     are passed over.
//
// All writes are sent as commands go-redis never re-sends once they may
// have reached the server (redis.Script).
//
// # Consistency of the index
//
// Add and Remove are two steps on two keys, and Redis has no transaction
// across slots; the design makes the index a superset of the records,
// never a subset. The record is the truth: Find, Update and the uniqueness
// of IDs depend on it alone. The index holds, per credential, the number of
// Adds by that subject that are under way or produced the live record, so
// a count is taken out only by the operation that put it in or by the
// Remove of the record it stands for. Hence:
//
//   - while a record exists, its subject's index counts it, whatever Adds
//     and Removes race (TestIndexUnderChurn checks it atomically after
//     every operation), so List never hides a credential from its owner;
//   - an interrupted operation — a lost connection, a crash, an expired
//     deadline between the two steps — can only leave a count too many: an
//     entry without a record, which List passes over and which blocks
//     nothing (a later Add of the ID works, and its Remove leaves the
//     extra count behind). Such strays are rare, small and harmless; an
//     operator may delete an index entry whose record does not exist while
//     no Add of that ID is under way.
//
// # Failure
//
// Every failure denies: a connection error, a timeout, a cancelled context
// or a reply of the wrong shape is a *redis.Error (errors.Is
// store.ErrUnavailable, and the context's error when it ended), which the
// passkey factor turns into a denial. Records are read as hostile input: a
// record this package did not write — another format, unknown JSON fields,
// a counter that is not a canonical decimal, an ID that does not match the
// key — is redis.ErrUnexpectedReply, never a credential made up from it.
// Error messages name the operation ("passkey-find", …), never a subject,
// ID or key.
//
// # Testing
//
// The tests run the conformance kit against a private redis-server
// (store/redis/redistest) over RESP2 and RESP3, through a one-node
// Cluster, on a real 3-master / 3-replica Cluster (a redistest.Guard
// checking that no command spans two slots and no MOVED, ASK or CROSSSLOT
// reaches the caller) and through a Sentinel failover client, count round
// trips with a client hook, race Adds and Removes
// against the index invariant, feed the reader hostile records (and fuzz
// it, FuzzParseRecord), and stop and freeze the server.
package passkeyredis
