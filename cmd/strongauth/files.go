package main

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// maxFileSize bounds every file the command reads (the library's largest
// input bound: a CMS of 64 MiB, a national CRL).
const maxFileSize = 64 << 20

// ioError is a failure to read or write a file: exit status 2.
type ioError struct{ err error }

func (e *ioError) Error() string { return e.err.Error() }
func (e *ioError) Unwrap() error { return e.err }

// usageError is a bad invocation: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// readFile reads at most maxFileSize bytes of path ("-" is standard input).
func readFile(path string, stdin io.Reader) ([]byte, error) {
	var r io.Reader
	if path == "-" {
		if stdin == nil {
			return nil, &ioError{errors.New("standard input is not available")}
		}
		r = stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, &ioError{err}
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, &ioError{fmt.Errorf("read %s: %w", path, err)}
	}
	if len(b) > maxFileSize {
		return nil, &ioError{fmt.Errorf("%s is larger than %d bytes", path, maxFileSize)}
	}
	return b, nil
}

// parseCertificates reads every certificate of a PEM file (CERTIFICATE
// blocks; other blocks are refused) or one DER certificate.
func parseCertificates(b []byte) ([]*x509.Certificate, error) {
	trimmed := bytes.TrimSpace(b)
	if !bytes.HasPrefix(trimmed, []byte("-----BEGIN ")) {
		c, err := x509.ParseCertificate(b)
		if err != nil {
			return nil, fmt.Errorf("not a PEM or DER certificate: %w", err)
		}
		return []*x509.Certificate{c}, nil
	}
	var out []*x509.Certificate
	rest := trimmed
	for len(bytes.TrimSpace(rest)) > 0 {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			return nil, errors.New("unparseable PEM")
		}
		if blk.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block %q is not a CERTIFICATE", blk.Type)
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", len(out)+1, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no certificate")
	}
	return out, nil
}

// readCertificates reads the certificates of each file; a file that holds
// none, or anything else, is a usage error.
func readCertificates(paths []string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, p := range paths {
		b, err := readFile(p, nil)
		if err != nil {
			return nil, err
		}
		certs, err := parseCertificates(b)
		if err != nil {
			return nil, usagef("%s: %v", p, err)
		}
		out = append(out, certs...)
	}
	return out, nil
}

// listFlag is a repeatable flag (--roots A --roots B).
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	if s == "" {
		return errors.New("empty value")
	}
	*l = append(*l, s)
	return nil
}
