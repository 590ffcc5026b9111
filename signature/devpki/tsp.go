package devpki

import (
	"crypto"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// OIDTimeStamping is the extended key usage of a time-stamping authority;
// issue a TSA leaf with LeafOptions.EKU = []string{OIDTimeStamping}.
const OIDTimeStamping = "1.3.6.1.5.5.7.3.8"

// OIDDevTSAPolicy is the TSA policy a development time stamp carries by
// default (the policy of the NCA's TSA, 1.2.398.3.3.2.6.1, is a different
// arc: nothing here is an NCA time stamp).
const OIDDevTSAPolicy = "1.2.398.3.3.2.6.999"

// TimeStampOptions shape an RFC 3161 time-stamp token.
type TimeStampOptions struct {
	// Hash is the message-imprint hash: SHA-256 (default), SHA-384,
	// SHA-512 or SHA-1 (as older TSAs, the NCA's among them, use).
	Hash crypto.Hash
	// GenTime is the time stamp's time; zero means the generator's Now.
	GenTime time.Time
	// Policy is the TSA policy OID; empty means OIDDevTSAPolicy.
	Policy string
	// Serial is the token's serial number; nil means a random one.
	Serial *big.Int
	// Nonce, when set, is put into the TSTInfo.
	Nonce *big.Int
}

// TimeStampToken makes an RFC 3161 time-stamp token (a CMS SignedData with
// an attached id-ct-TSTInfo) whose message imprint is the hash of message,
// signed by the leaf as a time-stamping authority. To time-stamp a CMS
// signature, message is the SignerInfo's signature value (see
// CMSOptions.UnsignedAttributes).
func (l *Leaf) TimeStampToken(message []byte, o TimeStampOptions) ([]byte, error) {
	if l == nil || l.Cert == nil {
		return nil, errors.New("devpki: no time-stamping certificate")
	}
	if o.Hash == 0 {
		o.Hash = crypto.SHA256
	}
	hashOID := map[crypto.Hash]string{crypto.SHA1: "1.3.14.3.2.26", crypto.SHA256: "2.16.840.1.101.3.4.2.1",
		crypto.SHA384: "2.16.840.1.101.3.4.2.2", crypto.SHA512: "2.16.840.1.101.3.4.2.3"}[o.Hash]
	if hashOID == "" || !o.Hash.Available() {
		return nil, fmt.Errorf("devpki: time-stamp imprint hash %v", o.Hash)
	}
	if o.GenTime.IsZero() {
		o.GenTime = l.g.now()
	}
	if o.Policy == "" {
		o.Policy = OIDDevTSAPolicy
	}
	policy := mustOID(o.Policy)
	if policy == nil {
		return nil, fmt.Errorf("devpki: bad TSA policy %q", o.Policy)
	}
	if o.Serial == nil {
		s, err := l.g.serial()
		if err != nil {
			return nil, err
		}
		o.Serial = s
	}
	h := o.Hash.New()
	h.Write(message)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddASN1ObjectIdentifier(policy)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(mustOID(hashOID)) })
			b.AddASN1OctetString(h.Sum(nil))
		})
		b.AddASN1BigInt(o.Serial)
		b.AddASN1GeneralizedTime(o.GenTime.UTC())
		if o.Nonce != nil {
			b.AddASN1BigInt(o.Nonce)
		}
	})
	tst, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("devpki: TSTInfo: %w", err)
	}
	return l.SignCMS(tst, CMSOptions{Attached: true, Chain: true, SigningTime: o.GenTime, contentType: OIDTSTInfo})
}

// TimeStampAttribute returns CMSOptions.UnsignedAttributes that time-stamp
// each signature with tsa.
func TimeStampAttribute(tsa *Leaf, o TimeStampOptions) func([]byte) ([]Attribute, error) {
	return func(sig []byte) ([]Attribute, error) {
		token, err := tsa.TimeStampToken(sig, o)
		if err != nil {
			return nil, err
		}
		return []Attribute{{Type: mustOID(OIDAttrTimeStampToken), Values: [][]byte{token}}}, nil
	}
}
