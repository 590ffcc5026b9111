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
	src := gozxing.NewLuminanceSourceFromImage(img)
	r := zxqr.NewQRCodeReader()
	var err error
	// gozxing's detector misses some rendered frames on one binarizer and
	// reads them on another (seen as a FormatException "dimension = 36" on
	// a browser screenshot about once in a hundred runs): try the hybrid
	// binarizer, the global histogram one, harder, then the pure-barcode
	// mode for an image that is only the code.
	tries := []struct {
		bin   func(gozxing.LuminanceSource) gozxing.Binarizer
		hints map[gozxing.DecodeHintType]interface{}
	}{
		{gozxing.NewHybridBinarizer, nil},
		{gozxing.NewGlobalHistgramBinarizer, nil},
		{gozxing.NewHybridBinarizer, map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true}},
		{gozxing.NewHybridBinarizer, map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_PURE_BARCODE: true}},
	}
	for _, try := range tries {
		var bmp *gozxing.BinaryBitmap
		if bmp, err = gozxing.NewBinaryBitmap(try.bin(src)); err != nil {
			break
		}
		var res *gozxing.Result
		if res, err = r.Decode(bmp, try.hints); err == nil {
			return res.GetText(), nil
		}
	}
	return "", fmt.Errorf("%w: %w", ErrNoCode, err)
}
