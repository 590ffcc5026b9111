package main

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/qr/phone"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/gosttest"
)

// egov plays eGov Mobile: it fetches the mobileSign request, shows it,
// signs the document with the test key in the sign method the request
// asks for (or in method, to see the server refuse another one) and sends
// the answer back.
func egov(ctx context.Context, hc *http.Client, stdout, stderr io.Writer, content, imagePath, certPath, keyHex, keyPEM, lang, method string) int {
	text, code := scanned(stderr, "egov", content, imagePath)
	if code != 0 {
		return code
	}
	if certPath == "" || (keyHex == "") == (keyPEM == "") {
		fmt.Fprintln(stderr, "mobile egov: -cert and one of -key-hex or -key-pem are required")
		return 2
	}
	if method == "auto" {
		method = ""
	}
	if method != "" && !slices.Contains(qr.SignMethods(), method) {
		fmt.Fprintf(stderr, "mobile egov: -method must be auto or one of %s\n", strings.Join(qr.SignMethods(), ", "))
		return 2
	}
	leaf, err := loadSigner(certPath, keyHex, keyPEM)
	if err != nil {
		fmt.Fprintln(stderr, "mobile:", err)
		return 1
	}
	app := &phone.MobileSign{HTTP: hc, Lang: lang}
	req, err := app.Fetch(ctx, text)
	if err != nil {
		fmt.Fprintln(stderr, "mobile:", err)
		return 1
	}
	o := req.API1.Organisation
	fmt.Fprintf(stdout, "%s\n  from %s (BIN %s), until %s\n", req.API1.Description, o.NameRu, orDash(o.BIN),
		req.API1.ExpiryDate.Local().Format("15:04:05"))
	for _, m := range req.Documents.DocumentsToSign[0].Meta {
		fmt.Fprintf(stdout, "  %s: %s\n", m.Name, m.Value)
	}
	answer := method
	if answer == "" {
		answer = req.Documents.SignMethod
	}
	if answer == req.Documents.SignMethod {
		fmt.Fprintf(stdout, "signing as %s (%s)\n", leaf.Cert.Subject.CommonName, answer)
	} else {
		fmt.Fprintf(stdout, "signing as %s (%s, though %s was asked)\n", leaf.Cert.Subject.CommonName, answer,
			req.Documents.SignMethod)
	}
	a, err := phone.Answer(req, leafKey(leaf), answer)
	if err == nil {
		err = app.Send(ctx, req, a)
	}
	if err != nil {
		fmt.Fprintln(stderr, "mobile:", err)
		return 1
	}
	fmt.Fprintln(stdout, "signed")
	return 0
}

// leafKey signs in every sign method with a test leaf: CMS with the
// signing time now, XML as NCALayer's signXml writes it, bare signatures
// (SHA-256 for RSA and ECDSA) with the certificate.
func leafKey(l *devpki.Leaf) phone.Key {
	return phone.Signers{
		CMS: func(content []byte, attached bool) ([]byte, error) {
			return l.SignCMS(content, devpki.CMSOptions{Attached: attached})
		},
		XML: func(doc []byte) ([]byte, error) { return l.SignXML(doc, devpki.XMLOptions{CR: true}) },
		Bytes: func(content []byte) ([]byte, []byte, error) {
			sig, err := l.SignBytes(content, 0)
			return sig, l.Cert.Raw, err
		},
	}
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// loadSigner reads a TEST certificate and key as a devpki leaf that signs
// CMS.
func loadSigner(certPath, keyHex, keyPEM string) (*devpki.Leaf, error) {
	b, err := os.ReadFile(certPath)
	if err != nil {
		return nil, err
	}
	if blk, _ := pem.Decode(b); blk != nil {
		b = blk.Bytes
	}
	cert, err := x509.ParseCertificate(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", certPath, err)
	}
	var priv any
	if keyHex != "" {
		h, err := os.ReadFile(keyHex)
		if err != nil {
			return nil, err
		}
		if priv, err = gosttest.PrivateKeyFromHex(gost.CurveTC26512A(), strings.TrimSpace(string(h))); err != nil {
			return nil, fmt.Errorf("%s: %w", keyHex, err)
		}
	} else {
		p, err := os.ReadFile(keyPEM)
		if err != nil {
			return nil, err
		}
		blk, _ := pem.Decode(p)
		if blk == nil {
			return nil, errors.New(keyPEM + ": no PEM block")
		}
		if priv, err = x509.ParsePKCS8PrivateKey(blk.Bytes); err != nil {
			return nil, fmt.Errorf("%s: %w", keyPEM, err)
		}
	}
	return devpki.New(devpki.Config{}).Leaf(cert, nil, priv)
}
