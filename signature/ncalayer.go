package signature

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// NCALayer is the NCA's local signer: a desktop application the browser
// reaches at wss://127.0.0.1:13579. These types describe the requests of
// its "basics" module that signs data as CMS or XML, and of the legacy
// "commonUtils" module's signXml, so that a host page can send the request
// Begin returns to the socket unchanged.
const (
	NCALayerURL    = "wss://127.0.0.1:13579"
	NCALayerModule = "kz.gov.pki.knca.basics"
	NCALayerSign   = "sign"
	// NCALayerCommonUtils and NCALayerSignXML are the legacy module and its
	// method that sign an XML document (kz.gov.pki.knca.commonUtils
	// signXml), which many portals still call.
	NCALayerCommonUtils = "kz.gov.pki.knca.commonUtils"
	NCALayerSignXML     = "signXml"
)

// NCALayerRequest is a request to NCALayer's basics module.
type NCALayerRequest struct {
	Module string           `json:"module"`
	Method string           `json:"method"`
	Args   NCALayerSignArgs `json:"args"`
}

// NCALayerSignArgs are the arguments of basics.sign.
type NCALayerSignArgs struct {
	// AllowedStorages limits the key storages offered ("PKCS12",
	// "AKKaztokenStore", "AKKZIDCardStore", …); null offers all.
	AllowedStorages []string `json:"allowedStorages"`
	// Format is "cms" or "xml".
	Format string `json:"format"`
	// Data is the base64 of the bytes to sign (cms), or the XML document
	// itself (xml).
	Data          string                `json:"data"`
	SigningParams NCALayerSigningParams `json:"signingParams"`
	SignerParams  NCALayerSignerParams  `json:"signerParams"`
	// Locale is "kk", "ru" or "en".
	Locale string `json:"locale,omitempty"`
}

// NCALayerSigningParams says how to sign.
type NCALayerSigningParams struct {
	// Decode: Data is base64 to decode before signing (true for CMS, so
	// that the bytes signed are the challenge itself; false for XML, whose
	// Data is the document).
	Decode bool `json:"decode"`
	// Encapsulate: attach the content to the CMS (false: detached).
	Encapsulate bool `json:"encapsulate"`
	// Digested: Data is already a digest (always false here).
	Digested bool `json:"digested"`
}

// NCALayerSignerParams narrow the keys NCALayer offers.
type NCALayerSignerParams struct {
	// ExtKeyUsageOids filters keys by extended key usage.
	ExtKeyUsageOids []string `json:"extKeyUsageOids"`
	// IIN and BIN filter keys by owner, when the subject is already known.
	IIN string `json:"iin,omitempty"`
	BIN string `json:"bin,omitempty"`
	// Chain is a list of base64 CA certificates NCALayer may use to build
	// the signer's chain.
	Chain []string `json:"chain,omitempty"`
}

// NCALayerOptions shape the request for one challenge.
type NCALayerOptions struct {
	// Attached asks for the content inside the CMS (encapsulate: true).
	Attached bool
	// EKU is the extKeyUsageOids filter (Purpose.NCALayerEKU).
	EKU []string
	// IIN and BIN, when the subject is already known.
	IIN, BIN        string
	AllowedStorages []string
	Locale          string
}

// NewNCALayerRequest returns the basics.sign request that asks NCALayer to
// sign data (the challenge's canonical bytes) as CMS.
func NewNCALayerRequest(data []byte, o NCALayerOptions) *NCALayerRequest {
	eku := append([]string{}, o.EKU...) // never null: NCALayer expects an array
	var storages []string
	if len(o.AllowedStorages) > 0 {
		storages = append(storages, o.AllowedStorages...)
	}
	return &NCALayerRequest{
		Module: NCALayerModule,
		Method: NCALayerSign,
		Args: NCALayerSignArgs{
			AllowedStorages: storages,
			Format:          "cms",
			Data:            base64.StdEncoding.EncodeToString(data),
			SigningParams:   NCALayerSigningParams{Decode: true, Encapsulate: o.Attached, Digested: false},
			SignerParams:    NCALayerSignerParams{ExtKeyUsageOids: eku, IIN: o.IIN, BIN: o.BIN},
			Locale:          o.Locale,
		},
	}
}

