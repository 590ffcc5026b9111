package qr

import "strings"

// maxUA bounds the part of a User-Agent that is examined.
const maxUA = 512

// BrowserOS names the browser and operating system in a User-Agent, coarsely
// ("Chrome", "Windows"), for the approval screen. Unknown parts are
// "unknown". It never returns text from the header itself, so a forged
// User-Agent cannot put words on the user's phone.
func BrowserOS(ua string) (browser, os string) {
	if len(ua) > maxUA {
		ua = ua[:maxUA]
	}
	has := func(s string) bool { return strings.Contains(ua, s) }
	switch {
	case has("YaBrowser/"):
		browser = "Yandex Browser"
	case has("Edg/") || has("EdgA/") || has("EdgiOS/"):
		browser = "Edge"
	case has("OPR/") || has("Opera"):
		browser = "Opera"
	case has("SamsungBrowser/"):
		browser = "Samsung Internet"
	case has("Firefox/") || has("FxiOS/"):
		browser = "Firefox"
	case has("Chrome/") || has("CriOS/") || has("Chromium/"):
		browser = "Chrome"
	case has("Safari/") && has("Version/"):
		browser = "Safari"
	case has("curl/") || has("Wget/") || has("python-requests") || has("Go-http-client"):
		browser = "script"
	default:
		browser = "unknown"
	}
	switch {
	case has("iPhone") || has("iPad") || has("iPod"):
		os = "iOS"
	case has("Android"):
		os = "Android"
	case has("Windows"):
		os = "Windows"
	case has("CrOS"):
		os = "ChromeOS"
	case has("Mac OS X") || has("Macintosh"):
		os = "macOS"
	case has("Linux"):
		os = "Linux"
	default:
		os = "unknown"
	}
	return browser, os
}
