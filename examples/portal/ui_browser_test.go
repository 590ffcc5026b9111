package main

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/internal/browsertest"
)

// The login UI people see: client.css and the default UI of client.js in
// the portal, at a phone's width (390 px, and 320 px for overflow) and a
// desktop's (1280 px), in light and dark, in Kazakh, Russian and English,
// for keyboards and screen readers.

// viewport sets the tab's size (CSS pixels).
func (tb *tab) viewport(w, h int64) {
	tb.t.Helper()
	_, err := chromedp.Run(tb.b.Context(), chromedp.EmulateViewport(w, h))
	require.NoError(tb.t, err)
}

// noOverflow asserts that the page does not scroll sideways, naming the
// elements that stick out when it does.
func (tb *tab) noOverflow(where string) {
	tb.t.Helper()
	v := tb.js(`(() => {
		const d = document.scrollingElement;
		if (d.scrollWidth <= innerWidth) return "ok";
		const out = [d.scrollWidth + " > " + innerWidth];
		for (const e of document.querySelectorAll("body *")) {
			const r = e.getBoundingClientRect();
			if (r.right > innerWidth + 0.5) out.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + String(e.className).replace(/ /g, ".") : "") + "→" + Math.round(r.right));
		}
		return out.slice(0, 10).join(" ");
	})()`)
	assert.Equal(tb.t, "ok", v, "horizontal overflow: %s", where)
}

// focused describes the focused element: its id, else its tag.
func (tb *tab) focused() string {
	return tb.js(`(() => { const a = document.activeElement; return a ? (a.id || a.tagName.toLowerCase()) : ""; })()`)
}

// factors lists the factor buttons of a widget.
func (tb *tab) factors(mount string) string {
	return tb.wait(`[...document.querySelectorAll("#` + mount + ` [data-factor]")].map(b => b.dataset.factor + (b.dataset.mode ? ":" + b.dataset.mode : "")).join(",")`)
}

// TestBrowserLayout: the portal and its login widget fit a 320 and a
// 390 px phone and a 1280 px desktop without sideways scrolling, on every
// step a person sees; screenshots of each width for docs/screenshots.
func TestBrowserLayout(t *testing.T) {
	h := newHarness(t, nil)
	tb := h.browser(t)
	for _, w := range []int64{320, 390, 1280} {
		tb.viewport(w, 844)
		tb.open("/")
		tb.factors("login")
		tb.noOverflow("login page at " + strconv.FormatInt(w, 10))
		if w != 320 {
			tb.shot("20-login-" + strconv.FormatInt(w, 10))
		}
		tb.open("/sms-only")
		tb.click("#try-sms-only")
		tb.wait(`document.getElementById("sms-only-log").dataset.state === "done"`)
		tb.noOverflow("sms-only page")
	}

	tb.viewport(390, 844)
	tb.open("/")
	tb.signAs(askar)
	tb.click(`#login [data-factor="ecp"]`)
	tb.wait(`document.getElementById("login").dataset.state === "sms"`)
	tb.noOverflow("SMS step")
	tb.shot("21-sms-390")
	tb.typeCode(h.lastCode(h.person(askar).Phone))
	tb.wait(`location.pathname === "/cabinet" && document.getElementById("me-login").textContent.includes("ecp + sms")`)
	tb.noOverflow("cabinet")
	tb.shot("22-cabinet-390")
	for _, p := range []string{"/sign", "/account", "/sms-only"} {
		tb.open(p)
		tb.wait(`document.querySelector("main h1")`)
		tb.noOverflow(p)
	}
	tb.open("/sign")
	h.clock.Advance(5*time.Minute + time.Second)
	tb.click(`button.sign[data-document="address-change"]`)
	tb.factors("stepup")
	tb.noOverflow("step-up")

	tb.viewport(1280, 844)
	tb.open("/cabinet")
	tb.wait(`document.getElementById("me-login").textContent.includes("ecp")`)
	tb.noOverflow("cabinet at 1280")
	tb.shot("23-cabinet-1280")
}

