package passkeyredis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"

	goredis "github.com/redis/go-redis/v9"

	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/internal/errcode"
	"github.com/strongauth/strongauth/store/redis"
)

// ErrConfig reports an invalid Config. It wraps redis.ErrConfig when the
// client or namespace is what is wrong.
var ErrConfig = errcode.Sentinel("passkeyredis: invalid configuration", errcode.Config)

// Config configures a Credentials store. Only Client is required.
type Config struct {
	// Client is the go-redis client, with the same requirements as
	// redis.Config.Client: it must honour context deadlines
	// (ContextTimeoutEnabled) and must not cache on the client side. The
	// host owns it and closes it.
	//
	// Credentials are durable: the server behind it must persist its data
	// (appendonly yes), unlike the one that keeps flows and codes. See the
	// package documentation.
	Client goredis.UniversalClient
	// Namespace is the application's key namespace, as redis.Config's:
	// every key starts with Namespace + ":c:passkey:". Empty means
	// redis.DefaultNamespace.
	Namespace string
}

// Credentials is a passkey.CredentialStore on Redis. It is safe for
// concurrent use and keeps no state besides its configuration: any number
// of them, in any number of processes, sharing one server act as one.
type Credentials struct {
	c      goredis.UniversalClient
	space  *redis.Space
	prefix string // <namespace>:c:passkey:
}

var _ passkey.CredentialStore = (*Credentials)(nil)

// New validates cfg and returns a Credentials store. It does no I/O.
func New(cfg Config) (*Credentials, error) {
	if cfg.Client == nil {
		return nil, fmt.Errorf("%w: Client is required", ErrConfig)
	}
	sp, err := redis.NewSpace(redis.Config{Client: cfg.Client, Namespace: cfg.Namespace}, "passkey")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return &Credentials{c: sp.Client, space: sp, prefix: sp.Prefix}, nil
}

// Key layout under "<namespace>:c:passkey:". Both names are SHA-256 digests
// in hex, so that keys have a fixed length, hold no binary, and do not show
// an account's name (an IIN, an e-mail address) to whoever lists keys.
const (
	recordSpace = "id:"  // + sha256(credential ID): the record, a hash
	indexSpace  = "sub:" // + sha256(subject): the subject's index, a hash
)

// idHash names a credential: the hex SHA-256 of its ID.
func idHash(id []byte) string {
	h := sha256.Sum256(id)
	return hex.EncodeToString(h[:])
}

func (s *Credentials) recordKey(idh string) string { return s.prefix + recordSpace + idh }

func (s *Credentials) indexKey(subject string) string {
	h := sha256.Sum256([]byte(subject))
	return s.prefix + indexSpace + hex.EncodeToString(h[:])
}

// RecordKey returns the Redis key of the record of the credential id, and
// IndexKey that of the subject's index, for operators and tests.
func (s *Credentials) RecordKey(id []byte) string { return s.recordKey(idHash(id)) }

// IndexKey returns the Redis key of the subject's index.
func (s *Credentials) IndexKey(subject string) string { return s.indexKey(subject) }

// LoadScripts loads the scripts into the server's script cache (on every
// master of a Cluster). It is optional, as redis.Store.LoadScripts is.
func (s *Credentials) LoadScripts(ctx context.Context) error {
	return s.space.LoadScripts(ctx, "passkey-load", scripts...)
}

// Find implements passkey.CredentialStore: one HMGET.
func (s *Credentials) Find(ctx context.Context, id []byte) (*passkey.Credential, error) {
	const op = "passkey-find"
	if !validID(id) {
		return nil, passkey.ErrCredentialNotFound // no such record can exist
	}
	if err := redis.Live(ctx, op); err != nil {
		return nil, err
	}
	idh := idHash(id)
	vals, err := s.c.HMGet(ctx, s.recordKey(idh), recordFields...).Result()
	if err != nil {
		return nil, s.space.Error(ctx, op, err)
	}
	c, err := parseRecord(vals, idh)
	if err != nil {
		return nil, s.space.Error(ctx, op, err)
	}
	if c == nil {
		return nil, passkey.ErrCredentialNotFound
	}
	return c, nil
}

