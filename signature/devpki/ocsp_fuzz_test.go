package devpki_test

import (
	"context"
	"crypto"
	"testing"

	"golang.org/x/crypto/ocsp"

	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/revocation"
)

// FuzzParseOCSPRequest: ParseOCSPRequest never panics, an error comes with
// a nil request, a request has 1..MaxOCSPRequests CertIDs; and whatever a
// client sends, the responder answers with an OCSP response that parses.
func FuzzParseOCSPRequest(f *testing.F) {
	p := newOCSPPKIAt(f, 7, devpki.ECDSAP256, 0, epoch)
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256} {
		req, err := ocsp.CreateRequest(p.leaf.Cert, p.ca.Cert, &ocsp.RequestOptions{Hash: h})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(req)
	}
	f.Add([]byte{0x30, 0x03, 0x30, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		req, err := devpki.ParseOCSPRequest(der)
		if err != nil {
			if req != nil {
				t.Fatal("a request with an error")
			}
		} else if len(req.CertIDs) == 0 || len(req.CertIDs) > devpki.MaxOCSPRequests {
			t.Fatalf("%d CertIDs", len(req.CertIDs))
		} else {
			for _, c := range req.CertIDs {
				if c.Serial == nil || c.Serial.Sign() < 0 {
					t.Fatal("no serial")
				}
			}
		}
		resp, err := p.resp.Respond(context.Background(), der)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := revocation.ParseOCSPResponse(resp); err != nil {
			t.Fatalf("the responder's answer does not parse: %v", err)
		}
	})
}