// NewNCALayerXMLRequest returns the basics.sign request that asks NCALayer
// to sign an XML document (a challenge's XML form) as an enveloped
// XML-DSig: format "xml", the document as data.
func NewNCALayerXMLRequest(doc []byte, o NCALayerOptions) *NCALayerRequest {
	r := NewNCALayerRequest(nil, o)
	r.Args.Format = "xml"
	r.Args.Data = string(doc)
	r.Args.SigningParams = NCALayerSigningParams{Decode: false, Encapsulate: true, Digested: false}
	return r
}

// NCALayerLegacyRequest is a request to NCALayer's legacy commonUtils
// module: {"module", "method", "args": [...]}.
type NCALayerLegacyRequest struct {
	Module string   `json:"module"`
	Method string   `json:"method"`
	Args   []string `json:"args"`
}

// Key types of the legacy signXml request.
const (
	NCALayerKeyAuth = "AUTHENTICATION" // legacy AUTH keys (EKU clientAuth)
	NCALayerKeySign = "SIGNATURE"      // SIGN keys and the combined GOST-2015 keys
)

// NewNCALayerSignXMLRequest returns the legacy commonUtils.signXml request
// for doc: args [storage, keyType, xml, "", ""]. storage "" means
// "PKCS12"; keyType "" means NCALayerKeySign.
func NewNCALayerSignXMLRequest(doc []byte, storage, keyType string) *NCALayerLegacyRequest {
	if storage == "" {
		storage = "PKCS12"
	}
	if keyType == "" {
		keyType = NCALayerKeySign
	}
	return &NCALayerLegacyRequest{Module: NCALayerCommonUtils, Method: NCALayerSignXML, Args: []string{storage, keyType, string(doc), "", ""}}
}

// String describes the request without its document (a challenge).
func (r *NCALayerLegacyRequest) String() string {
	return fmt.Sprintf("NCALayerLegacyRequest{%s.%s data=REDACTED}", r.Module, r.Method)
}

// NCALayerResponse is NCALayer's answer. basics.sign:
// {"status": true, "body": {"result": ["-----BEGIN CMS-----…" or "<?xml…"]}}
// on success, {"status": false, "code": "…", "message": "…"} on failure
// (the user cancelled, no key…). The legacy commonUtils methods:
// {"code": "200", "responseObject": "<?xml…"} on success, another code
// with a message on failure.
type NCALayerResponse struct {
	Status  bool   `json:"status"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	Body    struct {
		Result json.RawMessage `json:"result,omitempty"`
	} `json:"body"`
	ResponseObject json.RawMessage `json:"responseObject,omitempty"`
}

// ParseNCALayerResponse extracts the signature from an NCALayer response:
// basics.sign (result as an array of one string, or as a string) — a CMS
// or, for format "xml", the signed XML document — or the legacy
// commonUtils signXml (code "200" with the signed XML as responseObject).
// It does not verify anything: pass the result to Verifier.Verify or
// VerifyXML (VerifyAny takes both). A failure response yields an
// ErrMalformed error carrying NCALayer's code.
func ParseNCALayerResponse(b []byte) (string, error) {
	if len(b) > DefaultMaxInputSize*2 {
		return "", malformed("NCALayer response too large")
	}
	var r NCALayerResponse
	if err := json.Unmarshal(b, &r); err != nil {
		return "", malformed("NCALayer response is not JSON")
	}
	if !r.Status && r.Code == "200" && len(r.ResponseObject) > 0 {
		var one string
		if err := json.Unmarshal(r.ResponseObject, &one); err != nil || one == "" {
			return "", malformed("NCALayer response without a result")
		}
		return one, nil
	}
	if !r.Status {
		return "", malformed("NCALayer refused: %s", truncate(r.Code, 64))
	}
	var list []string
	if err := json.Unmarshal(r.Body.Result, &list); err == nil {
		if len(list) != 1 || list[0] == "" {
			return "", malformed("NCALayer returned %d results, want 1", len(list))
		}
		return list[0], nil
	}
	var one string
	if err := json.Unmarshal(r.Body.Result, &one); err != nil || one == "" {
		return "", malformed("NCALayer response without a result")
	}
	return one, nil
}

// String describes the request without its data (a challenge).
func (r *NCALayerRequest) String() string {
	return fmt.Sprintf("NCALayerRequest{%s.%s format=%s encapsulate=%t data=REDACTED}",
		r.Module, r.Method, r.Args.Format, r.Args.SigningParams.Encapsulate)
}