// List implements passkey.CredentialStore: an HKEYS of the subject's index,
// then, if it names any credential, one pipeline of HMGETs of their records
// (one round trip per Cluster node holding them). Credentials come oldest
// first. Index entries without a record of this subject are passed over.
func (s *Credentials) List(ctx context.Context, subject string) ([]passkey.Credential, error) {
	const op = "passkey-list"
	out := []passkey.Credential{}
	if subject == "" {
		return out, nil
	}
	if err := redis.Live(ctx, op); err != nil {
		return nil, err
	}
	names, err := s.c.HKeys(ctx, s.indexKey(subject)).Result()
	if err != nil {
		return nil, s.space.Error(ctx, op, err)
	}
	if len(names) == 0 {
		return out, nil
	}
	for _, idh := range names {
		if !isIDHash(idh) {
			return nil, s.space.Error(ctx, op, fmt.Errorf("%w: index entry is not a credential name", redis.ErrUnexpectedReply))
		}
	}
	cmds := make([]*goredis.SliceCmd, len(names))
	_, err = s.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, idh := range names {
			cmds[i] = p.HMGet(ctx, s.recordKey(idh), recordFields...)
		}
		return nil
	})
	if err != nil {
		return nil, s.space.Error(ctx, op, err)
	}
	for i, cmd := range cmds {
		c, err := parseRecord(cmd.Val(), names[i])
		if err != nil {
			return nil, s.space.Error(ctx, op, err)
		}
		if c != nil && c.Subject == subject {
			out = append(out, *c)
		}
	}
	slices.SortFunc(out, func(a, b passkey.Credential) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return slices.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Add implements passkey.CredentialStore in two steps: it counts the
// credential into the subject's index (one script), then creates the
// record if no record of this ID exists (one script). A duplicate ID is
// ErrCredentialExists and takes its count back out of the index (a third
// script). Of concurrent Adds of one ID exactly one creates the record.
func (s *Credentials) Add(ctx context.Context, c passkey.Credential) error {
	const op = "passkey-add"
	if err := c.Validate(); err != nil {
		return err
	}
	fields, err := encodeRecord(&c)
	if err != nil {
		return fmt.Errorf("%w: %w", passkey.ErrInvalidCredential, err)
	}
	if err := redis.Live(ctx, op); err != nil {
		return err
	}
	idh := idHash(c.ID)
	index := s.indexKey(c.Subject)
	// The index entry first: whenever a record exists, so does its entry.
	if _, err := claimScript.Run(ctx, s.c, index, idh); err != nil {
		return s.space.Error(ctx, op, err)
	}
	r, err := createScript.Run(ctx, s.c, s.recordKey(idh), fields[1], fields[2], fields[3], fields[4], fields[5], fields[6])
	if err != nil {
		// The record may or may not have been created: the entry stays.
		return s.space.Error(ctx, op, err)
	}
	switch r {
	case int64(1):
		return nil
	case int64(0):
		if _, err := releaseScript.Run(ctx, s.c, index, idh); err != nil {
			return s.space.Error(ctx, op, err)
		}
		return passkey.ErrCredentialExists
	}
	return redis.Unexpected(ctx, op, r)
}

// Update implements passkey.CredentialStore: one script, which refuses a
// counter that does not advance without writing anything.
func (s *Credentials) Update(ctx context.Context, id []byte, u passkey.Use) error {
	const op = "passkey-update"
	if !validID(id) {
		return passkey.ErrCredentialNotFound
	}
	if !validTime(u.At) || u.BackupState && !u.BackupEligible {
		return ErrInvalidUse
	}
	if err := redis.Live(ctx, op); err != nil {
		return err
	}
	r, err := updateScript.Run(ctx, s.c, s.recordKey(idHash(id)),
		strconv.FormatUint(uint64(u.SignCount), 10), flag(u.BackupState), timeText(u.At), flag(u.BackupEligible))
	if err != nil {
		return s.space.Error(ctx, op, err)
	}
	switch r {
	case int64(1):
		return nil
	case int64(0):
		return passkey.ErrCredentialNotFound
	case int64(-1):
		return passkey.ErrCounterRegression
	}
	return redis.Unexpected(ctx, op, r)
}

// Remove implements passkey.CredentialStore: one script deletes the record
// if it is the subject's, and, if it was, a second takes its count out of
// the subject's index.
func (s *Credentials) Remove(ctx context.Context, subject string, id []byte) error {
	const op = "passkey-remove"
	if subject == "" || !validID(id) {
		return nil
	}
	if err := redis.Live(ctx, op); err != nil {
		return err
	}
	idh := idHash(id)
	r, err := removeScript.Run(ctx, s.c, s.recordKey(idh), subject)
	if err != nil {
		return s.space.Error(ctx, op, err)
	}
	switch r {
	case int64(0):
		return nil // no record, or another subject's
	case int64(1):
	default:
		return redis.Unexpected(ctx, op, r)
	}
	// The record is gone; should this fail, the entry only stays behind,
	// and List passes over it.
	if _, err := releaseScript.Run(ctx, s.c, s.indexKey(subject), idh); err != nil {
		return s.space.Error(ctx, op, err)
	}
	return nil
}

// validID reports whether a credential of this ID can exist.
func validID(id []byte) bool { return len(id) > 0 && len(id) <= passkey.MaxCredentialIDLen }

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// isIDHash reports whether s is a credential name: 64 lower-case hex digits.
func isIDHash(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
