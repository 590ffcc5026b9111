// Command qrsample writes one QR code as PNG and as SVG, rendered by the qr
// package, so that .ci/run can prove zbarimg reads both formats before the
// tests run (an SVG needs ImageMagick's SVG coder, a separate Debian
// package).
//
// Usage:
//
//	go run ./internal/cicheck/qrsample DIR TEXT
//
// It writes DIR/sample.png and DIR/sample.svg encoding TEXT.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/strongauth/strongauth/qr"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: qrsample DIR TEXT")
		os.Exit(2)
	}
	dir, text := os.Args[1], os.Args[2]
	png, err := qr.RenderPNG(text, 0)
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "sample.png"), png, 0o600)
	}
	if err == nil {
		var svg []byte
		if svg, err = qr.RenderSVG(text, 0); err == nil {
			err = os.WriteFile(filepath.Join(dir, "sample.svg"), svg, 0o600)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "qrsample:", err)
		os.Exit(1)
	}
}
