package otp

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Languages a message can be rendered in.
const (
	LangKK = "kk" // Kazakh
	LangRU = "ru" // Russian
	LangEN = "en" // English
)

// Texts holds one text per language.
type Texts struct {
	KK, RU, EN string
}

func (t Texts) get(lang string) string {
	switch lang {
	case LangKK:
		return t.KK
	case LangRU:
		return t.RU
	default:
		return t.EN
	}
}

// DefaultTemplates returns the built-in message templates. A template is the
// body of the SMS; {code}, {action} and {domain} are replaced (once, never
// recursively), and the origin-bound line "@domain #code" is always
// appended on a line of its own, so phones autofill the code only on that
// site (WebOTP, and the same format on iOS and Android).
//
// Each says what the code confirms, that nobody (bank, police, staff) will
// ever ask for it, and what to do if the user did not start this. With the
// domain "example.kz", six digits and the default actions, the English
// texts fit one GSM-7 segment (146–156 of 160 characters); Kazakh and
// Russian need UCS-2, where one segment holds only 70 characters, and take
// two (122–132 of 134).
func DefaultTemplates() Texts {
	return Texts{
		KK: "{domain}: {action} коды {code}. Оны ешкім (банк, полиция, қызметкер) сұрамайды. Сіз емес пе? Енгізбеңіз.",
		RU: "Код {code} для {action} на {domain}. Его не спросят ни банк, ни полиция, ни сотрудники. Не вы? Не вводите.",
		EN: "{code} is your {domain} code to {action}. Never share it: no bank, police or staff will ask for it. Not you? Do not enter it.",
	}
}

// DefaultActions returns the built-in action phrases, keyed by purpose, as
// they fit the default templates: "login", "sign-document" and
// "change-phone". A host adds its own purposes in Config.Actions.
func DefaultActions() map[string]Texts {
	return map[string]Texts{
		"login":         {KK: "кіру", RU: "входа", EN: "sign in"},
		"sign-document": {KK: "қол қою", RU: "подписи", EN: "sign a document"},
		"change-phone":  {KK: "нөмір ауыстыру", RU: "смены номера", EN: "change your phone"},
	}
}

// Lang returns "kk", "ru" or "en" for a language tag or an Accept-Language
// value (the first supported language in the list, "kz" read as Kazakh), or
// "" if none is supported.
func Lang(tag string) string {
	if len(tag) > 256 {
		tag = tag[:256]
	}
	for part := range strings.SplitSeq(tag, ",") {
		t := strings.ToLower(strings.TrimSpace(part))
		if i := strings.IndexAny(t, ";-_"); i >= 0 {
			t = t[:i]
		}
		switch t {
		case "kk", "kz":
			return LangKK
		case "ru":
			return LangRU
		case "en":
			return LangEN
		}
	}
	return ""
}

// render fills a template and appends the origin-bound line.
func render(tmpl, action, domain, code string) string {
	body := strings.NewReplacer("{code}", code, "{action}", action, "{domain}", domain).Replace(tmpl)
	return body + "\n@" + domain + " #" + code
}

// Encodings of an SMS.
const (
	GSM7 = "GSM-7"
	UCS2 = "UCS-2"
)

// gsm7Basic is the GSM 03.38 default alphabet (without the escape), each
// character one septet; gsm7Ext is its extension table, two septets each.
const (
	gsm7Basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsm7Ext = "^{}\\[~]|€\f"
)

// gsm7ASCII reports whether r is an ASCII character of the GSM default
// alphabet: the printable ones but for `^{}[]~|\ (the last seven are in the
// extension table), plus LF and CR.
func gsm7ASCII(r rune) bool {
	switch {
	case r == '\n' || r == '\r':
		return true
	case r < ' ' || r > '~':
		return false
	}
	return !strings.ContainsRune("`^{}[]~|\\", r)
}

// Segments reports how text travels as SMS: the encoding (GSM-7 when every
// character is in the GSM default alphabet or its extension, UCS-2
// otherwise), its length in that encoding's units (septets, or UTF-16 code
// units) and the number of segments: one up to 160 septets or 70 UCS-2
// units, otherwise parts of 153 or 67 (the rest of each part holds the
// concatenation header).
func Segments(text string) (encoding string, units, segments int) {
	gsm := true
	for _, r := range text {
		if gsm7ASCII(r) || r >= utf8.RuneSelf && strings.ContainsRune(gsm7Basic, r) {
			units++
		} else if strings.ContainsRune(gsm7Ext, r) {
			units += 2
		} else {
			gsm = false
			break
		}
	}
	single, part := 160, 153
	if !gsm {
		encoding, single, part = UCS2, 70, 67
		units = 0
		for _, r := range text {
			if r >= 0x10000 {
				units += 2 // a surrogate pair
			} else {
				units++
			}
		}
	} else {
		encoding = GSM7
	}
	if units <= single {
		return encoding, units, 1
	}
	return encoding, units, (units + part - 1) / part
}

// checkTemplate validates a host's template.
func checkTemplate(lang, t string) error {
	switch {
	case t == "":
		return fmt.Errorf("%w: empty %s template", ErrConfig, lang)
	case !utf8.ValidString(t):
		return fmt.Errorf("%w: %s template is not UTF-8", ErrConfig, lang)
	case !strings.Contains(t, "{action}"):
		return fmt.Errorf("%w: %s template does not say what the code confirms ({action})", ErrConfig, lang)
	case strings.Contains(t, "\n@") || strings.HasPrefix(t, "@"):
		return fmt.Errorf("%w: %s template has its own origin line; it is appended", ErrConfig, lang)
	}
	return nil
}

// checkPhrase validates an action phrase.
func checkPhrase(purpose, lang, p string) error {
	// A phrase starting with "@" would make a second origin line where a
	// template puts {action} at the start of a line ("…\n{action}").
	if p == "" || len(p) > 100 || !utf8.ValidString(p) || strings.ContainsAny(p, "\r\n{}") || p[0] == '@' {
		return fmt.Errorf("%w: action %q has no valid %s phrase", ErrConfig, purpose, lang)
	}
	return nil
}
