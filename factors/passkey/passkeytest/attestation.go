package passkeytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// AttestationCA is a test authenticator vendor: an attestation root and a
// batch certificate under it for one model (AAGUID), as a security key
// maker has. List RootDER among a metadata statement's
// attestationRootCertificates, and turn a software authenticator's
// registration into a "packed" full (basic) attestation with Packed.
type AttestationCA struct {
	// RootDER is the attestation root certificate, DER.
	RootDER []byte
	// BatchDER is the batch (attestation) certificate, DER; it carries the
	// AAGUID in the id-fido-gen-ce-aaguid extension.
	BatchDER []byte
	batch    *ecdsa.PrivateKey
}

// idFidoGenCeAAGUID is the certificate extension naming the model.
var idFidoGenCeAAGUID = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 45724, 1, 1, 4}

// NewAttestationCA makes a vendor for the model aaguid, with certificates
// valid from 2020 to 2099.
func NewAttestationCA(aaguid [16]byte) (*AttestationCA, error) {
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	from, until := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	root := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test Attestation Root", Organization: []string{"Test Vendor"}},
		NotBefore: from, NotAfter: until, IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	rootDER, err := x509.CreateCertificate(rand.Reader, root, root, &rootKey.PublicKey, rootKey)
	if err != nil {
		return nil, err
	}
	if root, err = x509.ParseCertificate(rootDER); err != nil {
		return nil, err
	}
	batchKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	ext, err := asn1.Marshal(aaguid[:])
	if err != nil {
		return nil, err
	}
	batch := &x509.Certificate{SerialNumber: big.NewInt(2), NotBefore: from, NotAfter: until, BasicConstraintsValid: true,
		Subject: pkix.Name{Country: []string{"KZ"}, Organization: []string{"Test Vendor"},
			OrganizationalUnit: []string{"Authenticator Attestation"}, CommonName: "Test Batch"},
		ExtraExtensions: []pkix.Extension{{Id: idFidoGenCeAAGUID, Value: ext}}}
	batchDER, err := x509.CreateCertificate(rand.Reader, batch, root, &batchKey.PublicKey, rootKey)
	if err != nil {
		return nil, err
	}
	return &AttestationCA{RootDER: rootDER, BatchDER: batchDER, batch: batchKey}, nil
}

// RootBase64 is RootDER in standard base64, as a metadata statement lists
// it.
func (ca *AttestationCA) RootBase64() string { return base64.StdEncoding.EncodeToString(ca.RootDER) }

// Packed rewrites a registration response (the JSON of
// PublicKeyCredential.toJSON() from navigator.credentials.create, or from
// virtualwebauthn) so that its attestation is "packed" with the batch
// certificate: alg ES256, a signature by the batch key over the
// authenticator data and the client data hash, and x5c [batch].
func (ca *AttestationCA) Packed(response []byte) ([]byte, error) {
	var m map[string]any
	if err := json.Unmarshal(response, &m); err != nil {
		return nil, err
	}
	r, ok := m["response"].(map[string]any)
	if !ok {
		return nil, errors.New("passkeytest: no response object")
	}
	objText, _ := r["attestationObject"].(string)
	cdText, _ := r["clientDataJSON"].(string)
	objRaw, err := base64.RawURLEncoding.DecodeString(objText)
	if err != nil {
		return nil, fmt.Errorf("passkeytest: attestationObject: %w", err)
	}
	clientData, err := base64.RawURLEncoding.DecodeString(cdText)
	if err != nil {
		return nil, fmt.Errorf("passkeytest: clientDataJSON: %w", err)
	}
	var obj map[string]any
	if err := cbor.Unmarshal(objRaw, &obj); err != nil {
		return nil, fmt.Errorf("passkeytest: attestationObject: %w", err)
	}
	authData, ok := obj["authData"].([]byte)
	if !ok {
		return nil, errors.New("passkeytest: attestationObject has no authData")
	}
	h := sha256.Sum256(clientData)
	digest := sha256.Sum256(append(append([]byte{}, authData...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, ca.batch, digest[:])
	if err != nil {
		return nil, err
	}
	obj["fmt"] = "packed"
	obj["attStmt"] = map[string]any{"alg": -7, "sig": sig, "x5c": []any{ca.BatchDER}}
	if objRaw, err = cbor.Marshal(obj); err != nil {
		return nil, err
	}
	r["attestationObject"] = base64.RawURLEncoding.EncodeToString(objRaw)
	return json.Marshal(m)
}
