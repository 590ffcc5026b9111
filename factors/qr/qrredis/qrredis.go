package qrredis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/strongauth/strongauth/internal/errcode"
	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/store/redis"
)

// ErrConfig reports an invalid Config. It wraps redis.ErrConfig when the
// client or namespace is what is wrong.
var ErrConfig = errcode.Sentinel("qrredis: invalid configuration", errcode.Config)

// Config configures a Devices store. Only Client is required.
type Config struct {
	// Client is the go-redis client, with the same requirements as
	// redis.Config.Client: it must honour context deadlines
	// (ContextTimeoutEnabled) and must not cache on the client side. The
	// host owns it and closes it.
	//
	// Devices are durable: the server behind it must persist its data
	// (appendonly yes). See the package documentation.
	Client goredis.UniversalClient
	// Namespace is the application's key namespace, as redis.Config's:
	// every key starts with Namespace + ":c:qr:". Empty means
	// redis.DefaultNamespace.
	Namespace string
}

// Devices is a qr.DeviceStore on Redis. It is safe for concurrent use and
// keeps no state besides its configuration: any number of them, in any
// number of processes, sharing one server act as one.
type Devices struct {
	c      goredis.UniversalClient
	space  *redis.Space
	prefix string // <namespace>:c:qr:
}

var _ qr.DeviceStore = (*Devices)(nil)

// New validates cfg and returns a Devices store. It does no I/O.
func New(cfg Config) (*Devices, error) {
	if cfg.Client == nil {
		return nil, fmt.Errorf("%w: Client is required", ErrConfig)
	}
	sp, err := redis.NewSpace(redis.Config{Client: cfg.Client, Namespace: cfg.Namespace}, "qr")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return &Devices{c: sp.Client, space: sp, prefix: sp.Prefix}, nil
}

// Key layout under "<namespace>:c:qr:", named by SHA-256 digests in hex.
const (
	claimSpace   = "id:"  // + sha256(device ID): the subject holding the ID, a string
	subjectSpace = "sub:" // + sha256(subject): the subject's devices, a hash
)

func (s *Devices) claimKey(idh string) string { return s.prefix + claimSpace + idh }

// SubjectKey returns the Redis key of the subject's devices, and ClaimKey
// that of a device ID's claim, for operators and tests.
func (s *Devices) SubjectKey(subject string) string {
	h := sha256.Sum256([]byte(subject))
	return s.prefix + subjectSpace + hex.EncodeToString(h[:])
}

// ClaimKey returns the Redis key of the claim of device ID id.
func (s *Devices) ClaimKey(id string) string { return s.claimKey(idHash(id)) }

// LoadScripts loads the scripts into the server's script cache (on every
// master of a Cluster). It is optional, as redis.Store.LoadScripts is.
func (s *Devices) LoadScripts(ctx context.Context) error {
	return s.space.LoadScripts(ctx, "qr-load", scripts...)
}

// Add implements qr.DeviceStore in two steps: it claims the device ID for
// the subject (one script; an ID claimed already is qr.ErrDeviceExists),
// then adds the device to the subject's hash if its key is new there and
// the subject has fewer than limit devices (one script, atomic per subject;
// qr.ErrDeviceExists, qr.ErrDeviceLimit). A refused device gives its claim
// back (a third script).
func (s *Devices) Add(ctx context.Context, d qr.Device, limit int) error {
	const op = "qr-add"
	if d.ID == "" || d.Subject == "" {
		return fmt.Errorf("%w: device without ID or subject", qr.ErrMalformed)
	}
	if !validTime(d.LastUsed) {
		return ErrInvalidTime
	}
	rec, err := encodeRecord(&d)
	if err != nil {
		return fmt.Errorf("%w: %w", qr.ErrMalformed, err)
	}
	if err := redis.Live(ctx, op); err != nil {
		return err
	}
	idh := idHash(d.ID)
	claim := s.claimKey(idh)
	r, err := claimScript.Run(ctx, s.c, claim, d.Subject)
	if err != nil {
		return s.space.Error(ctx, op, err)
	}
	switch r {
	case int64(1):
	case int64(0):
		return qr.ErrDeviceExists
	default:
		return redis.Unexpected(ctx, op, r)
	}
	r, err = addScript.Run(ctx, s.c, s.SubjectKey(d.Subject), idh, qr.KeyThumbprint(d.PublicKey), rec,
		strconv.Itoa(max(limit, 0)), usedText(d.LastUsed))
	if err != nil {
		// The device may or may not have been added: the claim stays.
		return s.space.Error(ctx, op, err)
	}
	n, ok := r.(int64)
	var refusal error
	switch {
	case !ok:
		return redis.Unexpected(ctx, op, r)
	case n > 0:
		return nil
	case n == -1:
		refusal = qr.ErrDeviceExists
	case n == -2:
		refusal = qr.ErrDeviceLimit
	default:
		return redis.Unexpected(ctx, op, r)
	}
	if _, err := unclaimScript.Run(ctx, s.c, claim, d.Subject); err != nil {
		return s.space.Error(ctx, op, err)
	}
	return refusal
}

