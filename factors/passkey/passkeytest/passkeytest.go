// Package passkeytest is a conformance kit for implementations of
// passkey.CredentialStore, in the manner of testing/slogtest: a host's
// store over its own database (or a Redis one) proves itself by passing
// RunCredentialStore, as passkey.MemoryCredentials does.
//
// The kit checks round trips and isolation of returned values, listing by
// subject, duplicate IDs refused (also with 100 goroutines racing: exactly
// one Add wins), the monotonic signature counter (a counter that does not
// advance is ErrCounterRegression and stores nothing; of 100 racing Updates
// with the same counter exactly one wins), backup eligibility recorded by
// Update (a change the factor accepted), Remove scoped to the subject and
// idempotent, and refusal of invalid records.
package passkeytest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/store/storetest"
)

// Racers is how many goroutines race in the concurrency checks.
const Racers = 100

// RunCredentialStore runs the kit as subtests of t. newStore must return a
// fresh, empty store for every call.
func RunCredentialStore(t *testing.T, newStore func(t *testing.T) passkey.CredentialStore) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

	t.Run("AddFind", func(t *testing.T) {
		s := newStore(t)
		c := Credential("alice", 1)
		c.Transports = []string{"internal", "hybrid"}
		c.AAGUID = [16]byte{0xfb, 0xfc, 1}
		c.ModelVerified = true
		c.AttestationFormat, c.AttestationType = "packed", "basic_full"
		c.Attachment = "platform"
		c.BackupEligible, c.BackupState = true, true
		c.SignCount = 7
		must(t, s.Add(ctx, c))
		got, err := s.Find(ctx, c.ID)
		must(t, err)
		equal(t, &c, got)
		// The caller owns what it got, and the store owns what it was given.
		got.ID[0] ^= 0xff
		got.PublicKey[0] ^= 0xff
		got.Transports[0] = "usb"
		c.UserHandle[0] ^= 0xff
		again, err := s.Find(ctx, Credential("alice", 1).ID)
		must(t, err)
		want := Credential("alice", 1)
		if !bytes.Equal(again.PublicKey, want.PublicKey) || !bytes.Equal(again.UserHandle, want.UserHandle) ||
			again.Transports[0] != "internal" {
			t.Fatal("the store shares memory with its callers")
		}
		if _, err := s.Find(ctx, []byte("missing")); !errors.Is(err, passkey.ErrCredentialNotFound) {
			t.Fatalf("Find(missing) = %v, want ErrCredentialNotFound", err)
		}
	})

	t.Run("List", func(t *testing.T) {
		s := newStore(t)
		list, err := s.List(ctx, "nobody")
		must(t, err)
		if len(list) != 0 {
			t.Fatalf("List of a subject without credentials = %d entries", len(list))
		}
		for i := range 3 {
			must(t, s.Add(ctx, Credential("alice", i)))
		}
		must(t, s.Add(ctx, Credential("bob", 9)))
		list, err = s.List(ctx, "alice")
		must(t, err)
		if len(list) != 3 {
			t.Fatalf("List(alice) = %d credentials, want 3", len(list))
		}
		seen := map[string]bool{}
		for _, c := range list {
			if c.Subject != "alice" {
				t.Fatalf("List(alice) returned a credential of %q", c.Subject)
			}
			seen[string(c.ID)] = true
		}
		if len(seen) != 3 {
			t.Fatal("List(alice) returned duplicates")
		}
		list[0].ID[0] ^= 0xff
		again, err := s.List(ctx, "alice")
		must(t, err)
		for _, c := range again {
			if c.ID[0] != 'c' {
				t.Fatal("List shares memory with its callers")
			}
		}
	})

	t.Run("DuplicateID", func(t *testing.T) {
		s := newStore(t)
		must(t, s.Add(ctx, Credential("alice", 1)))
		other := Credential("mallory", 1) // same ID, another subject
		if err := s.Add(ctx, other); !errors.Is(err, passkey.ErrCredentialExists) {
			t.Fatalf("Add of an existing ID = %v, want ErrCredentialExists", err)
		}
		got, err := s.Find(ctx, other.ID)
		must(t, err)
		if got.Subject != "alice" {
			t.Fatal("a duplicate Add replaced the credential")
		}
	})

	t.Run("AddRace", func(t *testing.T) {
		s := newStore(t)
		var wins atomic.Int32
		race(t, func(i int) error {
			err := s.Add(ctx, Credential(fmt.Sprintf("subject-%d", i), 1))
			switch {
			case err == nil:
				wins.Add(1)
				return nil
			case errors.Is(err, passkey.ErrCredentialExists):
				return nil
			}
			return err
		})
		if n := wins.Load(); n != 1 {
			t.Fatalf("%d of %d racing Adds of one ID won, want exactly 1", n, Racers)
		}
	})

	t.Run("InvalidRecords", func(t *testing.T) {
		s := newStore(t)
		for name, mut := range map[string]func(c *passkey.Credential){
			"empty ID":                func(c *passkey.Credential) { c.ID = nil },
			"ID too long":             func(c *passkey.Credential) { c.ID = make([]byte, passkey.MaxCredentialIDLen+1) },
			"no subject":              func(c *passkey.Credential) { c.Subject = "" },
			"no user handle":          func(c *passkey.Credential) { c.UserHandle = nil },
			"user handle too long":    func(c *passkey.Credential) { c.UserHandle = make([]byte, passkey.MaxUserHandleLen+1) },
			"no public key":           func(c *passkey.Credential) { c.PublicKey = nil },
			"backup without eligible": func(c *passkey.Credential) { c.BackupState, c.BackupEligible = true, false },
		} {
			c := Credential("alice", 1)
			mut(&c)
			if err := s.Add(ctx, c); !errors.Is(err, passkey.ErrInvalidCredential) {
				t.Fatalf("Add with %s = %v, want ErrInvalidCredential", name, err)
			}
		}
		list, err := s.List(ctx, "alice")
		must(t, err)
		if len(list) != 0 {
			t.Fatal("an invalid record was stored")
		}
	})

	t.Run("UpdateCounter", func(t *testing.T) {
		s := newStore(t)
		c := Credential("alice", 1)
		c.SignCount = 5
		c.BackupEligible = true
		must(t, s.Add(ctx, c))
		for _, n := range []uint32{5, 4, 0} {
			if err := s.Update(ctx, c.ID, passkey.Use{SignCount: n, At: at}); !errors.Is(err, passkey.ErrCounterRegression) {
				t.Fatalf("Update(counter %d after 5) = %v, want ErrCounterRegression", n, err)
			}
		}
		got, err := s.Find(ctx, c.ID)
		must(t, err)
		if got.SignCount != 5 || !got.LastUsedAt.IsZero() {
			t.Fatalf("a refused Update stored something: count %d, last used %v", got.SignCount, got.LastUsedAt)
		}
		must(t, s.Update(ctx, c.ID, passkey.Use{SignCount: 6, BackupEligible: true, BackupState: true, At: at}))
		got, err = s.Find(ctx, c.ID)
		must(t, err)
		if got.SignCount != 6 || !got.BackupEligible || !got.BackupState || !got.LastUsedAt.Equal(at) {
			t.Fatalf("Update not recorded: count %d, backup state %v, last used %v", got.SignCount, got.BackupState, got.LastUsedAt)
		}
		if err := s.Update(ctx, []byte("missing"), passkey.Use{SignCount: 1, At: at}); !errors.Is(err, passkey.ErrCredentialNotFound) {
			t.Fatalf("Update(missing) = %v, want ErrCredentialNotFound", err)
		}
	})

	t.Run("UpdateBackupEligibility", func(t *testing.T) {
		// A change of the BE flag that the factor accepted
		// (Config.InsecureAcceptBackupChange) is recorded, both ways.
		s := newStore(t)
		c := Credential("alice", 1)
		must(t, s.Add(ctx, c))
		must(t, s.Update(ctx, c.ID, passkey.Use{SignCount: 1, BackupEligible: true, BackupState: true, At: at}))
		got, err := s.Find(ctx, c.ID)
		must(t, err)
		if !got.BackupEligible || !got.BackupState {
			t.Fatalf("Update did not record backup eligibility: BE %v, BS %v", got.BackupEligible, got.BackupState)
		}
		must(t, s.Update(ctx, c.ID, passkey.Use{SignCount: 2, At: at}))
		got, err = s.Find(ctx, c.ID)
		must(t, err)
		if got.BackupEligible || got.BackupState {
			t.Fatalf("Update did not record the loss of backup eligibility: BE %v, BS %v", got.BackupEligible, got.BackupState)
		}
		list, err := s.List(ctx, "alice")
		must(t, err)
		if len(list) != 1 || list[0].BackupEligible {
			t.Fatal("List disagrees with Find about backup eligibility")
		}
	})

	t.Run("UpdateWithoutCounter", func(t *testing.T) {
		s := newStore(t)
		c := Credential("alice", 1) // SignCount 0: an authenticator without a counter
		must(t, s.Add(ctx, c))
		for i := range 3 {
			must(t, s.Update(ctx, c.ID, passkey.Use{SignCount: 0, At: at.Add(time.Duration(i) * time.Second)}))
		}
		got, err := s.Find(ctx, c.ID)
		must(t, err)
		if !got.LastUsedAt.Equal(at.Add(2 * time.Second)) {
			t.Fatalf("last used = %v", got.LastUsedAt)
		}
	})

	t.Run("UpdateRace", func(t *testing.T) {
		s := newStore(t)
		c := Credential("alice", 1)
		c.SignCount = 10
		must(t, s.Add(ctx, c))
		var wins atomic.Int32
		race(t, func(int) error {
			err := s.Update(ctx, c.ID, passkey.Use{SignCount: 11, At: at})
			switch {
			case err == nil:
				wins.Add(1)
				return nil
			case errors.Is(err, passkey.ErrCounterRegression):
				return nil
			}
			return err
		})
		if n := wins.Load(); n != 1 {
			t.Fatalf("%d of %d racing Updates with the same counter won, want exactly 1 (a cloned authenticator slips through)", n, Racers)
		}
	})

	t.Run("Remove", func(t *testing.T) {
		s := newStore(t)
		c := Credential("alice", 1)
		must(t, s.Add(ctx, c))
		must(t, s.Remove(ctx, "mallory", c.ID))
		if _, err := s.Find(ctx, c.ID); err != nil {
			t.Fatalf("Remove by another subject removed the credential: %v", err)
		}
		must(t, s.Remove(ctx, "alice", c.ID))
		if _, err := s.Find(ctx, c.ID); !errors.Is(err, passkey.ErrCredentialNotFound) {
			t.Fatalf("Find after Remove = %v, want ErrCredentialNotFound", err)
		}
		must(t, s.Remove(ctx, "alice", c.ID))
		list, err := s.List(ctx, "alice")
		must(t, err)
		if len(list) != 0 {
			t.Fatal("List still returns a removed credential")
		}
		must(t, s.Add(ctx, c)) // the ID may be registered again
	})
}

