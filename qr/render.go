package qr

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"sync"

	qrcode "github.com/yeqown/go-qrcode/v2"
)

// Rendering limits.
const (
	// QuietZone is the margin around the code, in modules (ISO/IEC 18004
	// asks for 4).
	QuietZone = 4
	// DefaultScale is the pixels per module of RenderPNG when scale is 0.
	DefaultScale = 4
	// MaxScale bounds the pixels per module.
	MaxScale = 32
	// maxContent bounds what Encode accepts (frames are ~130 bytes; enough
	// for a mode B URL too).
	maxContent = 1024
)

// Matrix is an encoded QR code: Size×Size modules, true for dark, without
// the quiet zone.
type Matrix struct {
	Size int
	Dark []bool // row-major
}

// At reports whether the module at column x, row y is dark.
func (m *Matrix) At(x, y int) bool { return m.Dark[y*m.Size+x] }

type matrixWriter struct{ m *Matrix }

func (w *matrixWriter) Write(mat qrcode.Matrix) error {
	bm := mat.Bitmap()
	n := len(bm)
	m := &Matrix{Size: n, Dark: make([]bool, n*n)}
	for y, row := range bm {
		if len(row) != n {
			return ErrRender
		}
		copy(m.Dark[y*n:], row)
	}
	w.m = m
	return nil
}

func (w *matrixWriter) Close() error { return nil }

// Encode encodes content as a QR code (byte mode, error correction level M)
// with github.com/yeqown/go-qrcode. A failure of the encoder is ErrRender,
// never a panic of the caller.
func Encode(content string) (m *Matrix, err error) {
	if content == "" || len(content) > maxContent {
		return nil, fmt.Errorf("%w: content length", ErrRender)
	}
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("%w: encoder failed", ErrRender)
		}
	}()
	q, err := qrcode.NewWith(content,
		qrcode.WithEncodingMode(qrcode.EncModeByte),
		qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRender, err)
	}
	w := &matrixWriter{}
	if err := q.Save(w); err != nil || w.m == nil {
		return nil, fmt.Errorf("%w: encoder wrote nothing", ErrRender)
	}
	return w.m, nil
}

// palette: index 0 light, index 1 dark.
func bw() color.Palette { return color.Palette{color.Gray{Y: 0xff}, color.Gray{Y: 0}} }

// Image returns the code as a 1-bit image with the quiet zone, scale
// pixels per module (0 means DefaultScale).
func (m *Matrix) Image(scale int) (*image.Paletted, error) {
	if scale == 0 {
		scale = DefaultScale
	}
	if scale < 1 || scale > MaxScale {
		return nil, fmt.Errorf("%w: scale must be in [1, %d]", ErrRender, MaxScale)
	}
	side := (m.Size + 2*QuietZone) * scale
	img := image.NewPaletted(image.Rect(0, 0, side, side), bw())
	for y := 0; y < m.Size; y++ {
		row := img.Pix[(y+QuietZone)*scale*img.Stride:]
		for x := 0; x < m.Size; x++ {
			if m.At(x, y) {
				px := row[(x+QuietZone)*scale:]
				for i := 0; i < scale; i++ {
					px[i] = 1
				}
			}
		}
		line := row[:side]
		for i := 1; i < scale; i++ {
			copy(img.Pix[((y+QuietZone)*scale+i)*img.Stride:], line)
		}
	}
	return img, nil
}

// PNG returns the code as a PNG image (see Image). A Renderer does the
// same faster, reusing the encoder's buffers.
func (m *Matrix) PNG(scale int) ([]byte, error) {
	return m.png(scale, nil)
}

func (m *Matrix) png(scale int, pool png.EncoderBufferPool) ([]byte, error) {
	img, err := m.Image(scale)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Grow(1024)
	enc := png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: pool}
	if err := enc.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRender, err)
	}
	return b.Bytes(), nil
}

// Renderer renders QR codes for a server that renders many: it reuses the
// PNG encoder's buffers (and its compressor) between calls, which halves
// the time of a PNG and removes ~1 MB of garbage per image. The zero value
// is ready; it is safe for concurrent use.
type Renderer struct {
	pool pngPool
}

type pngPool struct{ p sync.Pool }

func (p *pngPool) Get() *png.EncoderBuffer {
	b, _ := p.p.Get().(*png.EncoderBuffer)
	return b
}

func (p *pngPool) Put(b *png.EncoderBuffer) { p.p.Put(b) }

// PNG encodes content and returns a PNG (scale 0 means DefaultScale).
func (r *Renderer) PNG(content string, scale int) ([]byte, error) {
	m, err := Encode(content)
	if err != nil {
		return nil, err
	}
	return m.png(scale, &r.pool)
}

// SVG encodes content and returns an SVG (scale 0 means DefaultScale).
func (r *Renderer) SVG(content string, scale int) ([]byte, error) {
	return RenderSVG(content, scale)
}

// SVG returns the code as an SVG document: one path of dark runs, scale
// units per module (0 means DefaultScale), quiet zone included. Its viewBox
// lets CSS scale it to any size. Coordinates are whole pixels at the
// default size, which keeps naive rasterisers (ImageMagick 6, which zbarimg
// uses) exact.
func (m *Matrix) SVG(scale int) ([]byte, error) {
	if scale == 0 {
		scale = DefaultScale
	}
	if scale < 1 || scale > MaxScale {
		return nil, fmt.Errorf("%w: scale must be in [1, %d]", ErrRender, MaxScale)
	}
	px := strconv.Itoa((m.Size + 2*QuietZone) * scale)
	var b bytes.Buffer
	b.Grow(m.Size * m.Size * 6)
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" width="` + px + `" height="` + px +
		`" viewBox="0 0 ` + px + ` ` + px + `" shape-rendering="crispEdges">` +
		`<rect width="` + px + `" height="` + px + `" fill="#fff"/><path fill="#000" d="`)
	var num [20]byte
	put := func(c byte, v int) {
		b.WriteByte(c)
		b.Write(strconv.AppendInt(num[:0], int64(v), 10))
	}
	for y := 0; y < m.Size; y++ {
		for x := 0; x < m.Size; {
			if !m.At(x, y) {
				x++
				continue
			}
			start := x
			for x < m.Size && m.At(x, y) {
				x++
			}
			w := (x - start) * scale
			put('M', (start+QuietZone)*scale)
			put(' ', (y+QuietZone)*scale)
			put('h', w)
			put('v', scale)
			put('h', -w)
			b.WriteByte('z')
		}
	}
	b.WriteString(`"/></svg>`)
	return b.Bytes(), nil
}

// RenderPNG encodes content and returns a PNG (scale 0 means DefaultScale).
func RenderPNG(content string, scale int) ([]byte, error) {
	m, err := Encode(content)
	if err != nil {
		return nil, err
	}
	return m.PNG(scale)
}

// RenderSVG encodes content and returns an SVG (scale 0 means DefaultScale).
func RenderSVG(content string, scale int) ([]byte, error) {
	m, err := Encode(content)
	if err != nil {
		return nil, err
	}
	return m.SVG(scale)
}