// owner returns the subject holding device ID id's claim, or "" for none.
func (s *Devices) owner(ctx context.Context, op, idh string) (string, error) {
	v, err := s.c.Get(ctx, s.claimKey(idh)).Result()
	switch {
	case errors.Is(err, goredis.Nil):
		return "", nil
	case err != nil:
		return "", s.space.Error(ctx, op, err)
	case v == "":
		return "", s.space.Error(ctx, op, fmt.Errorf("%w: empty claim", redis.ErrUnexpectedReply))
	}
	return v, nil
}

// Get implements qr.DeviceStore: a GET of the ID's claim, then an HMGET
// of the device in its subject's hash.
func (s *Devices) Get(ctx context.Context, id string) (qr.Device, error) {
	const op = "qr-get"
	if err := redis.Live(ctx, op); err != nil {
		return qr.Device{}, err
	}
	if id == "" {
		return qr.Device{}, qr.ErrDeviceNotFound
	}
	idh := idHash(id)
	subject, err := s.owner(ctx, op, idh)
	if err != nil || subject == "" {
		return qr.Device{}, orNotFound(err)
	}
	vals, err := s.c.HMGet(ctx, s.SubjectKey(subject), "d:"+idh, "s:"+idh, "t:"+idh, "u:"+idh).Result()
	if err != nil {
		return qr.Device{}, s.space.Error(ctx, op, err)
	}
	d, ok, err := parseGet(vals, idh, subject)
	switch {
	case err != nil:
		return qr.Device{}, s.space.Error(ctx, op, err)
	case !ok:
		return qr.Device{}, qr.ErrDeviceNotFound // a claim left by an interrupted Add
	}
	return d, nil
}

// List implements qr.DeviceStore: one HGETALL of the subject's hash.
// Devices come in the order they were added.
func (s *Devices) List(ctx context.Context, subject string) ([]qr.Device, error) {
	const op = "qr-list"
	if err := redis.Live(ctx, op); err != nil {
		return nil, err
	}
	if subject == "" {
		return []qr.Device{}, nil
	}
	h, err := s.c.HGetAll(ctx, s.SubjectKey(subject)).Result()
	if err != nil {
		return nil, s.space.Error(ctx, op, err)
	}
	ds, err := parseSubject(h, subject)
	if err != nil {
		return nil, s.space.Error(ctx, op, err)
	}
	return ds, nil
}

// Remove implements qr.DeviceStore: a GET of the ID's claim (none: nothing
// to remove; another subject's: qr.ErrDeviceNotFound), a script that
// removes the device from the subject's hash and, if it did, one that
// gives the claim up.
func (s *Devices) Remove(ctx context.Context, subject, id string) error {
	const op = "qr-remove"
	if err := redis.Live(ctx, op); err != nil {
		return err
	}
	if id == "" {
		return nil
	}
	idh := idHash(id)
	owner, err := s.owner(ctx, op, idh)
	switch {
	case err != nil:
		return err
	case owner == "":
		return nil
	case owner != subject:
		return qr.ErrDeviceNotFound
	}
	r, err := removeScript.Run(ctx, s.c, s.SubjectKey(subject), idh)
	if err != nil {
		return s.space.Error(ctx, op, err)
	}
	switch r {
	case int64(0):
		return nil // a claim left by an interrupted operation: keep it
	case int64(1):
	default:
		return redis.Unexpected(ctx, op, r)
	}
	// The device is gone; should this fail, the claim only stays behind.
	if _, err := unclaimScript.Run(ctx, s.c, s.claimKey(idh), subject); err != nil {
		return s.space.Error(ctx, op, err)
	}
	return nil
}

// Touch implements qr.DeviceStore: a GET of the ID's claim, then one
// script that moves the device's last use forward, never back.
func (s *Devices) Touch(ctx context.Context, id string, t time.Time) error {
	const op = "qr-touch"
	if !validTime(t) {
		return ErrInvalidTime
	}
	if err := redis.Live(ctx, op); err != nil {
		return err
	}
	if id == "" {
		return qr.ErrDeviceNotFound
	}
	idh := idHash(id)
	subject, err := s.owner(ctx, op, idh)
	if err != nil || subject == "" {
		return orNotFound(err)
	}
	return s.touch(ctx, op, subject, idh, t)
}

func (s *Devices) touch(ctx context.Context, op, subject, idh string, t time.Time) error {
	r, err := touchScript.Run(ctx, s.c, s.SubjectKey(subject), idh, usedText(t))
	if err != nil {
		return s.space.Error(ctx, op, err)
	}
	switch r {
	case int64(1):
		return nil
	case int64(0):
		return qr.ErrDeviceNotFound
	}
	return redis.Unexpected(ctx, op, r)
}

// orNotFound is err, or qr.ErrDeviceNotFound when there is none.
func orNotFound(err error) error {
	if err != nil {
		return err
	}
	return qr.ErrDeviceNotFound
}