// Credential returns a valid record for subject whose ID depends only on n
// (so two subjects' records with the same n collide).
func Credential(subject string, n int) passkey.Credential {
	return passkey.Credential{
		ID:         []byte(fmt.Sprintf("cred-%04d-................", n)),
		Subject:    subject,
		UserHandle: []byte("handle-" + subject),
		PublicKey:  bytes.Repeat([]byte{0xa5, byte(n)}, 38),
		CreatedAt:  time.Date(2026, 3, 1, 9, 0, n, 0, time.UTC),
	}
}

func equal(t *testing.T, want, got *passkey.Credential) {
	t.Helper()
	if !bytes.Equal(want.ID, got.ID) || want.Subject != got.Subject || !bytes.Equal(want.UserHandle, got.UserHandle) ||
		!bytes.Equal(want.PublicKey, got.PublicKey) || want.AttestationFormat != got.AttestationFormat ||
		want.AttestationType != got.AttestationType || want.AAGUID != got.AAGUID || want.ModelVerified != got.ModelVerified ||
		want.SignCount != got.SignCount ||
		fmt.Sprint(want.Transports) != fmt.Sprint(got.Transports) || want.Attachment != got.Attachment ||
		want.BackupEligible != got.BackupEligible || want.BackupState != got.BackupState ||
		!want.CreatedAt.Equal(got.CreatedAt) || !want.LastUsedAt.Equal(got.LastUsedAt) {
		t.Fatalf("round trip changed the credential:\nwant %+v\n got %+v", *want, *got)
	}
}

// race runs fn in Racers goroutines released at once.
func race(t *testing.T, fn func(i int) error) {
	t.Helper()
	storetest.Race(t, Racers, fn)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
