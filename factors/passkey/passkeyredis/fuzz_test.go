package passkeyredis

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/store/redis"
)

// seedCredentials are valid credentials in their various shapes.
func seedCredentials() []*passkey.Credential {
	at := time.Date(2026, 3, 1, 10, 0, 0, 123456789, time.FixedZone("ALMT", 5*3600))
	full := &passkey.Credential{
		ID: []byte("credential-id-0123456789"), Subject: "880101300123", UserHandle: []byte("handle-1"),
		PublicKey: []byte{0xa5, 1, 2, 3}, AttestationFormat: "packed", AttestationType: "basic_full",
		AAGUID: [16]byte{0xfb, 0xfc, 0x30, 7}, ModelVerified: true, SignCount: 4294967295, Transports: []string{"internal", "hybrid"},
		Attachment: "platform", BackupEligible: true, BackupState: true, CreatedAt: at, LastUsedAt: at.Add(time.Hour),
	}
	bare := &passkey.Credential{ID: []byte{0}, Subject: "a", UserHandle: []byte{1}, PublicKey: []byte{2}}
	return []*passkey.Credential{full, bare}
}

// FuzzParseRecord feeds parseRecord arbitrary field values (as a hostile
// or damaged server would hold them): it never panics, an error comes with
// no credential, and a credential it accepts is valid and survives
// encodeRecord and parseRecord again unchanged.
func FuzzParseRecord(f *testing.F) {
	for _, c := range seedCredentials() {
		fields, err := encodeRecord(c)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], true, fields[6])
		f.Add(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], false, "") // written before e existed
	}
	f.Fuzz(func(t *testing.T, fv, s, d, count, backup, used string, hasE bool, eligible string) {
		// Name the record after the ID its data claims, so that parsing
		// goes past the name check whenever the data has an ID at all.
		var claimed struct {
			ID []byte `json:"id"`
		}
		_ = json.Unmarshal([]byte(d), &claimed)
		idh := idHash(claimed.ID)
		var e any
		if hasE {
			e = eligible
		}
		c, err := parseRecord([]any{fv, s, d, count, backup, used, e}, idh)
		if err != nil {
			if c != nil {
				t.Fatal("an error with a credential")
			}
			if !errors.Is(err, redis.ErrUnexpectedReply) {
				t.Fatalf("error %v is not ErrUnexpectedReply", err)
			}
			return
		}
		if c == nil {
			t.Fatal("no credential and no error for a complete record")
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted an invalid credential: %v", err)
		}
		once, err := encodeRecord(c)
		if err != nil {
			t.Fatalf("cannot encode what was parsed: %v", err)
		}
		again, err := parseRecord(toAny(once), idh)
		if err != nil {
			t.Fatalf("round trip: %v", err)
		}
		twice, err := encodeRecord(again)
		if err != nil || !slices.Equal(once, twice) {
			t.Fatalf("round trip changed the record:\n%q\n%q", once, twice)
		}
	})
}

func toAny(fields []string) []any {
	a := make([]any, len(fields))
	for i, f := range fields {
		a[i] = f
	}
	return a
}

func TestParseRecordShapes(t *testing.T) {
	c := seedCredentials()[0]
	fields, err := encodeRecord(c)
	if err != nil {
		t.Fatal(err)
	}
	idh := idHash(c.ID)
	got, err := parseRecord(toAny(fields), idh)
	if err != nil || !got.LastUsedAt.Equal(c.LastUsedAt) || got.SignCount != c.SignCount || got.AAGUID != c.AAGUID {
		t.Fatalf("round trip: %v %+v", err, got)
	}
	if got, err := parseRecord(make([]any, 7), idh); got != nil || err != nil {
		t.Fatalf("a missing record = %v, %v; want nil, nil", got, err)
	}
	for name, vals := range map[string][]any{
		"too few fields":       toAny(fields[:6]),
		"a number":             {fields[0], fields[1], fields[2], int64(1), fields[4], fields[5], fields[6]},
		"a field missing":      {fields[0], nil, fields[2], fields[3], fields[4], fields[5], fields[6]},
		"only e":               {nil, nil, nil, nil, nil, nil, "1"},
		"another name":         toAny(fields),
		"counter too long":     {fields[0], fields[1], fields[2], "00000000001", fields[4], fields[5], fields[6]},
		"eligibility not flag": {fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], "true"},
		"state without e":      {fields[0], fields[1], fields[2], fields[3], "1", fields[5], "0"},
	} {
		h := idh
		if name == "another name" {
			h = idHash([]byte("other"))
		}
		if got, err := parseRecord(vals, h); got != nil || !errors.Is(err, redis.ErrUnexpectedReply) {
			t.Errorf("%s: %v, %v; want ErrUnexpectedReply", name, got, err)
		}
	}
	for _, s := range []string{"", "-1", "01", "4294967296", "1e3", " 1"} {
		if _, ok := parseCount(s); ok {
			t.Errorf("parseCount(%q) accepted", s)
		}
	}
	if _, err := encodeRecord(&passkey.Credential{LastUsedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}); !errors.Is(err, ErrInvalidUse) {
		t.Errorf("a last use past year 9999 = %v, want ErrInvalidUse", err)
	}
}

// BenchmarkParseRecord: reading a record (strict JSON, checks, Validate)
// beside the plain json.Unmarshal of the same fixed part that it wraps.
func BenchmarkParseRecord(b *testing.B) {
	c := seedCredentials()[0]
	fields, err := encodeRecord(c)
	if err != nil {
		b.Fatal(err)
	}
	vals, idh := toAny(fields), idHash(c.ID)
	b.Run("parseRecord", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := parseRecord(vals, idh); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw-json.Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var st static
			if err := json.Unmarshal([]byte(fields[2]), &st); err != nil {
				b.Fatal(err)
			}
		}
	})
}
