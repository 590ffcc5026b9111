package qr

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"io"
	"math/bits"
	"strconv"
	"sync"

	"rsc.io/qr/coding"
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

// Encode encodes content as a QR code (byte mode, error correction level
// M, the smallest version that holds it) with rsc.io/qr/coding, choosing
// the mask with the lowest ISO/IEC 18004 penalty. A failure of the encoder
// is ErrRender, never a panic of the caller. A Renderer does the same
// faster, keeping the per-version layouts between calls.
func Encode(content string) (*Matrix, error) {
	return encode(content, nil)
}

// planCache keeps the layouts (rsc.io/qr/coding plans) of the versions and
// masks a Renderer has used: at most 40 versions × 8 masks, in practice the
// one or two versions of a deployment's frames (≈ 8 KB per plan for the
// version 7 of a frame).
type planCache struct {
	m sync.Map // int(version)*8+mask → *coding.Plan
}

func (c *planCache) plan(v coding.Version, mask coding.Mask) (*coding.Plan, error) {
	if c == nil {
		return coding.NewPlan(v, coding.M, mask)
	}
	k := int(v)*8 + int(mask)
	if p, ok := c.m.Load(k); ok {
		return p.(*coding.Plan), nil
	}
	p, err := coding.NewPlan(v, coding.M, mask)
	if err != nil {
		return nil, err
	}
	c.m.Store(k, p)
	return p, nil
}

func encode(content string, plans *planCache) (m *Matrix, err error) {
	if content == "" || len(content) > maxContent {
		return nil, fmt.Errorf("%w: content length", ErrRender)
	}
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("%w: encoder failed", ErrRender)
		}
	}()
	text := coding.String(content)
	v := coding.Version(1)
	for ; v <= coding.MaxVersion && text.Bits(v) > v.DataBytes(coding.M)*8; v++ {
	}
	if v > coding.MaxVersion {
		return nil, fmt.Errorf("%w: content too long", ErrRender)
	}
	var best *Matrix
	bestScore := 0
	for mask := range coding.Mask(8) {
		p, err := plans.plan(v, mask)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrRender, err)
		}
		code, err := p.Encode(text)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrRender, err)
		}
		m := matrixOf(code)
		if score := m.penalty(); best == nil || score < bestScore {
			best, bestScore = m, score
		}
	}
	return best, nil
}

func matrixOf(c *coding.Code) *Matrix {
	n := c.Size
	m := &Matrix{Size: n, Dark: make([]bool, n*n)}
	for y := range n {
		row := c.Bitmap[y*c.Stride:]
		for x := range n {
			m.Dark[y*n+x] = row[x/8]&(1<<uint(7-x&7)) != 0
		}
	}
	return m
}

// penalty is the mask evaluation of ISO/IEC 18004:2015 §7.8.3: runs of
// five or more modules of one colour (N1), 2×2 blocks (N2), 1:1:3:1:1
// finder-like patterns beside four light modules (N3) and the balance of
// dark and light (N4). Lower is better.
func (m *Matrix) penalty() int {
	if m.Size <= 64 {
		return m.penaltyBits()
	}
	return m.penaltyModules()
}

// penaltyModules is penalty module by module, for any size.
func (m *Matrix) penaltyModules() int {
	n, d := m.Size, m.Dark
	score, dark := 0, 0
	for i := range n {
		score += runPenalty(d, i*n, 1, n) // row i
		score += runPenalty(d, i, n, n)   // column i
	}
	for y := range n {
		for x := range n {
			c := d[y*n+x]
			if c {
				dark++
			}
			if x+1 < n && y+1 < n && d[y*n+x+1] == c && d[(y+1)*n+x] == c && d[(y+1)*n+x+1] == c {
				score += 3
			}
		}
	}
	pct := dark * 100 / (n * n)
	dev := pct - 50
	if dev < 0 {
		dev = -dev
	}
	return score + dev/5*10
}

// penaltyBits is penalty for symbols of up to 64 modules a side (versions
// 1–11, every frame): rows and columns as bit sets, module x in bit x.
func (m *Matrix) penaltyBits() int {
	n := m.Size
	var rows, cols [64]uint64
	dark := 0
	for y := range n {
		for x := range n {
			if m.Dark[y*n+x] {
				rows[y] |= 1 << x
				cols[x] |= 1 << y
				dark++
			}
		}
	}
	full := uint64(1)<<n - 1
	if n == 64 {
		full = ^uint64(0)
	}
	score := 0
	for i := range n {
		score += linePenalty(rows[i], n) + linePenalty(cols[i], n)
		if i+1 < n {
			// N2: a 2×2 block at x when rows i and i+1 agree at x and x+1
			// and row i's x and x+1 agree.
			same := ^(rows[i] ^ rows[i+1])
			pair := ^(rows[i] ^ rows[i]>>1)
			score += 3 * bits.OnesCount64(same&(same>>1)&pair&(full>>1))
		}
	}
	pct := dark * 100 / (n * n)
	dev := pct - 50
	if dev < 0 {
		dev = -dev
	}
	return score + dev/5*10
}

