// Command mobile is a command-line "phone" for strongauth's QR factor: it
// keeps a device key, enrols it with a host, and approves or denies QR
// sessions (mode A) — what the host's mobile app does —, and it plays eGov
// Mobile signing a mobileSign QR code with a test ECP key (mode B); for
// tests, demos and app developers.
//
//	mobile keygen  -device phone.json -phone https://host/qr/phone
//	mobile enrol   -device phone.json -enrol https://host/qr/enrol -name "My phone" -H "Cookie: session=…"
//	mobile approve -device phone.json -content 'strongauth.…'   (or -image frame.png) [-number 42]
//	mobile deny    -device phone.json -content 'strongauth.…'
//	mobile show    -device phone.json
//	mobile egov    -content 'mobileSign:https://…' (or -image) -cert CERT.pem -key-hex KEY.hex (GOST-2015) | -key-pem KEY.pem [-method M]
//
// approve scans the frame, prints who is asking (service, action, browser,
// system, IP, place, time) and the three numbers, then approves with the
// number given by -number, or asks for it on standard input. The device
// file holds the private key (PKCS #8 PEM): a real app keeps it in secure
// hardware behind biometrics instead.
//
// egov answers in the sign method the document asks for — a CMS without
// (CMS_SIGN_ONLY) or with the document (CMS_WITH_DATA), an enveloped
// XML-DSig (XML), or a bare signature with the certificate
// (SIGN_BYTES_ARRAY) —, or in the one -method names, to see the server
// refuse another method. It signs with TEST keys only: the NCA test keys of
// ../shared/testdata/kz-nca (NAME.cert.pem with NAME.key.hex, GOST
// 34.10-2015 512-bit on TC26-512-A) or RSA/ECDSA PKCS #8 keys. Its GOST
// signing (signature/gost/gosttest) is not constant time: never give it a
// real key.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	_ "image/jpeg" // decode frames saved as JPEG too
	_ "image/png"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/strongauth/strongauth/qr/phone"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr, http.DefaultClient))
}

// deviceFile is what the phone keeps.
type deviceFile struct {
	Key      string `json:"key"` // PKCS #8 PEM
	Device   string `json:"device,omitempty"`
	PhoneURL string `json:"phone_url,omitempty"`
	Lang     string `json:"lang,omitempty"`
}

type headers []string

func (h *headers) String() string     { return strings.Join(*h, ", ") }
func (h *headers) Set(s string) error { *h = append(*h, s); return nil }

const usage = `usage: mobile keygen|enrol|approve|deny|show -device FILE [flags]
  keygen   create a device key           -phone URL (the factor's PhoneHandler) [-lang kk|ru|en]
  enrol    enrol the key with the host   -enrol URL -name NAME [-H "Header: value"]...
  approve  scan a frame and approve      -content TEXT | -image FILE [-number N]
  deny     scan a frame and report "I did not start this"  -content TEXT | -image FILE
  show     print the device ID and phone URL
  egov     act as eGov Mobile: sign a mobileSign code with a TEST ECP key
           -content TEXT | -image FILE  -cert CERT.pem  -key-hex KEY.hex | -key-pem KEY.pem
           [-method auto|CMS_SIGN_ONLY|CMS_WITH_DATA|XML|SIGN_BYTES_ARRAY]
`