// TestBrowserAccessible: the widget is operable with a keyboard and
// announced to screen readers — buttons, not divs; a label tied to the
// code field, with its hint and warning as descriptions; focus moved to
// each new step; a polite status region; errors announced (role=alert)
// and the field marked invalid; a visible focus ring.
func TestBrowserAccessible(t *testing.T) {
	h := newHarness(t, nil)
	tb := h.browser(t)
	tb.viewport(390, 844)
	tb.open("/")
	tb.factors("login")
	assert.Equal(t, "true", tb.js(`String([...document.querySelectorAll("#login [data-factor]")].every(b => b.tagName === "BUTTON" && b.type === "button"))`))
	assert.Equal(t, "status polite", tb.js(`(() => { const s = document.getElementById("sa-status"); return s.getAttribute("role") + " " + s.getAttribute("aria-live"); })()`))
	assert.Equal(t, "alert", tb.js(`document.getElementById("sa-error").getAttribute("role")`))
	assert.Equal(t, "sa-title", tb.js(`document.querySelector("#login .sa-flow").getAttribute("aria-labelledby")`))
	assert.Equal(t, "body", tb.focused(), "mounting steals no focus")

	// A keyboard user tabs from the passkey field to the first factor: the
	// focus ring shows.
	tb.js(`document.getElementById("username").focus(), "ok"`)
	_, err := chromedp.Run(tb.b.Context(), chromedp.KeyEvent(kb.Tab))
	require.NoError(t, err)
	tb.wait(`document.activeElement && document.activeElement.dataset.factor`)
	ring := tb.js(`(() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle + " " + s.outlineWidth; })()`)
	assert.Equal(t, "solid 3px", ring, "a visible focus ring")

	// ECP by keyboard (Enter on the focused button); the SMS step takes the
	// focus on its field.
	tb.signAs(askar)
	tb.js(`document.querySelector('#login [data-factor="ecp"]').focus(), "ok"`)
	_, err = chromedp.Run(tb.b.Context(), chromedp.KeyEvent(kb.Enter))
	require.NoError(t, err)
	tb.wait(`document.getElementById("login").dataset.state === "sms"`)
	assert.Equal(t, "sa-sms-code", tb.wait(`document.activeElement.id === "sa-sms-code" && "sa-sms-code"`))
	assert.Equal(t, "Code from the SMS", tb.js(`document.getElementById("sa-sms-code").labels[0].textContent`))
	desc := tb.js(`document.getElementById("sa-sms-code").getAttribute("aria-describedby").split(" ").map(id => document.getElementById(id) ? id : "missing:" + id).join(" ")`)
	assert.Equal(t, "sa-sms-hint sa-sms-warning sa-error", desc)
	assert.Equal(t, "one-time-code numeric", tb.js(`(() => { const i = document.getElementById("sa-sms-code"); return i.autocomplete + " " + i.inputMode; })()`))

	// A wrong code: announced, the field marked invalid and selected.
	tb.typeCode("000000")
	assert.Equal(t, "verification_failed", tb.wait(`!document.getElementById("sa-error").hidden && document.getElementById("sa-error").dataset.code`))
	assert.Equal(t, "true", tb.js(`document.getElementById("sa-sms-code").getAttribute("aria-invalid")`))
	assert.Equal(t, "sa-sms-code", tb.focused())
	tb.js(`document.getElementById("sa-sms-code").value = "", "ok"`)
	_, err = chromedp.Run(tb.b.Context(), chromedp.SendKeys("#sa-sms-code", h.lastCode(h.person(askar).Phone)))
	require.NoError(t, err)
	assert.Empty(t, tb.js(`document.getElementById("sa-sms-code").getAttribute("aria-invalid") || ""`), "typing clears it")
	_, err = chromedp.Run(tb.b.Context(), chromedp.KeyEvent(kb.Enter))
	require.NoError(t, err)
	tb.wait(`location.pathname === "/cabinet"`)
}

