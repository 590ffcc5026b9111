package signature

import (
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Role is what a certificate says its holder is, read from the EKU OIDs of
// the certificate profile (see Profile.Roles).
type Role string

// Roles of the Kazakh NCA profile.
const (
	RoleIndividual        Role = "individual"         // 1.2.398.3.3.4.1.1 физическое лицо
	RoleLegalEntity       Role = "legal_entity"       // 1.2.398.3.3.4.1.2 юридическое лицо
	RoleFirstHead         Role = "first_head"         // 1.2.398.3.3.4.1.2.1 первый руководитель
	RoleRightToSign       Role = "right_to_sign"      // 1.2.398.3.3.4.1.2.2 лицо с правом подписи
	RoleFinancialSigner   Role = "financial_signer"   // 1.2.398.3.3.4.1.2.3 право подписи финансовых документов
	RoleHR                Role = "hr"                 // 1.2.398.3.3.4.1.2.4 сотрудник отдела кадров
	RoleEmployee          Role = "employee"           // 1.2.398.3.3.4.1.2.5 сотрудник
	RoleInformationSystem Role = "information_system" // 1.2.398.3.3.4.1.2.6 информационная система
	RoleTreasuryClient    Role = "treasury_client"    // 1.2.398.5.19.1.2.2.1 участник «Казначейство-Клиент»
)

// KeyStorage says where the signer's private key lives, as the certificate's
// key-storage extension states it.
type KeyStorage string

// Key storages.
const (
	KeyStorageUnknown  KeyStorage = "unknown"  // no extension, or a value the profile does not map
	KeyStorageFile     KeyStorage = "file"     // a PKCS#12 file: a software key (AMR swk)
	KeyStorageHardware KeyStorage = "hardware" // a token or ID card: a hardware key (AMR hwk)
)

// Well-known object identifiers (dotted).
const (
	OIDClientAuth      = "1.3.6.1.5.5.7.3.2"
	OIDEmailProtection = "1.3.6.1.5.5.7.3.4"
	OIDServerAuth      = "1.3.6.1.5.5.7.3.1"

	OIDRoleIndividual        = "1.2.398.3.3.4.1.1"
	OIDRoleLegalEntity       = "1.2.398.3.3.4.1.2"
	OIDRoleFirstHead         = "1.2.398.3.3.4.1.2.1"
	OIDRoleRightToSign       = "1.2.398.3.3.4.1.2.2"
	OIDRoleFinancialSigner   = "1.2.398.3.3.4.1.2.3"
	OIDRoleHR                = "1.2.398.3.3.4.1.2.4"
	OIDRoleEmployee          = "1.2.398.3.3.4.1.2.5"
	OIDRoleInformationSystem = "1.2.398.3.3.4.1.2.6"
	OIDRoleTreasuryClient    = "1.2.398.5.19.1.2.2.1"

	// OIDKeyStorage is the NCA key-storage extension; its value is
	// SEQUENCE { OBJECT IDENTIFIER storage, … }.
	OIDKeyStorage = "1.2.398.3.3.5"
	// OIDKeyStoragePKCS12 is the storage OID of a PKCS#12 file.
	OIDKeyStoragePKCS12 = "1.2.398.3.3.5.1.1"

	oidCommonName   = "2.5.4.3"
	oidSurname      = "2.5.4.4"
	oidSerialNumber = "2.5.4.5"
	oidCountry      = "2.5.4.6"
	oidOrganization = "2.5.4.10"
	oidOrgUnit      = "2.5.4.11"
	oidGivenName    = "2.5.4.42"
	oidEmailAddress = "1.2.840.113549.1.9.1"
)

// Identity is who signed, read from the signer's certificate under a
// Profile. It is JSON-friendly and holds no secret.
type Identity struct {
	// IIN is the 12-digit individual identification number (ИИН), from
	// SERIALNUMBER "IIN…". Information-system certificates have none.
	IIN string `json:"iin,omitempty"`
	// BIN is the 12-digit business identification number (БИН), from OU
	// "BIN…", for legal-entity certificates.
	BIN string `json:"bin,omitempty"`
	// CommonName is CN: "SURNAME NAME" for people.
	CommonName string `json:"cn,omitempty"`
	Surname    string `json:"surname,omitempty"`
	// GivenName is GIVENNAME, which the NCA profile uses for the
	// patronymic (отчество).
	GivenName    string `json:"given_name,omitempty"`
	Organization string `json:"organization,omitempty"`
	Country      string `json:"country,omitempty"`
	// Email is the first rfc822Name of the SubjectAltName (or the subject's
	// emailAddress).
	Email string `json:"email,omitempty"`
	// Roles in the order of the profile's role table.
	Roles []Role `json:"roles,omitempty"`
	// KeyStorage and the raw storage OID of the key-storage extension.
	KeyStorage    KeyStorage `json:"key_storage"`
	KeyStorageOID string     `json:"key_storage_oid,omitempty"`
}

// HasRole reports whether the identity has role r.
func (id *Identity) HasRole(r Role) bool {
	for _, x := range id.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// IsInformationSystem reports an information-system certificate (a
// machine, not a person).
func (id *Identity) IsInformationSystem() bool { return id.HasRole(RoleInformationSystem) }

// IsPerson reports a certificate of a natural person: it carries an IIN and
// is not an information-system certificate.
func (id *Identity) IsPerson() bool { return id.IIN != "" && !id.IsInformationSystem() }

// clone returns a deep copy.
func (id *Identity) clone() *Identity {
	c := *id
	c.Roles = append([]Role(nil), id.Roles...)
	return &c
}

// RoleOID maps one EKU OID to a role.
type RoleOID struct {
	OID  string `json:"oid"`
	Role Role   `json:"role"`
}

// Profile describes, as data, how a national PKI puts identity into its
// certificates. NCAProfile is the Kazakh one; a host may adapt a copy for
// another PKI. A nil *Profile in Config means NCAProfile().
type Profile struct {
	Name string
	// IINAttribute is the subject attribute (dotted OID) whose value is
	// IINPrefix followed by the IIN; BINAttribute and BINPrefix likewise.
	IINAttribute, IINPrefix string
	BINAttribute, BINPrefix string
	// IDDigits is the number of digits of an IIN or BIN (12).
	IDDigits int
	// CheckDigits enables the IIN/BIN check-digit validation (ValidID).
	// Off by default: the NCA's test IINs fail it.
	CheckDigits bool
	// Roles maps EKU OIDs to roles.
	Roles []RoleOID
	// KeyStorageExtension is the extension naming the key's storage, and
	// KeyStorage maps its storage OIDs; unmapped values are
	// KeyStorageUnknown.
	KeyStorageExtension string
	KeyStorage          map[string]KeyStorage
}

// NCAProfile returns the profile of the Kazakh National Certification
// Authority (НУЦ РК). It returns a fresh value each time.
//
// Key storage: the extension 1.2.398.3.3.5 holds SEQUENCE { storage OID }.
// The profile maps 1.2.398.3.3.5.1.1, which the NCA writes for PKCS#12
// files, to KeyStorageFile. The storage OIDs of hardware tokens are not
// mapped, because no authoritative list was available: add them to
// KeyStorage (as KeyStorageHardware) to have AMR hwk reported for them.
// Until then such keys report KeyStorageUnknown, never a stronger claim.
func NCAProfile() *Profile {
	return &Profile{
		Name:         "kz-nca",
		IINAttribute: oidSerialNumber, IINPrefix: "IIN",
		BINAttribute: oidOrgUnit, BINPrefix: "BIN",
		IDDigits: 12,
		Roles: []RoleOID{
			{OIDRoleIndividual, RoleIndividual},
			{OIDRoleLegalEntity, RoleLegalEntity},
			{OIDRoleFirstHead, RoleFirstHead},
			{OIDRoleRightToSign, RoleRightToSign},
			{OIDRoleFinancialSigner, RoleFinancialSigner},
			{OIDRoleHR, RoleHR},
			{OIDRoleEmployee, RoleEmployee},
			{OIDRoleInformationSystem, RoleInformationSystem},
			{OIDRoleTreasuryClient, RoleTreasuryClient},
		},
		KeyStorageExtension: OIDKeyStorage,
		KeyStorage:          map[string]KeyStorage{OIDKeyStoragePKCS12: KeyStorageFile},
	}
}

// validate checks a profile.
func (p *Profile) validate() error {
	if p.IINAttribute == "" || p.IINPrefix == "" || p.BINAttribute == "" || p.BINPrefix == "" {
		return fmt.Errorf("%w: profile %q: IIN and BIN attributes and prefixes are required", ErrConfig, p.Name)
	}
	if p.IDDigits <= 0 || p.IDDigits > 32 {
		return fmt.Errorf("%w: profile %q: IDDigits must be in 1..32", ErrConfig, p.Name)
	}
	for _, r := range p.Roles {
		if r.OID == "" || r.Role == "" {
			return fmt.Errorf("%w: profile %q: empty role mapping", ErrConfig, p.Name)
		}
	}
	return nil
}

// clone returns a deep copy, so that a Verifier does not share the caller's
// maps.
func (p *Profile) clone() *Profile {
	c := *p
	c.Roles = append([]RoleOID(nil), p.Roles...)
	c.KeyStorage = make(map[string]KeyStorage, len(p.KeyStorage))
	for k, v := range p.KeyStorage {
		c.KeyStorage[k] = v
	}
	return &c
}

// IdentityOf reads the identity in cert under profile (NCAProfile when
// nil). It fails with ErrIdentity for an ambiguous or malformed IIN or BIN.
func IdentityOf(cert *x509.Certificate, profile *Profile) (*Identity, error) {
	if profile == nil {
		profile = NCAProfile()
	}
	if cert == nil {
		return nil, fmt.Errorf("%w: nil certificate", ErrIdentity)
	}
	var ekus []string
	for _, u := range cert.ExtKeyUsage {
		if oid, ok := extKeyUsageOID(u); ok {
			ekus = append(ekus, oid)
		}
	}
	for _, u := range cert.UnknownExtKeyUsage {
		ekus = append(ekus, u.String())
	}
	return profile.identity(cert, ekus)
}

func (p *Profile) identity(cert *x509.Certificate, ekus []string) (*Identity, error) {
	id, err := p.ParseSubject(cert.RawSubject)
	if err != nil {
		return nil, err
	}
	if len(cert.EmailAddresses) > 0 {
		id.Email = cert.EmailAddresses[0]
	}
	for _, r := range p.Roles {
		for _, u := range ekus {
			if u == r.OID && !id.HasRole(r.Role) {
				id.Roles = append(id.Roles, r.Role)
			}
		}
	}
	id.KeyStorage = KeyStorageUnknown
	if p.KeyStorageExtension != "" {
		for _, x := range cert.Extensions {
			if x.Id.String() != p.KeyStorageExtension {
				continue
			}
			in := cryptobyte.String(x.Value)
			var seq cryptobyte.String
			var oid asn1.ObjectIdentifier
			if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&oid) {
				return nil, fmt.Errorf("%w: malformed key-storage extension", ErrIdentity)
			}
			id.KeyStorageOID = oid.String()
			if k, ok := p.KeyStorage[id.KeyStorageOID]; ok {
				id.KeyStorage = k
			}
		}
	}
	return id, nil
}

// ParseSubject reads the name attributes of a DER X.501 Name (a
// certificate's RawSubject) under the profile: IIN, BIN, CN, SURNAME,
// GIVENNAME, O, C and emailAddress. Two different values for one of them
// make the identity ambiguous (ErrIdentity); an IIN or BIN that is not
// exactly IDDigits digits, or fails the check digit when CheckDigits is on,
// is refused (ErrIdentity). Malformed DER is ErrMalformed. On error the
// identity is nil.
func (p *Profile) ParseSubject(der []byte) (*Identity, error) {
	in := cryptobyte.String(der)
	var rdns cryptobyte.String
	if !in.ReadASN1(&rdns, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, malformed("subject is not a DER Name")
	}
	id := &Identity{KeyStorage: KeyStorageUnknown}
	n := 0
	for !rdns.Empty() {
		var set cryptobyte.String
		if !rdns.ReadASN1(&set, cbasn1.SET) || set.Empty() {
			return nil, malformed("bad RelativeDistinguishedName")
		}
		for !set.Empty() {
			n++
			if n > 64 {
				return nil, malformed("too many name attributes")
			}
			var atv cryptobyte.String
			var oid asn1.ObjectIdentifier
			var val cryptobyte.String
			var tag cbasn1.Tag
			if !set.ReadASN1(&atv, cbasn1.SEQUENCE) || !atv.ReadASN1ObjectIdentifier(&oid) ||
				!atv.ReadAnyASN1(&val, &tag) || !atv.Empty() {
				return nil, malformed("bad AttributeTypeAndValue")
			}
			s, ok := decodeDirectoryString(tag, val)
			if !ok {
				// Attributes we read must be strings; others are ignored.
				if p.wanted(oid.String()) {
					return nil, malformed("attribute %s is not a directory string", oid)
				}
				continue
			}
			if err := p.setAttribute(id, oid.String(), s); err != nil {
				return nil, err
			}
		}
	}
	return id, nil
}

func (p *Profile) wanted(oid string) bool {
	switch oid {
	case p.IINAttribute, p.BINAttribute, oidCommonName, oidSurname, oidGivenName, oidOrganization, oidCountry, oidEmailAddress:
		return true
	}
	return false
}

func (p *Profile) setAttribute(id *Identity, oid, s string) error {
	set := func(field *string, name string) error {
		if *field != "" && *field != s {
			return fmt.Errorf("%w: two different %s values", ErrIdentity, name)
		}
		*field = s
		return nil
	}
	// IIN and BIN first: with the NCA profile BIN shares OU with nothing
	// else, and IIN shares SERIALNUMBER with nothing else, but another
	// profile may reuse an attribute.
	matched := false
	if oid == p.IINAttribute && strings.HasPrefix(s, p.IINPrefix) {
		v := s[len(p.IINPrefix):]
		if err := p.checkID(v, "IIN"); err != nil {
			return err
		}
		if id.IIN != "" && id.IIN != v {
			return fmt.Errorf("%w: two different IINs", ErrIdentity)
		}
		id.IIN, matched = v, true
	}
	if oid == p.BINAttribute && strings.HasPrefix(s, p.BINPrefix) {
		v := s[len(p.BINPrefix):]
		if err := p.checkID(v, "BIN"); err != nil {
			return err
		}
		if id.BIN != "" && id.BIN != v {
			return fmt.Errorf("%w: two different BINs", ErrIdentity)
		}
		id.BIN, matched = v, true
	}
	if matched {
		return nil
	}
	switch oid {
	case oidCommonName:
		return set(&id.CommonName, "CN")
	case oidSurname:
		return set(&id.Surname, "SURNAME")
	case oidGivenName:
		return set(&id.GivenName, "GIVENNAME")
	case oidOrganization:
		return set(&id.Organization, "O")
	case oidCountry:
		return set(&id.Country, "C")
	case oidEmailAddress:
		return set(&id.Email, "emailAddress")
	}
	return nil
}

func (p *Profile) checkID(v, what string) error {
	if len(v) != p.IDDigits {
		return fmt.Errorf("%w: %s is not %d digits", ErrIdentity, what, p.IDDigits)
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return fmt.Errorf("%w: %s is not %d digits", ErrIdentity, what, p.IDDigits)
		}
	}
	if p.CheckDigits && !ValidID(v) {
		return fmt.Errorf("%w: %s check digit", ErrIdentity, what)
	}
	return nil
}

