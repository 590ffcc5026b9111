package passkey

import (
	"context"
	"sort"
	"sync"
)

// MemoryCredentials is an in-process CredentialStore, for tests, examples
// and single-instance services that can afford to lose enrolments on
// restart. The zero value is not usable; call NewMemoryCredentials.
type MemoryCredentials struct {
	mu   sync.Mutex
	byID map[string]*Credential
}

var _ CredentialStore = (*MemoryCredentials)(nil)

// NewMemoryCredentials returns an empty in-memory credential store.
func NewMemoryCredentials() *MemoryCredentials {
	return &MemoryCredentials{byID: make(map[string]*Credential)}
}

// List implements CredentialStore. Credentials come oldest first.
func (m *MemoryCredentials) List(ctx context.Context, subject string) ([]Credential, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []Credential{}
	for _, c := range m.byID {
		if c.Subject == subject {
			out = append(out, *c.Clone())
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return string(out[i].ID) < string(out[j].ID)
	})
	return out, nil
}

// Find implements CredentialStore.
func (m *MemoryCredentials) Find(ctx context.Context, id []byte) (*Credential, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.byID[string(id)]
	if !ok {
		return nil, ErrCredentialNotFound
	}
	return c.Clone(), nil
}

// Add implements CredentialStore.
func (m *MemoryCredentials) Add(ctx context.Context, c Credential) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.byID[string(c.ID)]; dup {
		return ErrCredentialExists
	}
	m.byID[string(c.ID)] = c.Clone()
	return nil
}

// Update implements CredentialStore.
func (m *MemoryCredentials) Update(ctx context.Context, id []byte, u Use) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.byID[string(id)]
	if !ok {
		return ErrCredentialNotFound
	}
	if u.BackupState && !u.BackupEligible {
		return ErrInvalidCredential
	}
	if !CounterAdvances(c.SignCount, u.SignCount) {
		return ErrCounterRegression
	}
	c.SignCount = u.SignCount
	c.BackupEligible = u.BackupEligible
	c.BackupState = u.BackupState
	c.LastUsedAt = u.At
	return nil
}

// Remove implements CredentialStore.
func (m *MemoryCredentials) Remove(ctx context.Context, subject string, id []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.byID[string(id)]; ok && c.Subject == subject {
		delete(m.byID, string(id))
	}
	return nil
}

// Rename sets the name of the subject's credential; another subject's or
// a missing one is ErrCredentialNotFound. The caller validates the name
// (package lifecycle does).
func (m *MemoryCredentials) Rename(ctx context.Context, subject string, id []byte, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.byID[string(id)]
	if !ok || c.Subject != subject {
		return ErrCredentialNotFound
	}
	c.Name = name
	return nil
}