// qrFlow returns the flow ID of the QR code the widget shows (from the
// image's URL).
func (tb *tab) qrFlow() string {
	src := tb.wait(`document.getElementById("sa-qr-image") && document.getElementById("sa-qr-image").naturalWidth > 0 && document.getElementById("sa-qr-image").src`)
	parts := strings.Split(src, "/")
	require.GreaterOrEqual(tb.t, len(parts), 2, src)
	return parts[len(parts)-2]
}

// TestBrowserQRChooseAnotherWay: both QR modes have a way back. "Choose
// another way" stops watching, abandons the QR session on the server (its
// status is gone) and returns to the choice with the focus on it; the same
// flow then signs in with ECP and the SMS code.
func TestBrowserQRChooseAnotherWay(t *testing.T) {
	h := newHarness(t, nil)
	tb := h.browser(t)
	tb.viewport(390, 844)
	tb.open("/")
	for _, mode := range []string{"device", "mobile-sign"} {
		tb.click(`#login [data-factor="qr"][data-mode="` + mode + `"]`)
		flow := tb.qrFlow()
		assert.Equal(t, "qr", tb.js(`document.getElementById("login").dataset.state`))
		assert.Equal(t, "sa-qr-status", tb.wait(`document.activeElement.id === "sa-qr-status" && "sa-qr-status"`), "the focus moves to the QR step")
		assert.Equal(t, "BUTTON Choose another way", tb.js(`(() => { const b = document.getElementById("sa-back"); return b.tagName + " " + b.textContent; })()`))
		status := `fetch("/qr/browser/` + flow + `/status?wait=0", {credentials: "same-origin"}).then(r => r.json().then(j => r.status + " " + (j.state || j.code)))`
		assert.Equal(t, "200 pending", tb.js(status))
		if mode == "device" {
			tb.noOverflow("QR step")
			tb.js(`document.getElementById("login").scrollIntoView({block: "end"}), "ok"`)
			tb.shot("24-qr-390")
		}
		tb.click("#sa-back")
		tb.wait(`document.getElementById("login").dataset.state === "choose"`)
		assert.Equal(t, "sa-prompt", tb.wait(`document.activeElement.id === "sa-prompt" && "sa-prompt"`))
		assert.Equal(t, "true", tb.js(`String(document.getElementById("sa-error").hidden)`), "going back is no error")
		assert.Equal(t, "410 expired", tb.js(status), "the QR session is abandoned on the server")
	}
	tb.signAs(aigerim)
	tb.click(`#login [data-factor="ecp"]`)
	tb.wait(`document.getElementById("login").dataset.state === "sms"`)
	tb.typeCode(h.lastCode(h.person(aigerim).Phone))
	tb.wait(`location.pathname === "/cabinet" && document.getElementById("me-login").textContent.includes("ecp + sms")`)
}

