package revocation

import (
	"crypto/x509"
	"encoding/asn1"
	"math/big"
	mrand "math/rand/v2"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/strongauth/strongauth/internal/testenv"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// ncaShapeCRL makes a signed CRL of n entries shaped as the NCA writes
// them: a 20-byte serial, a UTCTime and a reasonCode extension (53 bytes
// an entry), built directly as DER (x509.CreateRevocationList would take
// longer than the parse it serves).
func ncaShapeCRL(tb testing.TB, p *testPKI, n int) []byte {
	tb.Helper()
	rng := mrand.New(mrand.NewChaCha8([32]byte{2}))
	var tbs cryptobyte.Builder
	tbs.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidECDSAWithSHA256) })
		b.AddBytes(p.ca.RawSubject)
		b.AddASN1UTCTime(testEpoch.Add(-time.Hour))
		b.AddASN1UTCTime(testEpoch.Add(24 * time.Hour))
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for i := range n {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					var s [20]byte
					for j := 0; j < len(s); j += 8 {
						v := rng.Uint64()
						for k := 0; k < 8 && j+k < len(s); k++ {
							s[j+k] = byte(v >> (8 * k))
						}
					}
					s[0] = s[0]&0x7f | 0x10
					b.AddASN1(cbasn1.INTEGER, func(b *cryptobyte.Builder) { b.AddBytes(s[:]) })
					b.AddASN1UTCTime(testEpoch.Add(-time.Duration(i) * time.Second))
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier(oidReasonCode)
							b.AddASN1(cbasn1.OCTET_STRING, func(b *cryptobyte.Builder) { b.AddASN1Enum(int64([]int{1, 3, 4, 5}[i%4])) })
						})
					})
				})
			}
		})
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidCRLNumber)
					b.AddASN1(cbasn1.OCTET_STRING, func(b *cryptobyte.Builder) { b.AddASN1BigInt(big.NewInt(166)) })
				})
			})
		})
	})
	tbsDER, err := tbs.Bytes()
	if err != nil {
		tb.Fatal(err)
	}
	oid, sig, err := p.caKey.sign(tbsDER)
	if err != nil || !oid.Equal(oidECDSAWithSHA256) {
		tb.Fatal(err, oid)
	}
	var out cryptobyte.Builder
	out.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbsDER)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oid) })
		b.AddASN1BitString(sig)
	})
	return out.BytesOrPanic()
}

// The raw OID octets the entry parser compares are those of the OIDs.
func TestRawEntryExtensionOIDs(t *testing.T) {
	for raw, oid := range map[string]asn1.ObjectIdentifier{
		rawReasonCode: oidReasonCode, rawHoldInstruction: oidHoldInstruction,
		rawInvalidityDate: oidInvalidityDate, rawCertificateIssuer: oidCertificateIssuer,
	} {
		der, err := asn1.Marshal(oid)
		if err != nil || string(der[2:]) != raw {
			t.Fatalf("%v: % x", oid, der)
		}
	}
}

// A CRL of the NCA's shape parses to the index its entries say.
func TestNCAShapeCRL(t *testing.T) {
	p := newPKI(t, "ecdsa", testEpoch)
	der := ncaShapeCRL(t, p, 1000)
	crl, err := ParseCRL(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(p.ca); err != nil {
		t.Fatal(err)
	}
	std, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	if crl.Len() != len(std.RevokedCertificateEntries) {
		t.Fatalf("%d entries, x509 reads %d", crl.Len(), len(std.RevokedCertificateEntries))
	}
	for _, e := range std.RevokedCertificateEntries {
		got, ok := crl.Lookup(e.SerialNumber)
		if !ok || !got.RevokedAt.Equal(e.RevocationTime) || got.Reason != e.ReasonCode {
			t.Fatalf("%x: %+v %v, x509 %v %d", e.SerialNumber, got, ok, e.RevocationTime, e.ReasonCode)
		}
	}
}

// BenchmarkCRLLoad1M loads (parses and verifies) a 1 M-entry CRL of the
// NCA's shape (53 MB of DER) and reports, besides the time:
//
//	alloc-MiB     bytes allocated by one load, DER excluded; with the
//	              collector off during the load this is its peak heap
//	              growth, an upper bound of it otherwise
//	retained-MiB  what the loaded index keeps after a collection
//	cpu-s         the process's CPU time per load (user + system, the
//	              collector included): on a shared machine the honest
//	              measure beside the wall time of ns/op
//
// The goals are a load within 1 s and at most 150 MiB.
func BenchmarkCRLLoad1M(b *testing.B) {
	p := newPKI(b, "ecdsa", testEpoch)
	der := ncaShapeCRL(b, p, 1_000_000)
	b.SetBytes(int64(len(der)))
	var crl *CRL
	load := func() {
		var err error
		if crl, err = ParseCRL(der); err != nil {
			b.Fatal(err)
		}
		if err := crl.CheckSignatureFrom(p.ca); err != nil {
			b.Fatal(err)
		}
	}
	load()
	if crl.Len() != 1_000_000 {
		b.Fatalf("%d entries", crl.Len())
	}
	var before, after runtime.MemStats
	crl = nil
	runtime.GC()
	runtime.ReadMemStats(&before)
	old := debug.SetGCPercent(-1)
	load()
	runtime.ReadMemStats(&after)
	debug.SetGCPercent(old)
	alloc := float64(after.TotalAlloc - before.TotalAlloc)
	runtime.GC()
	runtime.ReadMemStats(&after)
	retained := float64(after.HeapAlloc) - float64(before.HeapAlloc)
	runtime.KeepAlive(crl)
	crl = nil
	runtime.GC()
	var cpu time.Duration
	b.ResetTimer()
	for b.Loop() {
		c0 := testenv.CPUTime()
		load()
		cpu += testenv.CPUTime() - c0
		b.StopTimer()
		crl = nil
		runtime.GC()
		b.StartTimer()
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s")
	b.ReportMetric(alloc/(1<<20), "alloc-MiB")
	b.ReportMetric(retained/(1<<20), "retained-MiB")
}

// FuzzEntryTime: the direct UTCTime reader agrees with cryptobyte's (the
// general path) on every input: the same instant, or both refuse.
func FuzzEntryTime(f *testing.F) {
	for _, s := range []string{"260601090000Z", "500101000000Z", "491231235959Z", "240229120000Z", "230229120000Z",
		"261301000000Z", "260631000000Z", "262401000000Z", "260101006000Z", "2601010000Z", "260101000000+0500", "2601010000 0Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if len(v) > 100 {
			return
		}
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.UTCTime, func(b *cryptobyte.Builder) { b.AddBytes([]byte(v)) })
		der := b.BytesOrPanic()
		fast, general := cryptobyte.String(der), cryptobyte.String(der)
		got, err1 := readEntryTime(&fast)
		want, err2 := readTime(&general)
		if (err1 == nil) != (err2 == nil) || err1 == nil && (got != want.Unix() || len(fast) != len(general)) {
			t.Fatalf("%q: direct %d %v, cryptobyte %v %v", v, got, err1, want, err2)
		}
	})
}
