package phone

import (
	"errors"
	"fmt"
	"image"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
)

// ErrNoCode reports an image in which no QR code could be read.
var ErrNoCode = errors.New("phone: no QR code found in the image")

// DecodeImage reads the QR code in img, as a phone's camera app would, with
// github.com/makiuchi-d/gozxing (an independent decoder: our renderer uses
// another library). gozxing's finder-pattern detector misses about one
// synthetic code in seventy-five that other readers (zbarimg) read, so a
// failed detection is retried in its pure-barcode mode, which reads a
// cropped, axis-aligned code such as a screenshot of the page's image.
func DecodeImage(img image.Image) (string, error) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoCode, err)
	}
	r := zxqr.NewQRCodeReader()
	res, err := r.Decode(bmp, nil)
	if err != nil {
		res, err = r.Decode(bmp, map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_PURE_BARCODE: true})
	}
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoCode, err)
	}
	return res.GetText(), nil
}