// TestBrowserSMSCooldown: the SMS step is no dead end. With a code just
// sent to the phone, a new login's SMS step shows a countdown from the
// server's Retry-After (42 s: the fake clock stands 18 s into the 60 s
// cooldown) instead of "too many requests", with the send button disabled;
// the button enables itself when the countdown ends and sends the code.
// The resend button after a send counts down from the challenge's
// resend_in.
func TestBrowserSMSCooldown(t *testing.T) {
	h := newHarness(t, nil)
	tb := h.browser(t)
	tb.viewport(390, 844)
	phone := h.person(askar).Phone
	ecpToSMS := func() {
		tb.t.Helper()
		tb.open("/")
		tb.signAs(askar)
		tb.click(`#login [data-factor="ecp"]`)
		tb.wait(`document.getElementById("login").dataset.state === "sms"`)
	}
	form := `document.querySelector("#login .sa-sms")`

	// A code is sent; resend waits a minute, and the countdown runs.
	ecpToSMS()
	require.Equal(t, 1, h.sms.Len())
	assert.Equal(t, "true 60", tb.js(form+`.dataset.sent + " " + `+form+`.dataset.resendIn`))
	assert.Equal(t, "true", tb.js(`String(document.getElementById("sa-sms-resend").disabled)`))
	assert.Contains(t, tb.js(`document.getElementById("sa-sms-countdown").textContent`), "1:00")
	assert.Equal(t, "timer", tb.js(`document.getElementById("sa-sms-countdown").getAttribute("role")`))
	tb.wait(form + `.dataset.resendIn === "59"`)

	// 18 s later a new login: the server asks to wait 42 s.
	h.clock.Advance(18 * time.Second)
	ecpToSMS()
	assert.Equal(t, 1, h.sms.Len(), "nothing sent inside the cooldown")
	assert.Equal(t, "false 42", tb.js(form+`.dataset.sent + " " + `+form+`.dataset.resendIn`))
	assert.Equal(t, "You can ask for a code in 0:42.", tb.js(`document.getElementById("sa-sms-countdown").textContent`))
	assert.Equal(t, "A new code cannot be sent to this phone yet.", tb.js(`document.getElementById("sa-sms-hint").textContent`))
	assert.Equal(t, "true", tb.js(`String(document.getElementById("sa-error").hidden)`), "no \"too many requests\" error")
	assert.Equal(t, "true true Send the code", tb.js(`document.getElementById("sa-sms-code").disabled + " " + document.getElementById("sa-sms-resend").disabled + " " + document.getElementById("sa-sms-resend").textContent`))
	assert.Equal(t, "sa-sms-hint", tb.focused())
	tb.shot("25-sms-cooldown-390")

	// One second before the end: the page counts down one second and the
	// button enables itself.
	h.clock.Advance(41 * time.Second)
	ecpToSMS()
	assert.Equal(t, "1", tb.js(form+`.dataset.resendIn`))
	tb.wait(`!document.getElementById("sa-sms-resend").disabled`)
	assert.Equal(t, "You can ask for a new code now.", tb.wait(`document.getElementById("sa-status").textContent`))
	h.clock.Advance(time.Second)
	tb.click("#sa-sms-resend")
	tb.wait(form + `.dataset.sent === "true"`)
	assert.Equal(t, 2, h.sms.Len(), "sent once the cooldown ended")
	assert.Equal(t, "sa-sms-code", tb.wait(`document.activeElement.id === "sa-sms-code" && "sa-sms-code"`))
	assert.Equal(t, "true", tb.js(`String(document.getElementById("sa-sms-resend").disabled)`), "and the next resend waits again")
	tb.typeCode(h.lastCode(phone))
	tb.wait(`location.pathname === "/cabinet" && document.getElementById("me-login").textContent.includes("ecp + sms")`)
}

