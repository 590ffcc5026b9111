package otp_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/otp"
)

// Each language's message must say what the code confirms, warn that
// nobody (bank, police, staff) asks for it, say what to do if the user did
// not start this, and end with the origin-bound line.
func TestMessagesInThreeLanguages(t *testing.T) {
	want := map[string]struct {
		lang, action string
		warning      []string
		notYou       string
		segments     int
		encoding     string
	}{
		"kk-KZ,ru;q=0.8": {"kk", "кіру коды", []string{"ешкім", "банк", "полиция", "қызметкер"}, "Сіз емес пе? Енгізбеңіз.", 2, otp.UCS2},
		"ru":             {"ru", "для входа на example.kz", []string{"не спросят", "банк", "полиция", "сотрудники"}, "Не вы? Не вводите.", 2, otp.UCS2},
		"en-GB":          {"en", "code to sign in", []string{"Never share it", "bank", "police", "staff"}, "Not you? Do not enter it.", 1, otp.GSM7},
		"de, fr":         {"ru", "для входа", []string{"банк"}, "Не вы?", 2, otp.UCS2}, // the default language
	}
	e := newEnv(t, func(c *otp.Config) { c.Budgets.Phone = otp.Limit{Max: 10, Per: time.Hour} })
	for accept, w := range want {
		r := e.request(flowA)
		r.Lang = accept
		code := e.issue(t, r)
		e.clock.Advance(otp.DefaultCooldown)
		m := e.sent.Last()
		assert.Equal(t, w.lang, m.Lang, accept)
		assert.Contains(t, m.Text, w.action, accept)
		for _, s := range w.warning {
			assert.Contains(t, m.Text, s, accept)
		}
		assert.Contains(t, m.Text, w.notYou, accept)
		assert.Contains(t, m.Text, code)
		assert.True(t, strings.HasSuffix(m.Text, "\n@example.kz #"+code), "%s: origin line last: %q", accept, m.Text)
		assert.Equal(t, 1, strings.Count(m.Text, "\n@"), "one origin line")
		assert.Equal(t, w.encoding, m.Encoding, accept)
		assert.Equal(t, w.segments, m.Segments, accept)
		assert.NotContains(t, m.Text, "{", "no placeholder left")
	}
}

// The segment counts of every built-in text, with the domain example.kz
// and six digits, as the documentation states them.
func TestDefaultTextLengths(t *testing.T) {
	e := newEnv(t)
	for purpose := range otp.DefaultActions() {
		for lang, seg := range map[string]int{"kk": 2, "ru": 2, "en": 1} {
			m, err := e.svc.Preview(purpose, lang)
			require.NoError(t, err)
			assert.Equal(t, seg, m.Segments, "%s %s: %d units: %q", purpose, lang, m.Units, m.Text)
			t.Logf("%-13s %s %s %3d units, %d segment(s)", purpose, lang, m.Encoding, m.Units, m.Segments)
		}
	}
}

func TestHostTemplatesAndActions(t *testing.T) {
	_, err := otp.New(withActions(t, map[string]otp.Texts{"x": {KK: "a", RU: "b", EN: "{code}"}}))
	require.ErrorIs(t, err, otp.ErrConfig, "placeholders in action phrases are refused")
	e := newEnv(t, func(c *otp.Config) {
		c.Templates.EN = "{code}: {action} at {domain}. Nobody from {domain} will call you for it."
		c.Actions = map[string]otp.Texts{
			"transfer": {KK: "аударым", RU: "перевода", EN: "confirm a transfer"},
		}
	})
	r := e.request(flowA)
	r.Purpose, r.Lang = "transfer", "en"
	code := e.issue(t, r)
	m := e.sent.Last()
	assert.Equal(t, code+": confirm a transfer at example.kz. Nobody from example.kz will call you for it.\n@example.kz #"+code, m.Text)
	require.NoError(t, e.svc.Verify(context.Background(), otp.Attempt{Purpose: "transfer", FlowID: flowA, Account: account, Phone: e.phone, Code: code}))
}