// linePenalty scores one row or column of n modules held as bits (N1, N3).
func linePenalty(l uint64, n int) int {
	score := 0
	for x := 0; x < n; {
		c := l >> x & 1
		run := 1
		for x+run < n && l>>(x+run)&1 == c {
			run++
		}
		if run >= 5 {
			score += 3 + run - 5
		}
		x += run
	}
	// N3: module x is bit x, so "oldest first" reads from bit x upwards:
	// 0000 1011101 is the 11 bits from x with the pattern in bits 4–10.
	const p1, p2 = finderLike << 4, finderLike
	for x := 0; x+11 <= n; x++ {
		if w := l >> x & (1<<11 - 1); w == p1 || w == p2 {
			score += 40
		}
	}
	return score
}

// finderLike is the N3 pattern: dark, light, dark×3, light, dark.
const finderLike = 0b1011101

// runPenalty scores one row or column (N1 and N3): the n modules of d
// from start, step apart.
func runPenalty(d []bool, start, step, n int) int {
	score, run := 0, 0
	var prev bool
	var window uint32 // the last 11 modules, newest in bit 0
	for j := range n {
		c := d[start+j*step]
		if j > 0 && c == prev {
			run++
		} else {
			if run >= 5 {
				score += 3 + run - 5
			}
			run, prev = 1, c
		}
		window <<= 1
		if c {
			window |= 1
		}
		window &= 1<<11 - 1
		// 0000 1011101 or 1011101 0000 within the symbol (the real finder
		// patterns score alike under every mask)
		if j >= 10 && (window == finderLike || window == finderLike<<4) {
			score += 40
		}
	}
	if run >= 5 {
		score += 3 + run - 5
	}
	return score
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

// PNG returns the code as a PNG image (see Image): 1-bit greyscale, the
// quiet zone included. A Renderer does the same faster, reusing the
// compressor between calls.
func (m *Matrix) PNG(scale int) ([]byte, error) {
	return m.png(scale, nil)
}

// png writes the PNG directly — signature, IHDR, one IDAT of the packed
// rows (each module row built once, repeated scale times) and IEND —
// rather than through image/png, which reads a 1-bit image pixel by pixel.
func (m *Matrix) png(scale int, pool *zlibPool) ([]byte, error) {
	if scale == 0 {
		scale = DefaultScale
	}
	if scale < 1 || scale > MaxScale {
		return nil, fmt.Errorf("%w: scale must be in [1, %d]", ErrRender, MaxScale)
	}
	side := (m.Size + 2*QuietZone) * scale
	stride := 1 + (side+7)/8 // filter byte (0, none) and the packed pixels
	raw := make([]byte, stride*side)
	light := make([]byte, stride) // a quiet-zone row: all white (1)
	for i := 1; i < stride; i++ {
		light[i] = 0xff
	}
	line := make([]byte, stride)
	for y := -QuietZone; y < m.Size+QuietZone; y++ {
		src := light
		if y >= 0 && y < m.Size {
			copy(line, light)
			for x := range m.Size {
				if m.At(x, y) {
					for px := (x + QuietZone) * scale; px < (x+QuietZone+1)*scale; px++ {
						line[1+px/8] &^= 0x80 >> (px % 8)
					}
				}
			}
			src = line
		}
		for i := range scale {
			copy(raw[((y+QuietZone)*scale+i)*stride:], src)
		}
	}

	var b bytes.Buffer
	b.Grow(1024)
	b.WriteString("\x89PNG\r\n\x1a\n")
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(side))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(side))
	ihdr[8] = 1 // bit depth 1; colour type 0 (greyscale); compression, filter, interlace 0
	writeChunk(&b, "IHDR", ihdr[:])
	var z bytes.Buffer
	w := pool.get(&z)
	if _, err := w.Write(raw); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRender, err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRender, err)
	}
	pool.put(w)
	writeChunk(&b, "IDAT", z.Bytes())
	writeChunk(&b, "IEND", nil)
	return b.Bytes(), nil
}

func writeChunk(b *bytes.Buffer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	b.Write(n[:])
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	b.WriteString(typ)
	b.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	b.Write(n[:])
}

// Renderer renders QR codes for a server that renders many: it keeps the
// encoder's layouts per version and mask (at most 40 × 8, in practice the
// 8 of the frames' one version) and reuses the PNG compressor between
// calls. The zero value is ready; it is safe for concurrent use.
type Renderer struct {
	pool  zlibPool
	plans planCache
}

// zlibPool reuses zlib writers (fastest level); a nil pool makes new ones.
type zlibPool struct{ p sync.Pool }

func (p *zlibPool) get(w io.Writer) *zlib.Writer {
	if p != nil {
		if z, ok := p.p.Get().(*zlib.Writer); ok {
			z.Reset(w)
			return z
		}
	}
	z, _ := zlib.NewWriterLevel(w, zlib.BestSpeed) // a valid level: no error
	return z
}

func (p *zlibPool) put(z *zlib.Writer) {
	if p != nil {
		p.p.Put(z)
	}
}

// PNG encodes content and returns a PNG (scale 0 means DefaultScale).
func (r *Renderer) PNG(content string, scale int) ([]byte, error) {
	m, err := encode(content, &r.plans)
	if err != nil {
		return nil, err
	}
	return m.png(scale, &r.pool)
}

// SVG encodes content and returns an SVG (scale 0 means DefaultScale).
func (r *Renderer) SVG(content string, scale int) ([]byte, error) {
	m, err := encode(content, &r.plans)
	if err != nil {
		return nil, err
	}
	return m.SVG(scale)
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