// ValidID reports whether a 12-digit Kazakh IIN or BIN has a correct check
// digit: the weighted sum of the first 11 digits with weights 1…11, mod 11;
// if that is 10, again with weights 3…11, 1, 2; a result of 10 again makes
// the number invalid. The NCA test certificates carry IINs that fail this
// check, which is why Profile.CheckDigits is off by default.
func ValidID(s string) bool {
	if len(s) != 12 {
		return false
	}
	var d [12]int
	for i := 0; i < 12; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		d[i] = int(s[i] - '0')
	}
	sum := func(offset int) int {
		t := 0
		for i := 0; i < 11; i++ {
			t += d[i] * ((i+offset)%11 + 1)
		}
		return t % 11
	}
	c := sum(0)
	if c == 10 {
		c = sum(2)
		if c == 10 {
			return false
		}
	}
	return c == d[11]
}

// decodeDirectoryString decodes the string types X.509 names use.
func decodeDirectoryString(tag cbasn1.Tag, v []byte) (string, bool) {
	switch tag {
	case cbasn1.UTF8String:
		if !utf8.Valid(v) {
			return "", false
		}
		return string(v), true
	case cbasn1.PrintableString:
		for _, c := range v {
			if !isPrintable(c) {
				return "", false
			}
		}
		return string(v), true
	case cbasn1.IA5String, cbasn1.Tag(18): // IA5String, NumericString
		for _, c := range v {
			if c >= 0x80 {
				return "", false
			}
		}
		return string(v), true
	case cbasn1.T61String:
		// Treated as ISO 8859-1, as crypto/x509 does.
		r := make([]rune, len(v))
		for i, c := range v {
			r[i] = rune(c)
		}
		return string(r), true
	case cbasn1.Tag(30): // BMPString: UTF-16BE
		if len(v)%2 != 0 {
			return "", false
		}
		u := make([]uint16, len(v)/2)
		for i := range u {
			u[i] = uint16(v[2*i])<<8 | uint16(v[2*i+1])
		}
		s := string(utf16.Decode(u))
		if strings.ContainsRune(s, utf8.RuneError) {
			return "", false
		}
		return s, true
	}
	return "", false
}

func isPrintable(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte(" '()+,-./:=?", c) >= 0 ||
		c == '*' || c == '&' // tolerated by crypto/x509 as well
}
