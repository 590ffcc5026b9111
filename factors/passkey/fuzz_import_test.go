package passkey_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/strongauth/strongauth/factors/passkey"
)

// fixedCredential is a complete, valid credential with fixedDevice's key.
func fixedCredential(tb testing.TB) passkey.Credential {
	d := fixedDevice(tb)
	return passkey.Credential{
		ID: d.cred.ID, Subject: alice, UserHandle: []byte("alice-handle"), PublicKey: d.cred.Key.AttestationData(),
		AttestationFormat: "packed", AttestationType: "basic_full", AAGUID: d.auth.Aaguid, ModelVerified: true,
		SignCount: 41, Transports: []string{"internal", "hybrid"}, Attachment: "platform", BackupEligible: true,
		BackupState: true, CreatedAt: t0, LastUsedAt: t0.Add(time.Hour),
	}
}

// FuzzImportCredential feeds ImportCredential hostile records: it never
// panics, an error is ErrInvalidCredential with no credential, and a
// credential it accepts is valid and exports to a record that imports to
// the same export again.
func FuzzImportCredential(f *testing.F) {
	c := fixedCredential(f)
	full, err := passkey.ExportCredential(&c)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(full)
	bare := passkey.Credential{ID: []byte{1}, Subject: "a", UserHandle: []byte{2}, PublicKey: c.PublicKey}
	b, err := passkey.ExportCredential(&bare)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"v":1,"credential":null}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := passkey.ImportCredential(in)
		if err != nil {
			if c != nil || !errors.Is(err, passkey.ErrInvalidCredential) {
				t.Fatalf("error %v with credential %v", err, c)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("imported an invalid credential: %v", err)
		}
		once, err := passkey.ExportCredential(c)
		if err != nil {
			t.Fatalf("cannot export what was imported: %v", err)
		}
		again, err := passkey.ImportCredential(once)
		if err != nil {
			t.Fatalf("round trip: %v", err)
		}
		twice, err := passkey.ExportCredential(again)
		if err != nil || !bytes.Equal(once, twice) {
			t.Fatalf("round trip changed the record:\n%s\n%s", once, twice)
		}
	})
}

// FuzzFromGoWebAuthn feeds FromGoWebAuthn hostile go-webauthn JSON: it
// never panics, an error is ErrInvalidCredential with no credential, and a
// credential it maps is valid and exportable.
func FuzzFromGoWebAuthn(f *testing.F) {
	c := fixedCredential(f)
	seed, err := json.Marshal(map[string]any{
		"id": c.ID, "publicKey": c.PublicKey, "attestationType": "none", "attestationFormat": "none",
		"transport":     []string{"internal"},
		"flags":         map[string]bool{"userPresent": true, "userVerified": true, "backupEligible": true, "backupState": false},
		"authenticator": map[string]any{"AAGUID": c.AAGUID[:], "signCount": 3, "attachment": "platform"},
		"attestation":   map[string]any{"clientDataJSON": "", "object": ""},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"id":"AQ==","publicKey":"` + base64.StdEncoding.EncodeToString(c.PublicKey) + `","attestationType":"packed"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := passkey.FromGoWebAuthn(passkey.GoWebAuthnRecord{Subject: alice, UserHandle: []byte("h"), Credential: in})
		if err != nil {
			if got != nil || !errors.Is(err, passkey.ErrInvalidCredential) {
				t.Fatalf("error %v with credential %v", err, got)
			}
			return
		}
		if err := got.Validate(); err != nil {
			t.Fatalf("mapped an invalid credential: %v", err)
		}
		if _, err := passkey.ExportCredential(got); err != nil {
			t.Fatalf("cannot export a mapped credential: %v", err)
		}
	})
}

// FuzzLoadMetadata feeds LoadMetadata hostile BLOBs under a test root: it
// never panics, and an error comes with no catalogue. (Only BLOBs signed
// under the root reach the library's parser; the fuzzer mostly exercises
// the JWT and certificate checks before it.)
func FuzzLoadMetadata(f *testing.F) {
	ca := newMDS(f)
	ca.add([16]byte{1}, "FIDO_CERTIFIED_L1")
	blob := ca.blob(f)
	f.Add(blob)
	if i := bytes.IndexByte(blob, '.'); i > 0 {
		f.Add(append([]byte(base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"ES256","x5u":"https://x"}`))), blob[i:]...))
		f.Add(append([]byte(base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"ES256"}`))), blob[i:]...))
	}
	cfg := passkey.MetadataConfig{Root: ca.rootPEM, Now: func() time.Time { return t0 }}
	f.Fuzz(func(t *testing.T, in []byte) {
		md, err := passkey.LoadMetadata(in, cfg)
		if (err == nil) == (md == nil) {
			t.Fatalf("LoadMetadata = %v, %v", md, err)
		}
		if md != nil && md.Len() == 0 {
			t.Fatal("an empty catalogue was accepted")
		}
	})
}