func TestSegments(t *testing.T) {
	for _, c := range []struct {
		text        string
		enc         string
		units, segs int
		description string
	}{
		{strings.Repeat("a", 160), otp.GSM7, 160, 1, "160 GSM-7 characters fit one"},
		{strings.Repeat("a", 161), otp.GSM7, 161, 2, "161 need two parts"},
		{strings.Repeat("a", 307), otp.GSM7, 307, 3, "153 per part"},
		{strings.Repeat("€", 80), otp.GSM7, 160, 1, "extension characters count twice"},
		{strings.Repeat("ж", 70), otp.UCS2, 70, 1, "70 UCS-2 characters fit one"},
		{strings.Repeat("ж", 71), otp.UCS2, 71, 2, "71 need two"},
		{strings.Repeat("ж", 134), otp.UCS2, 134, 2, "67 per part"},
		{strings.Repeat("ж", 135), otp.UCS2, 135, 3, ""},
		{strings.Repeat("a", 69) + "ә", otp.UCS2, 70, 1, "one Kazakh letter makes it all UCS-2"},
		{strings.Repeat("a", 69) + "😀", otp.UCS2, 71, 2, "an emoji is a surrogate pair"},
		{"", otp.GSM7, 0, 1, ""},
	} {
		enc, units, segs := otp.Segments(c.text)
		assert.Equal(t, []any{c.enc, c.units, c.segs}, []any{enc, units, segs}, c.description)
	}
}

func TestLang(t *testing.T) {
	for in, want := range map[string]string{
		"kk": "kk", "kz": "kk", "KK-kz": "kk", "ru-RU,en;q=0.5": "ru", "de,en-US": "en", "fr": "", "": "", strings.Repeat("x,", 500) + "ru": "",
	} {
		assert.Equal(t, want, otp.Lang(in), in)
	}
}

func TestMessageNeverPrintsTheCode(t *testing.T) {
	e := newEnv(t)
	code := e.issue(t, e.request(flowA))
	m := e.sent.Last()
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("sms", "m", m)
	for _, s := range []string{fmt.Sprint(m), fmt.Sprintf("%v %+v %#v %s", m, m, m, m), buf.String(), m.RedactedText()} {
		assert.NotContains(t, s, code)
		assert.NotContains(t, s, "7012345612")
	}
	assert.Contains(t, m.RedactedText(), "@example.kz #******")
}

func TestDevSender(t *testing.T) {
	_, err := otp.NewDevSender(otp.DevConfig{})
	require.ErrorIs(t, err, otp.ErrConfig)
	for _, show := range []bool{false, true} {
		var buf bytes.Buffer
		dev, err := otp.NewDevSender(otp.DevConfig{Logger: slog.New(slog.NewTextHandler(&buf, nil)), InsecureShowCode: show})
		require.NoError(t, err)
		var code string
		e := newEnv(t, func(c *otp.Config) {
			c.Sender = otp.SenderFunc(func(ctx context.Context, m *otp.Message) error {
				code = m.Code()
				return dev.Send(ctx, m)
			})
		})
		_, err = e.svc.Issue(context.Background(), e.request(flowA))
		require.NoError(t, err)
		log := buf.String()
		assert.Contains(t, log, "+7 7** *** **12")
		assert.NotContains(t, log, "7012345612")
		if show {
			assert.Contains(t, log, "#"+code, "the code is shown in InsecureShowCode mode")
		} else {
			assert.NotContains(t, log, code, "the code is redacted")
			assert.Contains(t, log, "#******")
		}
	}
	dev, _ := otp.NewDevSender(otp.DevConfig{Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.Error(t, dev.Send(ctx, &otp.Message{}))
}

func withActions(t *testing.T, a map[string]otp.Texts) otp.Config {
	cfg := newEnv(t).cfg
	cfg.Actions = a
	return cfg
}
