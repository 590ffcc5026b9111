package signature_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
)

// FuzzVerifyXML: whatever the document, VerifyXML never panics, returns a
// result only without an error, and a result is a document whose canonical
// form, re-canonicalised, is itself, signed by the fuzz PKI's leaf.
func FuzzVerifyXML(f *testing.F) {
	leaf, v := fuzzPKI(f)
	for _, cr := range []bool{false, true} {
		doc, err := leaf.SignXML([]byte(loginDoc), devpki.XMLOptions{CR: cr})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(doc)
		f.Add(doc[:len(doc)/2])
		f.Add(bytes.Replace(doc, []byte("<sessionid>"), []byte("<!--c--><sessionid>"), 1))
		f.Add(bytes.Replace(doc, []byte(`URI=""`), []byte(`URI="#x"`), 1))
	}
	f.Add([]byte(`<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>`))
	f.Add([]byte(`<a xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:Signature/></a>`))
	f.Add([]byte(`<?xml version="1.0"?><a b="1" b="2"/>`))
	f.Fuzz(func(t *testing.T, in []byte) {
		res, err := v.VerifyXML(ctx, in, signature.VerifyOptions{Purpose: signature.PurposeLogin()})
		if err != nil {
			if res != nil {
				t.Fatal("a result with an error")
			}
			if signature.Code(err) == "internal" {
				t.Fatalf("an error of no known kind: %v", err)
			}
			return
		}
		if len(res.Signers) != 1 || res.Signers[0].Identity.IIN == "" || res.Format != signature.FormatXML {
			t.Fatalf("odd result %+v", res)
		}
		again, err := signature.CanonicalXML(res.Content)
		if err != nil || !bytes.Equal(again, res.Content) {
			t.Fatalf("the signed content is not canonical: %v", err)
		}
	})
}

// FuzzCanonicalXML: the canonical form of any accepted document is
// accepted and canonical (canonicalising it again changes nothing).
func FuzzCanonicalXML(f *testing.F) {
	f.Add([]byte(loginDoc))
	f.Add([]byte(`<login xmlns="urn:x" xmlns:b="urn:b" z="1" a="&amp;&quot;&lt;"><b:x b:k="v">t&amp;&lt;&gt;&#13;` + "\u00e9</b:x><y/>\n <s>n</s></login>"))
	f.Add([]byte(`<a><![CDATA[<x>&]]></a>`))
	f.Add([]byte(`<a xmlns="urn:a"><b xmlns=""><c xml:lang="kk"/></b></a>`))
	f.Add([]byte(strings.Repeat("<a>", 10) + strings.Repeat("</a>", 10)))
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := signature.CanonicalXML(in)
		if err != nil {
			if c != nil {
				t.Fatal("a result with an error")
			}
			return
		}
		again, err := signature.CanonicalXML(c)
		if err != nil {
			t.Fatalf("canonical form refused: %v\n%q\n%q", err, in, c)
		}
		if !bytes.Equal(again, c) {
			t.Fatalf("not idempotent:\n%q\n%q\n%q", in, c, again)
		}
	})
}
