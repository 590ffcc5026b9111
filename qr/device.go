package qr

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Device is an enrolled device credential: a P-256 key that the user's
// mobile app keeps in secure hardware and unlocks with biometrics or a PIN.
// Nothing in it is secret.
type Device struct {
	// ID is the server-assigned device ID (16 random bytes, base64url).
	ID string `json:"id"`
	// Subject is the account the device belongs to.
	Subject string `json:"subject"`
	// Name is the user's name for the device ("Aigerim's iPhone").
	Name string `json:"name"`
	// PublicKey is the DER SubjectPublicKeyInfo of the ECDSA P-256 key.
	PublicKey []byte `json:"public_key"`
	// CreatedAt is when the device was enrolled.
	CreatedAt time.Time `json:"created_at"`
	// LastUsed is when the device last approved a session (zero if never).
	LastUsed time.Time `json:"last_used,omitzero"`
}

// Key parses the device's public key.
func (d *Device) Key() (*ecdsa.PublicKey, error) { return ParsePublicKey(d.PublicKey) }

// Thumbprint is KeyThumbprint of the device's key.
func (d *Device) Thumbprint() string { return KeyThumbprint(d.PublicKey) }

func (d Device) clone() Device {
	d.PublicKey = slices.Clone(d.PublicKey)
	return d
}

// DeviceStore keeps device credentials, long-lived and per subject. Every
// method is safe for concurrent use and returns copies. Errors other than
// the documented sentinels mean the store could not answer; callers deny.
//
// The conformance kit in qr/devicetest checks an implementation.
type DeviceStore interface {
	// Add stores a new device. A device whose ID is taken, or whose key
	// (PublicKey) is already enrolled for the same subject, is
	// ErrDeviceExists; a subject that already has max devices is
	// ErrDeviceLimit (max <= 0 means no limit). The check and the insert
	// are atomic.
	Add(ctx context.Context, d Device, max int) error
	// Get returns the device with this ID, or ErrDeviceNotFound.
	Get(ctx context.Context, id string) (Device, error)
	// List returns the subject's devices, oldest first (none: empty, no
	// error).
	List(ctx context.Context, subject string) ([]Device, error)
	// Remove deletes the subject's device id. Removing a missing device is
	// not an error; removing another subject's device is ErrDeviceNotFound
	// and removes nothing.
	Remove(ctx context.Context, subject, id string) error
	// Touch sets the device's LastUsed to t (never backwards). A missing
	// device is ErrDeviceNotFound.
	Touch(ctx context.Context, id string, t time.Time) error
}

// MemoryDevices is an in-memory DeviceStore for one process, tests and
// examples. Devices are lost when the process exits.
type MemoryDevices struct {
	mu      sync.Mutex
	byID    map[string]Device
	subject map[string][]string // subject → IDs, oldest first
}

var _ DeviceStore = (*MemoryDevices)(nil)

// NewMemoryDevices returns an empty MemoryDevices.
func NewMemoryDevices() *MemoryDevices {
	return &MemoryDevices{byID: make(map[string]Device), subject: make(map[string][]string)}
}

// Add implements DeviceStore.
func (m *MemoryDevices) Add(ctx context.Context, d Device, max int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d.ID == "" || d.Subject == "" {
		return fmt.Errorf("%w: device without ID or subject", ErrMalformed)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byID[d.ID]; ok {
		return ErrDeviceExists
	}
	ids := m.subject[d.Subject]
	tp := d.Thumbprint()
	for _, id := range ids {
		if KeyThumbprint(m.byID[id].PublicKey) == tp {
			return ErrDeviceExists
		}
	}
	if max > 0 && len(ids) >= max {
		return ErrDeviceLimit
	}
	m.byID[d.ID] = d.clone()
	m.subject[d.Subject] = append(ids, d.ID)
	return nil
}

// Get implements DeviceStore.
func (m *MemoryDevices) Get(ctx context.Context, id string) (Device, error) {
	if err := ctx.Err(); err != nil {
		return Device{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.byID[id]
	if !ok {
		return Device{}, ErrDeviceNotFound
	}
	return d.clone(), nil
}

// List implements DeviceStore.
func (m *MemoryDevices) List(ctx context.Context, subject string) ([]Device, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ds := make([]Device, 0, len(m.subject[subject]))
	for _, id := range m.subject[subject] {
		ds = append(ds, m.byID[id].clone())
	}
	return ds, nil
}

// Remove implements DeviceStore.
func (m *MemoryDevices) Remove(ctx context.Context, subject, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.byID[id]
	if !ok {
		return nil
	}
	if d.Subject != subject {
		return ErrDeviceNotFound
	}
	delete(m.byID, id)
	ids := slices.DeleteFunc(m.subject[subject], func(x string) bool { return x == id })
	if len(ids) == 0 {
		delete(m.subject, subject)
	} else {
		m.subject[subject] = ids
	}
	return nil
}

// Touch implements DeviceStore.
func (m *MemoryDevices) Touch(ctx context.Context, id string, t time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.byID[id]
	if !ok {
		return ErrDeviceNotFound
	}
	if t.After(d.LastUsed) {
		d.LastUsed = t
		m.byID[id] = d
	}
	return nil
}

// Rename sets the name of the subject's device; another subject's or a
// missing one is ErrDeviceNotFound. The caller validates the name.
func (m *MemoryDevices) Rename(ctx context.Context, subject, id, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.byID[id]
	if !ok || d.Subject != subject {
		return ErrDeviceNotFound
	}
	d.Name = name
	m.byID[id] = d
	return nil
}
