package main

import (
	"bytes"
	"html/template"
	"net/http"
	"slices"
)

// doc is a document a person can sign in the demo.
type doc struct {
	ID, Title, Body string
}

func documents() []doc {
	return []doc{
		{ID: "no-criminal-record", Title: "Application for a certificate of no criminal record",
			Body: "I ask for a certificate of no criminal record to be issued in my name, for presentation at my place of work."},
		{ID: "address-change", Title: "Notice of a change of registered address",
			Body: "I notify that my registered address changes from the first day of next month."},
	}
}

func documentByID(id string) (doc, bool) {
	ds := documents()
	i := slices.IndexFunc(ds, func(d doc) bool { return d.ID == id })
	if i < 0 {
		return doc{}, false
	}
	return ds[i], true
}

// pageData is what the templates see.
type pageData struct {
	Title     string
	Page      string
	Person    *Person
	People    []Person
	NCALayer  string
	Documents []doc
	// Lang is the page's language (kk, ru, en); T and H translate.
	Lang string
	tr   *translator
}

type pages struct {
	p    *Portal
	tmpl map[string]*template.Template
	tr   *translator
}

func newPages(p *Portal) (*pages, error) {
	ps := &pages{p: p, tmpl: map[string]*template.Template{}, tr: newTranslator()}
	for _, name := range []string{"home", "cabinet", "sign", "sms-only", "account", "not-me", "company", "dev"} {
		t, err := template.New("layout.html").Funcs(template.FuncMap{"mask": maskIIN, "phone": maskPhone}).
			ParseFS(webFS, "web/layout.html", "web/"+name+".html")
		if err != nil {
			return nil, err
		}
		ps.tmpl[name] = t
	}
	return ps, nil
}

func (ps *pages) render(w http.ResponseWriter, r *http.Request, name, title string) {
	lang, _ := langOf(r)
	d := pageData{Title: ps.tr.T(lang, title), Page: name, People: ps.p.cfg.People, NCALayer: ps.p.cfg.NCALayerURL,
		Documents: documents(), Lang: lang, tr: ps.tr}
	if s, ok := ps.p.session(r); ok {
		if person, ok := ps.p.dir.find(s.Subject); ok {
			d.Person = &person
		}
	}
	var buf bytes.Buffer
	if err := ps.tmpl[name].Execute(&buf, d); err != nil {
		http.Error(w, "template error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = buf.WriteTo(w)
}

func (p *Portal) home(w http.ResponseWriter, r *http.Request) {
	if _, ok := p.session(r); ok {
		http.Redirect(w, r, "/cabinet", http.StatusSeeOther)
		return
	}
	p.pages.render(w, r, "home", "Sign in")
}

func (p *Portal) cabinet(w http.ResponseWriter, r *http.Request) {
	if _, ok := p.session(r); !ok {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	p.pages.render(w, r, "cabinet", "Personal cabinet")
}

func (p *Portal) signPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := p.session(r); !ok {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	p.pages.render(w, r, "sign", "Sign a document")
}

func (p *Portal) smsOnly(w http.ResponseWriter, r *http.Request) {
	p.pages.render(w, r, "sms-only", "SMS alone cannot sign in")
}

// maskPhone shows "+7 701 *** **23".
func maskPhone(e164 string) string {
	if len(e164) != 12 {
		return "***"
	}
	return e164[:2] + " " + e164[2:5] + " *** **" + e164[10:]
}
