package phone

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/strongauth/strongauth/qr"
)

// SignFunc signs content as a CMS SignedData (DER) with the user's ECP
// key: detached, or with the content inside when attached is set.
type SignFunc func(content []byte, attached bool) ([]byte, error)

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
	// Challenge is the decoded document to sign.
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
	var err error
	if req.Challenge, err = base64.StdEncoding.DecodeString(req.Documents.DocumentsToSign[0].Document.File.Data); err != nil {
		return nil, fmt.Errorf("phone: document data: %w", err)
	}
	return &req, nil
}

// Sign signs the request's document with sign (detached for CMS_SIGN_ONLY,
// attached for CMS_WITH_DATA) and sends it back.
func (m *MobileSign) Sign(ctx context.Context, req *MobileSignRequest, sign SignFunc) error {
	cms, err := sign(req.Challenge, req.Documents.SignMethod == qr.WithData)
	if err != nil {
		return err
	}
	return m.Submit(ctx, req, cms)
}

// Submit sends cms as the signature of the request's document.
func (m *MobileSign) Submit(ctx context.Context, req *MobileSignRequest, cms []byte) error {
	out := req.Documents
	out.DocumentsToSign = append([]qr.MobileDocument(nil), req.Documents.DocumentsToSign...)
	out.DocumentsToSign[0].Document.File.Data = base64.StdEncoding.EncodeToString(cms)
	b, err := json.Marshal(out)
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
