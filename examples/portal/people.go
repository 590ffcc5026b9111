package main

import (
	"context"
	"errors"
	"slices"
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
	}
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
