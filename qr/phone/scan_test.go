package phone_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"image"
	"image/png"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/qr/phone"
)

// TestDecodeImageReadsEveryFrame renders 300 random frames and reads each
// back. gozxing's detector alone misses about 1 in 75 of them; with the
// pure-barcode retry every one must read.
func TestDecodeImageReadsEveryFrame(t *testing.T) {
	for i := range 300 {
		tok, sec := make([]byte, 16), make([]byte, 32)
		_, _ = rand.Read(tok)
		_, _ = rand.Read(sec)
		c := qr.Frame{Prefix: "strongauth", Token: hex.EncodeToString(tok), T: i % 90, MAC: qr.FrameMAC(sec, i%90)}.Content()
		b, err := qr.RenderPNG(c, 0)
		require.NoError(t, err)
		img, err := png.Decode(bytes.NewReader(b))
		require.NoError(t, err)
		got, err := phone.DecodeImage(img)
		require.NoError(t, err, c)
		require.Equal(t, c, got)
	}
}

func TestDecodeImageWithoutCode(t *testing.T) {
	_, err := phone.DecodeImage(image.NewGray(image.Rect(0, 0, 64, 64)))
	require.True(t, errors.Is(err, phone.ErrNoCode))
}
