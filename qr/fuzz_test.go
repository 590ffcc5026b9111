package qr_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/signature/devpki"
)

// FuzzParseDocument: scanned-by-the-phone documents are attacker input.
// Error ⇒ nil; success ⇒ the canonical form round-trips byte for byte.
func FuzzParseDocument(f *testing.F) {
	for _, d := range sampleDocs() {
		f.Add(d.Marshal())
	}
	f.Add([]byte("strongauth-qr/1\ntype=approve\n"))
	f.Add([]byte("strongauth-qr/1\ntype=deny\ndevice=AAECAwQFBgcICQoLDA0ODw\nsession=EBESExQVFhcYGRobHB0eHw\ntime=01\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := qr.ParseDocument(b)
		if err != nil {
			if d != nil {
				t.Fatal("error with a result")
			}
			return
		}
		if out := d.Marshal(); !bytes.Equal(out, b) {
			t.Fatalf("not canonical:\n%q\n%q", b, out)
		}
		again, err := qr.ParseDocument(d.Marshal())
		if err != nil || *again != *d {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// FuzzParseFrame: the scanned QR content. Error ⇒ zero frame; success ⇒
// Content reproduces the input exactly.
func FuzzParseFrame(f *testing.F) {
	f.Add(testFrame)
	f.Add("strongauth." + testSession + ".0." + testHex)
	f.Add("bankid." + testSession + ".99999." + testHex)
	f.Add("mobileSign:https://example.kz/api/1")
	f.Fuzz(func(t *testing.T, s string) {
		fr, err := qr.ParseFrame(s)
		if err != nil {
			if fr.Token != "" || fr.MAC != nil {
				t.Fatal("error with a result")
			}
			return
		}
		if fr.Content() != s {
			t.Fatalf("round trip: %q → %q", s, fr.Content())
		}
	})
}

// FuzzOpenSigned: a phone request body. Error ⇒ nil; success ⇒ the raw
// document parses to the same document.
func FuzzOpenSigned(f *testing.F) {
	k := newKey(f)
	for _, d := range sampleDocs() {
		s, err := qr.Sign(k, nil, d)
		if err != nil {
			f.Fatal(err)
		}
		if d.Type == qr.DocEnrol {
			s.Key = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"
		}
		b, _ := json.Marshal(s)
		f.Add(b, string(d.Type))
	}
	f.Add([]byte(`{"doc":"","sig":""}`), "scan")
	f.Fuzz(func(t *testing.T, b []byte, typ string) {
		o, err := qr.OpenSigned(b, qr.DocType(typ))
		if err != nil {
			if o != nil {
				t.Fatal("error with a result")
			}
			return
		}
		d, err := qr.ParseDocument(o.Raw)
		if err != nil || *d != *o.Doc || string(o.Doc.Type) != typ {
			t.Fatalf("opened document disagrees with its bytes: %v", err)
		}
	})
}

// FuzzPhoneRequests sends hostile bodies to Scan, Approve and Deny against
// a live, scanned session. Without the device key no body can succeed, and
// none may change the session.
func FuzzPhoneRequests(f *testing.F) {
	e := newEnv(f)
	alice := e.enrol("alice", "phone")
	flow := flowID(1)
	res := e.scanned(alice, flow)
	// Well-formed bodies under alice's device ID, signed by another key
	// (mallory's), some of them tampered too. Alice's own signature never
	// enters the corpus: a one-byte mutation that undid a tamper would
	// otherwise restore a body she really signed, whose approve is then
	// rightly refused for good (failing the session) and whose deny
	// rightly succeeds.
	mallory := &phone{key: newKey(f), id: alice.id}
	approve := e.body(mallory, qr.Document{Type: qr.DocApprove, Session: res.Session, Number: 42, Action: testHex})
	f.Add(approve, uint8(0))
	f.Add(bytes.Replace(approve, []byte("number=42"), []byte("number=43"), 1), uint8(0))
	deny := e.body(mallory, qr.Document{Type: qr.DocDeny, Session: res.Session})
	f.Add(deny, uint8(2))
	f.Add(bytes.Replace(deny, []byte("type=deny"), []byte("type=dent"), 1), uint8(2))
	f.Add([]byte(`{"doc":"strongauth-qr/1\ntype=scan\n","sig":"AAAAAAAAAAA"}`), uint8(1))
	f.Fuzz(func(t *testing.T, b []byte, op uint8) {
		var err error
		switch op % 3 {
		case 0:
			err = e.svc.Approve(ctx, b)
		case 1:
			var r *qr.ScanResult
			r, err = e.svc.Scan(ctx, b, "en")
			if err != nil && r != nil {
				t.Fatal("error with a result")
			}
		case 2:
			var d *qr.Denial
			d, err = e.svc.Deny(ctx, b)
			if err != nil && d != nil {
				t.Fatal("error with a result")
			}
		}
		if err == nil {
			t.Fatalf("an unsigned body succeeded: %q", b)
		}
		if st, err := e.svc.Status(ctx, flow, binding(flow)); err != nil || st.State != qr.StateScanned {
			t.Fatalf("a refused request changed the session: %v %v", st, err)
		}
	})
}

// FuzzParseMobileSubmit: the body eGov Mobile PUTs (mode B JSON), for each
// sign method the server may have asked. Error ⇒ nil; success ⇒ an answer
// in the asked method with a signature (and, for SIGN_BYTES_ARRAY, a
// certificate) that survives a round trip through MobileAnswer.Body.
func FuzzParseMobileSubmit(f *testing.F) {
	f.Add([]byte(`{"signMethod":"CMS_SIGN_ONLY","version":1,"documentsToSign":[{"id":1,"nameRu":"x","meta":[{"name":"a","value":"b"}],"document":{"file":{"mime":"text/plain","data":"MIIBAg=="}}}]}`), uint8(0))
	f.Add([]byte(`{"signMethod":"CMS_WITH_DATA","version":1,"documentsToSign":[{"id":1,"document":{"file":{"data":"AQID"}}}]}`), uint8(1))
	f.Add([]byte(`{"signMethod":"XML","version":1,"documentsToSign":[{"id":1,"documentXml":"<login><sessionid>x</sessionid><ds:Signature/></login>"}]}`), uint8(2))
	f.Add([]byte(`{"signMethod":"SIGN_BYTES_ARRAY","version":1,"documentsToSign":[{"id":1,"document":{"file":{"mime":"text/plain","data":"{\"signature\":\"AQID\",\"certificate\":\"MAMCAQE=\"}"}}}]}`), uint8(3))
	f.Add([]byte(`{"signMethod":"SIGN_BYTES_ARRAY","version":1,"documentsToSign":[{"id":1,"document":{"file":{"data":"{\"signature\":\"AQID\",\"signature\":\"AQID\"}"}}}]}`), uint8(3))
	f.Add([]byte(`{"documentsToSign":[]}`), uint8(0))
	methods := qr.SignMethods()
	f.Fuzz(func(t *testing.T, b []byte, m uint8) {
		method := methods[int(m)%len(methods)]
		a, err := qr.ParseMobileSubmit(b, method)
		if err != nil {
			if a != nil {
				t.Fatal("error with a result")
			}
			return
		}
		var d qr.MobileDocuments
		if json.Unmarshal(b, &d) != nil || len(d.DocumentsToSign) != 1 || a.Method != method || len(a.Signature) == 0 ||
			(method == qr.SignBytesArray) != (len(a.Certificate) > 0) {
			t.Fatalf("accepted a body of another shape: %q", b)
		}
		again, err := a.Body(&d)
		if err != nil {
			t.Fatal(err)
		}
		back, err := qr.ParseMobileSubmit(again, method)
		if err != nil || !bytes.Equal(back.Signature, a.Signature) || !bytes.Equal(back.Certificate, a.Certificate) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// FuzzMobileSubmit sends hostile document PUTs (any document ID, bearer
// and body) to a live, fetched mode B session: without its bearer token
// nothing succeeds, and nothing changes the session.
func FuzzMobileSubmit(f *testing.F) {
	m := newMobileEnv(f, devpki.GOST2015)
	s := m.beginMobile(flowID(1))
	m.fetch(s)
	f.Add(s.docID, "wrong", m.body(s, []byte("not a CMS")))
	f.Add(s.docID, "", []byte("{}"))
	f.Add("AAAAAAAAAAAAAAAAAAAAAA", s.docID, []byte(`{"signMethod":"CMS_SIGN_ONLY"}`))
	f.Fuzz(func(t *testing.T, docID, bearer string, body []byte) {
		if bearer == s.bearer {
			return
		}
		signer, err := m.svc.MobileSubmit(ctx, docID, bearer, body, iinMapper)
		if err == nil || signer != nil {
			t.Fatalf("a submission without the bearer token succeeded")
		}
		if st, err := m.svc.Status(ctx, s.flow, binding(s.flow)); err != nil || st.State != qr.StateScanned {
			t.Fatalf("a refused submission changed the session: %v %v", st, err)
		}
	})
}
