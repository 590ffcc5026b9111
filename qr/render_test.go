package qr_test

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/qr"
	qrphone "github.com/strongauth/strongauth/qr/phone"
)

// needTool skips the test when an external tool is missing, and fails it
// when CI=true (CI installs every tool the tests need).
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI (apt-get install -y zbar-tools): %v", name, err)
		}
		t.Skipf("%s not installed (apt-get install -y zbar-tools); skipping the independent decoder check", name)
	}
	return p
}

// zbar decodes image files with Debian's zbarimg in one run, one line per
// file in order; only stdout counts (it prints a harmless D-Bus warning on
// stderr).
func zbar(t *testing.T, bin string, files ...string) []string {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(bin, append([]string{"--raw", "-q"}, files...)...)
	cmd.Stdout = &out
	require.NoError(t, cmd.Run(), "zbarimg could not read every image")
	return strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
}

func gozxingDecode(t *testing.T, pngBytes []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(pngBytes))
	require.NoError(t, err)
	text, err := qrphone.DecodeImage(img)
	require.NoError(t, err)
	return text
}

func frameContents() []string {
	secret := []byte("0123456789abcdef0123456789abcdef")
	var cs []string
	for _, t := range []int{0, 9, 89, 599} {
		cs = append(cs, qr.Frame{Prefix: "strongauth", Token: testSession, T: t, MAC: qr.FrameMAC(secret, t)}.Content())
	}
	return append(cs, qr.Frame{Prefix: "kz-egov-app", Token: testDevice, T: 3, MAC: qr.FrameMAC(secret, 3)}.Content(),
		"mobileSign:https://egov.example.kz/api/mgovSign/8d0d1a1e-5c1e-4f7c-9b0a-3f2f1c2b9e77?lang=ru")
}

func TestRenderPNGDecodesWithGozxing(t *testing.T) {
	for _, c := range frameContents() {
		for _, scale := range []int{0, 1, 3, 8} {
			b, err := qr.RenderPNG(c, scale)
			require.NoError(t, err)
			if scale >= 2 || scale == 0 {
				assert.Equal(t, c, gozxingDecode(t, b), "scale %d", scale)
			}
		}
	}
}

func TestRenderPNGAndSVGDecodeWithZbarimg(t *testing.T) {
	bin := needTool(t, "zbarimg")
	dir := t.TempDir()
	var files, want []string
	for i, c := range frameContents() {
		for _, scale := range []int{0, 2, 8} {
			p, err := qr.RenderPNG(c, scale)
			require.NoError(t, err)
			s, err := qr.RenderSVG(c, scale)
			require.NoError(t, err)
			base := filepath.Join(dir, fmt.Sprintf("f%d-%d", i, scale))
			require.NoError(t, os.WriteFile(base+".png", p, 0o600))
			require.NoError(t, os.WriteFile(base+".svg", s, 0o600))
			files = append(files, base+".png", base+".svg")
			want = append(want, c, c)
		}
	}
	assert.Equal(t, want, zbar(t, bin, files...))
}

func TestRenderGeometry(t *testing.T) {
	c := frameContents()[1]
	m, err := qr.Encode(c)
	require.NoError(t, err)
	assert.Equal(t, 0, (m.Size-17)%4, "a QR code is 17+4v modules wide")
	img, err := m.Image(5)
	require.NoError(t, err)
	side := (m.Size + 2*qr.QuietZone) * 5
	assert.Equal(t, side, img.Bounds().Dx())
	// The quiet zone is light; the top-left finder pattern is dark.
	assert.Equal(t, uint8(0), img.ColorIndexAt(qr.QuietZone*5-1, qr.QuietZone*5-1))
	assert.Equal(t, uint8(1), img.ColorIndexAt(qr.QuietZone*5, qr.QuietZone*5))
	svg, err := m.SVG(0)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(svg, []byte("<svg ")))
	assert.Contains(t, string(svg), fmt.Sprintf(`viewBox="0 0 %d %d"`, (m.Size+8)*qr.DefaultScale, (m.Size+8)*qr.DefaultScale))

	for _, bad := range []int{-1, qr.MaxScale + 1} {
		_, err := m.PNG(bad)
		assert.ErrorIs(t, err, qr.ErrRender)
		_, err = m.SVG(bad)
		assert.ErrorIs(t, err, qr.ErrRender)
	}
	_, err = qr.Encode("")
	assert.ErrorIs(t, err, qr.ErrRender)
	_, err = qr.Encode(strings.Repeat("x", 5000))
	assert.ErrorIs(t, err, qr.ErrRender)
}

// Every length up to the limit encodes into the smallest version that holds
// it and reads back (version boundaries, the byte-mode count's 8 and 16
// bits, every mask the penalty picks).
func TestRenderLengthsDecode(t *testing.T) {
	var r qr.Renderer
	for n := 1; n <= 1024; n += 1 + n/8 {
		c := strings.Repeat("a1-B:/?", n)[:n]
		b, err := r.PNG(c, 2)
		require.NoError(t, err, n)
		assert.Equal(t, c, gozxingDecode(t, b), "length %d", n)
	}
}