// TestBrowserLanguage: the portal speaks kk, ru and en. ?lang= sets it
// (and the lang cookie, so it stays); the pages, the widget and the
// server's messages follow; the flow carries it, so the SMS of a person
// with no language of their own comes in the page's language, while a
// person's own language always wins.
func TestBrowserLanguage(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.People = DefaultPeople()
		for i := range c.People {
			if c.People[i].IIN == askar {
				c.People[i].Lang = "" // no language of his own
			}
		}
	})
	tb := h.browser(t)
	tb.viewport(390, 844)
	tb.open("/?lang=kk")
	assert.Equal(t, "kk", tb.js(`document.documentElement.lang`))
	assert.Equal(t, "Кіру", tb.js(`document.getElementById("login-title").textContent`))
	assert.Equal(t, "kk", tb.js(`document.querySelector("#login .sa-flow") && document.querySelector("#login .sa-flow").lang`))
	assert.Equal(t, "Бұл сіз екеніңізді растаңыз", tb.wait(`document.getElementById("sa-title").textContent`))
	assert.Equal(t, "true", tb.js(`document.querySelector('#langs a[data-lang="kk"]').getAttribute("aria-current")`))
	tb.noOverflow("login in Kazakh")
	tb.shot("26-login-kk-390")

	// The cookie keeps it; the SMS of a person without a language follows
	// the page, and the server's refusal comes in Kazakh.
	tb.open("/")
	assert.Equal(t, "kk", tb.js(`document.documentElement.lang`))
	tb.signAs(askar)
	tb.click(`#login [data-factor="ecp"]`)
	tb.wait(`document.getElementById("login").dataset.state === "sms"`)
	assert.Equal(t, "kk", h.sms.Last().Lang, "the flow's language: the account has none")
	assert.Equal(t, "SMS-тағы код", tb.js(`document.getElementById("sa-sms-code").labels[0].textContent`))
	tb.typeCode("000000")
	tb.wait(`document.getElementById("sa-error").dataset.code === "verification_failed"`)
	assert.Equal(t, auth.MessageForCode("verification_failed", "kk"), tb.js(`document.getElementById("sa-error").textContent`))

	// The switcher: Russian. A person with a language of her own (kk) gets
	// her SMS in Kazakh whatever the page's language.
	tb.click(`#langs a[data-lang="ru"]`)
	tb.wait(`document.documentElement.lang === "ru" && document.getElementById("sa-title")`)
	assert.Equal(t, "Вход", tb.js(`document.getElementById("login-title").textContent`))
	assert.Equal(t, "Подтвердите, что это вы", tb.js(`document.getElementById("sa-title").textContent`))
	tb.signAs(aigerim)
	tb.click(`#login [data-factor="ecp"]`)
	tb.wait(`document.getElementById("login").dataset.state === "sms"`)
	assert.Equal(t, "kk", h.sms.Last().Lang, "the account's language beats the page's")
	assert.Equal(t, "Код из SMS", tb.js(`document.getElementById("sa-sms-code").labels[0].textContent`))

	// English again, by the switcher.
	tb.click(`#langs a[data-lang="en"]`)
	tb.wait(`document.documentElement.lang === "en" && document.getElementById("sa-title")`)
	assert.Equal(t, "Confirm it is you", tb.js(`document.getElementById("sa-title").textContent`))
}

// TestBrowserTheme: client.css follows prefers-color-scheme, and
// data-theme on the container or an ancestor overrides it.
func TestBrowserTheme(t *testing.T) {
	h := newHarness(t, nil)
	tb := h.browser(t)
	tb.viewport(390, 844)
	bg := `getComputedStyle(document.querySelector("#login .sa-flow")).backgroundColor`
	tb.open("/")
	tb.factors("login")
	assert.Equal(t, "rgb(255, 255, 255)", tb.js(bg), "light by default")
	scheme := func(s string) {
		_, err := browsertest.Call(tb.b, emulation.SetEmulatedMedia,
			emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: s}}})
		require.NoError(t, err)
	}
	scheme("dark")
	tb.open("/")
	tb.factors("login")
	assert.Equal(t, "rgb(22, 27, 34)", tb.js(bg), "dark with the system")
	tb.noOverflow("dark")
	tb.shot("27-login-dark-390")
	tb.js(`document.getElementById("login").dataset.theme = "light", "ok"`)
	assert.Equal(t, "rgb(255, 255, 255)", tb.js(bg), "data-theme=light overrides")
	tb.js(`delete document.getElementById("login").dataset.theme, document.documentElement.dataset.theme = "dark", "ok"`)
	assert.Equal(t, "rgb(22, 27, 34)", tb.js(bg))
	scheme("light")
	assert.Equal(t, "rgb(22, 27, 34)", tb.js(bg), "data-theme=dark overrides a light system")
}