// run is main without the process: it returns the exit code (0 ok, 1
// refused or failed, 2 usage).
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, hc *http.Client) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd := args[0]
	fs := flag.NewFlagSet("mobile "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	devicePath := fs.String("device", "phone.json", "the device file")
	phoneURL := fs.String("phone", "", "keygen: base URL of the phone handler")
	lang := fs.String("lang", "", "keygen, egov: the language of the texts (kk, ru, en)")
	enrolURL := fs.String("enrol", "", "enrol: base URL of the enrolment handler")
	name := fs.String("name", "", "enrol: the device's name")
	var hdrs headers
	fs.Var(&hdrs, "H", "enrol: a request header (repeatable), e.g. the host session cookie")
	content := fs.String("content", "", "approve/deny: the scanned QR text")
	imagePath := fs.String("image", "", "approve/deny: a PNG or JPEG of the QR code")
	number := fs.Int("number", 0, "approve: the number the browser shows (else asked)")
	certPath := fs.String("cert", "", "egov: the signer's certificate (PEM or DER)")
	keyHex := fs.String("key-hex", "", "egov: a GOST-2015 512 TEST key, big-endian hex (NCA test NAME.key.hex)")
	keyPEM := fs.String("key-pem", "", "egov: an RSA or ECDSA TEST key, PKCS #8 PEM")
	method := fs.String("method", "auto", "egov: the sign method to answer with: auto (the one asked), CMS_SIGN_ONLY, CMS_WITH_DATA, XML or SIGN_BYTES_ARRAY")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "mobile:", err)
		return 1
	}

	switch cmd {
	case "keygen":
		if *phoneURL == "" {
			fmt.Fprintln(stderr, "mobile keygen: -phone is required")
			return 2
		}
		key, err := phone.GenerateKey()
		if err != nil {
			return fail(err)
		}
		pemKey, err := phone.MarshalKey(key)
		if err != nil {
			return fail(err)
		}
		if err := save(*devicePath, &deviceFile{Key: string(pemKey), PhoneURL: *phoneURL, Lang: *lang}, true); err != nil {
			return fail(err)
		}
		fmt.Fprintln(stdout, "device key created in", *devicePath)
		return 0
	case "egov":
		return egov(ctx, hc, stdout, stderr, *content, *imagePath, *certPath, *keyHex, *keyPEM, *lang, *method)
	case "enrol", "approve", "deny", "show":
	default:
		fmt.Fprint(stderr, usage)
		return 2
	}

	df, client, err := load(*devicePath, hc)
	if err != nil {
		return fail(err)
	}
	switch cmd {
	case "show":
		fmt.Fprintf(stdout, "device %s\nphone  %s\n", orNone(df.Device), df.PhoneURL)
		return 0
	case "enrol":
		if *enrolURL == "" || *name == "" {
			fmt.Fprintln(stderr, "mobile enrol: -enrol and -name are required")
			return 2
		}
		client.Header = http.Header{}
		for _, h := range hdrs {
			k, v, ok := strings.Cut(h, ":")
			if !ok {
				fmt.Fprintf(stderr, "mobile enrol: header %q is not Name: value\n", h)
				return 2
			}
			client.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		}
		if err := client.Enrol(ctx, *enrolURL, *name); err != nil {
			return fail(err)
		}
		df.Device = client.Device
		if err := save(*devicePath, df, false); err != nil {
			return fail(err)
		}
		fmt.Fprintln(stdout, "enrolled as device", df.Device)
		return 0
	}

	// approve or deny
	if df.Device == "" {
		return fail(errors.New("the device is not enrolled yet (mobile enrol)"))
	}
	text, code := scanned(stderr, cmd, *content, *imagePath)
	if code != 0 {
		return code
	}
	scan, err := client.Scan(ctx, text)
	if err != nil {
		return fail(err)
	}
	d := scan.Shown
	fmt.Fprintf(stdout, "%s asks to confirm: %s\n", d.Service, d.ActionText)
	fmt.Fprintf(stdout, "  from %s on %s", d.Browser, d.OS)
	if d.IP != "" {
		fmt.Fprintf(stdout, ", IP %s", d.IP)
	}
	if d.Location != "" {
		fmt.Fprintf(stdout, ", %s", d.Location)
	}
	fmt.Fprintf(stdout, "\n  at %s (until %s)\n", d.Time.Local().Format(time.DateTime), d.ExpiresAt.Local().Format(time.TimeOnly))
	if cmd == "deny" {
		if err := client.Deny(ctx, scan); err != nil {
			return fail(err)
		}
		fmt.Fprintln(stdout, "reported: I did not start this. The request is cancelled.")
		return 0
	}
	fmt.Fprintf(stdout, "Which number does the browser show? %d  %d  %d\n", scan.Numbers[0], scan.Numbers[1], scan.Numbers[2])
	n := *number
	if n == 0 {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return fail(errors.New("no number chosen"))
		}
		if n, err = strconv.Atoi(strings.TrimSpace(line)); err != nil {
			return fail(errors.New("not a number"))
		}
	}
	if err := client.Approve(ctx, scan, n); err != nil {
		return fail(err)
	}
	fmt.Fprintln(stdout, "approved")
	return 0
}

// scanned returns the QR text from -content or -image (else a usage or
// failure exit code).
func scanned(stderr io.Writer, cmd, content, imagePath string) (string, int) {
	if imagePath != "" {
		text, err := decodeImage(imagePath)
		if err != nil {
			fmt.Fprintln(stderr, "mobile:", err)
			return "", 1
		}
		return text, 0
	}
	if content == "" {
		fmt.Fprintf(stderr, "mobile %s: -content or -image is required\n", cmd)
		return "", 2
	}
	return content, 0
}

func orNone(s string) string {
	if s == "" {
		return "(not enrolled)"
	}
	return s
}

func load(path string, hc *http.Client) (*deviceFile, *phone.Client, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var df deviceFile
	if err := json.Unmarshal(b, &df); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	key, err := phone.ParseKey([]byte(df.Key))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return &df, &phone.Client{PhoneURL: df.PhoneURL, Key: key, Device: df.Device, HTTP: hc, Lang: df.Lang}, nil
}

func save(path string, df *deviceFile, create bool) error {
	b, err := json.MarshalIndent(df, "", "  ")
	if err != nil {
		return err
	}
	flags := os.O_WRONLY | os.O_TRUNC | os.O_CREATE
	if create {
		flags |= os.O_EXCL // never overwrite a key by accident
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func decodeImage(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	text, err := phone.DecodeImage(img)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return text, nil
}
