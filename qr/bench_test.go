package qr_test

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"slices"
	"testing"
	"time"

	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
)

// BenchmarkP256Verify is the raw primitive: one ECDSA P-256 verification
// (ASN.1), the floor under every phone request.
func BenchmarkP256Verify(b *testing.B) {
	k := newKey(b)
	h := sha256.Sum256([]byte("document"))
	sig, err := ecdsa.SignASN1(rand.Reader, k, h[:])
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if !ecdsa.VerifyASN1(&k.PublicKey, h[:], sig) {
			b.Fatal("verify")
		}
	}
}

// BenchmarkApproval is a full mode A approval on the server: Scan (parse,
// device lookup, P-256 verify, frame HMAC, bind) and Approve (parse, P-256
// verify, number and details check, state change, device touch), with the
// in-memory store. The phone's signing and the Begin are outside the timer.
func BenchmarkApproval(b *testing.B) {
	e := newEnv(b, func(c *qr.Config) { c.PerIP = 1 << 40 })
	alice := e.enrol("alice", "phone")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		flow := flowID(i)
		s := e.begin(flow)
		scanBody := e.body(alice, qr.Document{Type: qr.DocScan, Frame: s.Content})
		b.StartTimer()
		res, err := e.svc.Scan(ctx, scanBody, "ru")
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		n := e.status(flow).Number
		approveBody := e.body(alice, qr.Document{Type: qr.DocApprove, Session: res.Session, Number: n,
			Action: qr.DetailsDigest(res.Details)})
		b.StartTimer()
		if err := e.svc.Approve(ctx, approveBody); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRedeem is the browser's redemption after an approval (no
// signature: store reads, one consume).
func BenchmarkRedeem(b *testing.B) {
	e := newEnv(b, func(c *qr.Config) { c.PerIP = 1 << 40 })
	alice := e.enrol("alice", "phone")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		flow := flowID(i)
		res := e.scanned(alice, flow)
		if err := e.approve(alice, res, e.status(flow).Number); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := e.svc.Redeem(ctx, flow, binding(flow), e.clock.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

func benchFrame() string {
	return qr.Frame{Prefix: "strongauth", Token: testSession, T: 42, MAC: qr.FrameMAC([]byte("secret"), 42)}.Content()
}

// BenchmarkEncode is the package's Encode alone (rsc.io/qr/coding and the
// mask choice, without a Renderer's layout cache).
func BenchmarkEncode(b *testing.B) {
	c := benchFrame()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := qr.Encode(c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFramePNG is one animated frame as the browser fetches it: the
// current content from the store, encoded and written as PNG by a Renderer.
func BenchmarkFramePNG(b *testing.B) {
	var r qr.Renderer
	benchFrameImage(b, r.PNG)
}

// BenchmarkFrameSVG is the same frame as SVG.
func BenchmarkFrameSVG(b *testing.B) {
	var r qr.Renderer
	benchFrameImage(b, r.SVG)
}

// BenchmarkFramePNGUnpooled is BenchmarkFramePNG without the Renderer's
// buffer reuse (RenderPNG).
func BenchmarkFramePNGUnpooled(b *testing.B) {
	benchFrameImage(b, qr.RenderPNG)
}

func benchFrameImage(b *testing.B, render func(string, int) ([]byte, error)) {
	e := newEnv(b)
	flow := flowID(1)
	e.begin(flow)
	b.ReportAllocs()
	for b.Loop() {
		st, err := e.svc.Status(ctx, flow, binding(flow))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := render(st.Content, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMobileSignSubmit is the server side of a mode B signature, per
// sign method: the document PUT (parse, claim the single use, verification
// over the challenge with a GOST-2015 512 key of the development PKI —
// chain of two, revocation hook —, mapping, approval). The session set-up
// and the app's signing are outside the timer. It reports, interleaved,
// the ratio to the signature package's own VerifyChallenge* of the same
// answer (x-median, x-fastest): what the protocol adds to the
// verification.
func BenchmarkMobileSignSubmit(b *testing.B) {
	for _, method := range qr.SignMethods() {
		b.Run(method, func(b *testing.B) {
			m := newMobileEnv(b, devpki.GOST2015, func(c *qr.MobileSignConfig) { c.Method = method })
			b.ReportAllocs()
			var raw, full []time.Duration
			i := 0
			for b.Loop() {
				b.StopTimer()
				i++
				s := m.beginMobile(flowID(i), func(r *qr.BeginRequest) { r.IP = "" }) // no per-IP budget
				m.fetch(s)
				a := m.answer(m.pki.Individual, method, m.challenge(s))
				body := m.answerBody(s, a)
				ch, err := signature.ParseChallenge(m.mustChallengeText(s))
				if err != nil {
					b.Fatal(err)
				}
				bind := signature.Binding{Origin: testOrigin, Flow: s.flow, Action: "login"}
				now := m.clock.Now()
				t0 := time.Now()
				switch method {
				case qr.SignXML:
					_, err = m.verifier.VerifyChallengeXML(ctx, a.Signature, ch, bind, now, signature.PurposeLogin(), signature.XMLFormChallenge)
				case qr.SignBytesArray:
					_, err = m.verifier.VerifyChallengeBytes(ctx, a.Signature, a.Certificate, ch, bind, now, signature.PurposeLogin())
				default:
					_, err = m.verifier.VerifyChallenge(ctx, a.Signature, ch, bind, now, signature.PurposeLogin())
				}
				t1 := time.Now()
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := m.svc.MobileSubmit(ctx, s.docID, s.bearer, body, iinMapper); err != nil {
					b.Fatal(err)
				}
				raw, full = append(raw, t1.Sub(t0)), append(full, time.Since(t1))
			}
			slices.Sort(raw)
			slices.Sort(full)
			b.ReportMetric(float64(full[0])/float64(raw[0]), "x-fastest")
			b.ReportMetric(float64(full[len(full)/2])/float64(raw[len(raw)/2]), "x-median")
		})
	}
}
