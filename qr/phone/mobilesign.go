package phone

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/strongauth/strongauth/qr"
)

// SignFunc signs content as a CMS SignedData (DER) with the user's ECP
// key: detached, or with the content inside when attached is set.
type SignFunc func(content []byte, attached bool) ([]byte, error)

// Key is the user's ECP key as eGov Mobile uses it, for every sign method.
// Signers implements it with functions.
type Key interface {
	// SignCMS signs content as a CMS SignedData (DER): detached, or with
	// the content inside when attached is set.
	SignCMS(content []byte, attached bool) ([]byte, error)
	// SignXML signs an XML document with an enveloped XML-DSig, as
	// NCALayer's signXml does.
	SignXML(doc []byte) ([]byte, error)
	// SignBytes makes a bare signature over content and returns it with
	// the key's certificate (DER).
	SignBytes(content []byte) (sig, cert []byte, err error)
}

// Signers is a Key made of functions; a nil one refuses its method.
type Signers struct {
	CMS   SignFunc
	XML   func(doc []byte) ([]byte, error)
	Bytes func(content []byte) (sig, cert []byte, err error)
}

var errNoSigner = errors.New("phone: this key does not sign in this method")

// SignCMS implements Key.
func (s Signers) SignCMS(content []byte, attached bool) ([]byte, error) {
	if s.CMS == nil {
		return nil, errNoSigner
	}
	return s.CMS(content, attached)
}

// SignXML implements Key.
func (s Signers) SignXML(doc []byte) ([]byte, error) {
	if s.XML == nil {
		return nil, errNoSigner
	}
	return s.XML(doc)
}

// SignBytes implements Key.
func (s Signers) SignBytes(content []byte) ([]byte, []byte, error) {
	if s.Bytes == nil {
		return nil, nil, errNoSigner
	}
	return s.Bytes(content)
}

// MobileSign plays eGov Mobile in mode B: it reads a "mobileSign:" QR
// code, fetches what to sign and sends the signature back.
type MobileSign struct {
	// HTTP is the client to use. Nil means http.DefaultClient.
	HTTP *http.Client
	// Lang is sent as Accept-Language ("kk", "ru", "en").
	Lang string
}

// MobileSignRequest is a fetched signing request: what the app shows, and
// the challenge to sign.
type MobileSignRequest struct {
	API1      qr.MobileAPI1
	Documents qr.MobileDocuments
	// Challenge is the document to sign: the decoded file data, or the XML
	// document for the XML method.
	Challenge []byte
}

// Fetch reads the QR content ("mobileSign:<API 1 URL>"), calls API 1 and
// fetches the document with its bearer token.
func (m *MobileSign) Fetch(ctx context.Context, content string) (*MobileSignRequest, error) {
	api1, ok := strings.CutPrefix(content, "mobileSign:")
	if !ok {
		return nil, errors.New("phone: not a mobileSign QR code")
	}
	var req MobileSignRequest
	if err := m.do(ctx, http.MethodGet, api1, "", nil, &req.API1); err != nil {
		return nil, err
	}
	d := req.API1.Document
	if d.AuthType != "Token" || d.URI == "" {
		return nil, errors.New("phone: API 1 answered no document")
	}
	if err := m.do(ctx, http.MethodGet, d.URI, d.AuthToken, nil, &req.Documents); err != nil {
		return nil, err
	}
	if len(req.Documents.DocumentsToSign) != 1 {
		return nil, errors.New("phone: expected one document to sign")
	}
	d0 := req.Documents.DocumentsToSign[0]
	switch {
	case req.Documents.SignMethod == qr.SignXML:
		if d0.DocumentXML == "" {
			return nil, errors.New("phone: an XML request without documentXml")
		}
		req.Challenge = []byte(d0.DocumentXML)
	case d0.Document == nil:
		return nil, errors.New("phone: a request without a document")
	default:
		var err error
		if req.Challenge, err = base64.StdEncoding.DecodeString(d0.Document.File.Data); err != nil {
			return nil, fmt.Errorf("phone: document data: %w", err)
		}
	}
	return &req, nil
}

// Sign signs the request's document with sign (detached for CMS_SIGN_ONLY,
// attached for CMS_WITH_DATA) and sends it back. For the other methods use
// SignWith.
func (m *MobileSign) Sign(ctx context.Context, req *MobileSignRequest, sign SignFunc) error {
	switch req.Documents.SignMethod {
	case qr.SignOnly, qr.WithData:
	default:
		return fmt.Errorf("phone: Sign makes a CMS; the request asks for %q (use SignWith)", req.Documents.SignMethod)
	}
	return m.SignWith(ctx, req, Signers{CMS: sign})
}

// SignWith answers the request in the method its document asks for, with
// key, and sends the answer back.
func (m *MobileSign) SignWith(ctx context.Context, req *MobileSignRequest, key Key) error {
	a, err := Answer(req, key, "")
	if err != nil {
		return err
	}
	return m.Send(ctx, req, a)
}

// Answer signs the request's document with key in method (zero: the
// method the document asks for): a CMS, detached (CMS_SIGN_ONLY) or with
// the document (CMS_WITH_DATA); an enveloped XML-DSig of the XML document
// (XML); a bare signature and the certificate (SIGN_BYTES_ARRAY). Another
// method than the one asked is for tests: the server refuses it.
func Answer(req *MobileSignRequest, key Key, method string) (*qr.MobileAnswer, error) {
	if method == "" {
		method = req.Documents.SignMethod
	}
	a := &qr.MobileAnswer{Method: method}
	var err error
	switch method {
	case qr.SignOnly, qr.WithData:
		a.Signature, err = key.SignCMS(req.Challenge, method == qr.WithData)
	case qr.SignXML:
		a.Signature, err = key.SignXML(req.Challenge)
	case qr.SignBytesArray:
		a.Signature, a.Certificate, err = key.SignBytes(req.Challenge)
	default:
		return nil, fmt.Errorf("phone: unknown sign method %q", method)
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Submit sends cms as the signature of the request's document, in the
// method the document asks for.
func (m *MobileSign) Submit(ctx context.Context, req *MobileSignRequest, cms []byte) error {
	return m.Send(ctx, req, &qr.MobileAnswer{Method: req.Documents.SignMethod, Signature: cms})
}

// Send sends an answer (qr.MobileAnswer.Body) to the request's document.
func (m *MobileSign) Send(ctx context.Context, req *MobileSignRequest, a *qr.MobileAnswer) error {
	b, err := a.Body(&req.Documents)
	if err != nil {
		return err
	}
	return m.do(ctx, http.MethodPut, req.API1.Document.URI, req.API1.Document.AuthToken, b, nil)
}

func (m *MobileSign) do(ctx context.Context, method, url, bearer string, body []byte, out any) error {
	h := http.Header{}
	if bearer != "" {
		h.Set("Authorization", "Bearer "+bearer)
	}
	if m.Lang != "" {
		h.Set("Accept-Language", m.Lang)
	}
	return send(ctx, m.HTTP, method, url, h, body, out)
}
