package main

import (
	"context"
	"errors"
	"slices"

	"github.com/strongauth/strongauth/signature/devpki"
)

// Person is a test person of the demo: an account (its subject is the
// IIN), the phone bound to it and the language of its SMS. The dev PKI
// issues each person a GOST-2015 key that the NCALayer simulator holds.
type Person struct {
	IIN        string
	Surname    string
	Name       string
	Patronymic string
	// Phone is the number bound to the account (E.164); SMS codes go only
	// there.
	Phone string
	// Lang is the language of the person's SMS: "kk", "ru" or "en".
	Lang string
	// Revoked makes the dev PKI revoke the person's certificate: the
	// portal then refuses their signature ("revoked").
	Revoked bool
	// Kind is the NCA profile of the person's key: devpki.Individual (the
	// zero value), or a legal entity's devpki.FirstHead, RightToSign,
	// Employee…, which need BIN and name the Organisation.
	Kind         devpki.Kind
	BIN          string
	Organisation string
}

// FullName is "SURNAME NAME".
func (p Person) FullName() string { return p.Surname + " " + p.Name }

// DefaultPeople are the demo's test persons. The IINs are well-formed
// (date of birth, century and sex digit, check digit) but made up.
func DefaultPeople() []Person {
	return []Person{
		{IIN: "880101300123", Surname: "Әлиев", Name: "Асқар", Patronymic: "Серікұлы", Phone: "+77015550123", Lang: "ru"},
		{IIN: "920202450012", Surname: "Сейтқали", Name: "Айгерім", Patronymic: "Ержанқызы", Phone: "+77075550012", Lang: "kk"},
		{IIN: "850715300459", Surname: "Тестов", Name: "Отозван", Phone: "+77025550459", Lang: "en", Revoked: true},
		// The demo company's people: its first head and an employee with
		// the right to sign may sign its contracts; a plain employee may
		// not.
		{IIN: "750312300785", Surname: "Нұрланов", Name: "Ерлан", Patronymic: "Бақытұлы", Phone: "+77015550785", Lang: "ru",
			Kind: devpki.FirstHead, BIN: companyBIN, Organisation: companyName},
		{IIN: "830925400612", Surname: "Жақсыбекова", Name: "Динара", Patronymic: "Асанқызы", Phone: "+77075550612", Lang: "kk",
			Kind: devpki.RightToSign, BIN: companyBIN, Organisation: companyName},
		{IIN: "900415300341", Surname: "Петров", Name: "Илья", Patronymic: "Сергеевич", Phone: "+77025550341", Lang: "en",
			Kind: devpki.Employee, BIN: companyBIN, Organisation: companyName},
	}
}

// The demo company (a legal entity) whose contracts its first head or an
// employee with the right to sign may sign. The BIN is well-formed (check
// digit included) but made up.
const (
	companyBIN  = "100540001234"
	companyName = "ТОО «Дала Демо» (DEV)"
)

// Role names the person's key for the pages: "" for a private person.
func (p Person) Role() string {
	switch p.Kind {
	case devpki.FirstHead:
		return "first head"
	case devpki.RightToSign:
		return "employee with the right to sign"
	case devpki.Employee:
		return "employee"
	case "", devpki.Individual:
		return ""
	}
	return string(p.Kind)
}

// errNoPerson is what the directory answers for an unknown IIN.
var errNoPerson = errors.New("portal: no such person")

// directory is the host's user table: persons by IIN. It implements
// auth.PhoneBook and sms.Languages.
type directory struct{ people []Person }

func (d *directory) find(iin string) (Person, bool) {
	i := slices.IndexFunc(d.people, func(p Person) bool { return p.IIN == iin })
	if i < 0 {
		return Person{}, false
	}
	return d.people[i], true
}

// BoundPhone implements auth.PhoneBook.
func (d *directory) BoundPhone(_ context.Context, subject string) (string, error) {
	p, ok := d.find(subject)
	if !ok {
		return "", errNoPerson
	}
	return p.Phone, nil
}

// Language implements sms.Languages.
func (d *directory) Language(_ context.Context, subject string) (string, error) {
	p, ok := d.find(subject)
	if !ok {
		return "", errNoPerson
	}
	return p.Lang, nil
}
