package main

import (
	"io/fs"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTranslationsComplete: every text the templates translate ({{.T}},
// {{.H}}), every page title and document, and every text the scripts
// translate (tr) has a Kazakh and a Russian version; a text with markup
// keeps its markup and %s places in each language.
func TestTranslationsComplete(t *testing.T) {
	tr := newTranslator()
	var texts []string
	tmplText := regexp.MustCompile(`\{\{\$?\.(?:T|H) ("(?:[^"\\]|\\.)*")`)
	require.NoError(t, fs.WalkDir(webFS, "web", func(path string, d fs.DirEntry, err error) error {
		if err != nil || !strings.HasSuffix(path, ".html") {
			return err
		}
		b, err := fs.ReadFile(webFS, path)
		require.NoError(t, err)
		for _, m := range tmplText.FindAllStringSubmatch(string(b), -1) {
			s, err := strconv.Unquote(m[1])
			require.NoError(t, err, m[1])
			texts = append(texts, s)
		}
		return nil
	}))
	require.Greater(t, len(texts), 50)
	texts = append(texts, "Sign in", "Personal cabinet", "Sign a document", "SMS alone cannot sign in",
		"Passkeys, phones and recovery", "This was not me", "Sign for the company", "Development panel")
	for _, d := range append(documents(), contracts()...) {
		texts = append(texts, d.Title, d.Body)
	}
	for _, p := range DefaultPeople() {
		if p.Role() != "" {
			texts = append(texts, p.Role())
		}
	}
	tag := regexp.MustCompile(`<[^>]+>|%s`)
	for _, en := range texts {
		v, ok := tr.texts[en]
		if !assert.True(t, ok, "no translation of %q (add it to newTranslator)", en) {
			continue
		}
		for i, lang := range []string{"kk", "ru"} {
			assert.NotEmpty(t, v[i], "%s of %q", lang, en)
			assert.Equal(t, tag.FindAllString(en, -1), tag.FindAllString(v[i], -1), "markup of the %s of %q", lang, en)
			assert.Equal(t, v[i], tr.T(lang, en))
		}
		assert.Equal(t, en, tr.T("en", en))
	}
	assert.Equal(t, "untranslated", tr.T("kk", "untranslated"), "English when there is none")

	// The scripts (every one of web/static): every tr("…") text is in
	// i18n.js in both languages.
	dict, err := fs.ReadFile(webFS, "web/static/i18n.js")
	require.NoError(t, err)
	jsText := regexp.MustCompile(`\btr\(("(?:[^"\\]|\\.)*")`)
	scripts, err := fs.Glob(webFS, "web/static/*.js")
	require.NoError(t, err)
	found := 0
	for _, name := range scripts {
		b, err := fs.ReadFile(webFS, name)
		require.NoError(t, err)
		for _, m := range jsText.FindAllStringSubmatch(string(b), -1) {
			found++
			assert.Regexp(t, `(?m)^  `+regexp.QuoteMeta(m[1])+`: \[\s*"[^"]+",\s*"[^"]+"\]`, string(dict), "%s: %s", name, m[1])
		}
	}
	assert.Greater(t, found, 40, "the scripts' texts are found")
}

// TestLanguageChoice: ?lang= chooses and is remembered in the lang cookie;
// the cookie then wins over Accept-Language; a language the portal does
// not speak is ignored; and the choice is every message's language — the
// strongauth endpoints answer in it too.
func TestLanguageChoice(t *testing.T) {
	h := newHarness(t, nil)
	c := h.client()
	r := c.do("GET", "/", nil, map[string]string{"Accept-Language": "ru-RU,ru;q=0.9"})
	assert.Contains(t, r.raw, `<html lang="ru">`, "Accept-Language first")
	assert.Empty(t, c.cookie(langCookie))

	r = c.do("GET", "/?lang=kk", nil, map[string]string{"Accept-Language": "ru"})
	assert.Contains(t, r.raw, `<html lang="kk">`)
	assert.Contains(t, r.raw, "<h1 id=\"login-title\">Кіру</h1>")
	assert.Contains(t, r.raw, `aria-current="true">Қазақша`)
	var set *http.Cookie
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		if ck.Name == langCookie {
			set = ck
		}
	}
	require.NotNil(t, set)
	assert.Equal(t, "kk", set.Value)
	assert.Equal(t, "/", set.Path)
	assert.Equal(t, http.SameSiteLaxMode, set.SameSite)

	r = c.do("GET", "/sms-only", nil, map[string]string{"Accept-Language": "ru"})
	assert.Contains(t, r.raw, `<html lang="kk">`, "the cookie beats Accept-Language")
	r = c.do("GET", "/sms-only?lang=xx", nil, map[string]string{"Accept-Language": "ru"})
	assert.Contains(t, r.raw, `<html lang="kk">`, "an unknown language is ignored")

	// The flow endpoints answer in the chosen language.
	c.start("login")
	r = c.do("POST", "/auth/flows/"+c.flow+"/begin/sms", map[string]any{}, map[string]string{"Accept-Language": "en"})
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.Equal(t, "factor_not_allowed", r.code())
	assert.NotEqual(t, r.body["message"], englishMessage(t, h, "factor_not_allowed"))
	assert.Regexp(t, `[А-Яа-яӘәҒғҚқҢңӨөҰұҮүҺһІі]`, r.body["message"])
}

// englishMessage is what an English-speaking client is told for code.
func englishMessage(t *testing.T, h *harness, code string) string {
	c := h.client()
	c.start("login")
	r := c.do("POST", "/auth/flows/"+c.flow+"/begin/sms", map[string]any{}, map[string]string{"Accept-Language": "en"})
	require.Equal(t, code, r.code())
	return r.body["message"].(string)
}
