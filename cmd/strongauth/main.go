package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
)

// Exit statuses.
const (
	exitOK      = 0
	exitInvalid = 1
	exitUsage   = 2
)

// command is one subcommand.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

func commands() map[string]command {
	return map[string]command{
		"policy": {"check an authentication policy and print its normal form", runPolicy},
		"verify": {"verify a CMS (ECP) signature: chain, purpose, revocation, who signed", runVerify},
		"cert":   {"show a certificate's identity, roles, key usage and policies (PEM, DER, .p12)", runCert},
		"devpki": {"write a development PKI in the Kazakh profile (never for production)", runDevPKI},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return exitOK
	case "-version", "--version", "version":
		fmt.Fprintln(stdout, "strongauth", version())
		return exitOK
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "strongauth: unknown command %q\n\n", args[0])
		usage(stderr)
		return exitUsage
	}
	return cmd.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: strongauth COMMAND [flags] [args]")
	fmt.Fprintln(w, "\nCommands:")
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'strongauth COMMAND --help' for a command's flags and examples; 'strongauth --version' for the version.")
	fmt.Fprintln(w, "Exit status: 0 valid/ok, 1 invalid/refused, 2 usage or I/O error.")
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// newFlags returns a FlagSet whose --help prints text (with examples).
func newFlags(name, text string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), text)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, flags and arguments in any order ("--" ends the
// flags). It returns the arguments, whether to go on and, if not, the exit
// status (0 after --help, 2 after a usage error).
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) ([]string, bool, int) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(stdout)
				fs.Usage()
				return nil, false, exitOK
			}
			return nil, false, exitUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, true, exitOK
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), true, exitOK
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

func printJSON(w io.Writer, v any) { _, _ = w.Write(jsonBytes(v)) }

// jsonBytes renders v as indented JSON with a final newline. The values
// rendered are the command's own types, which always encode.
func jsonBytes(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return []byte(`{"error":{"code":"internal","message":"JSON encoding failed"}}` + "\n")
	}
	return b.Bytes()
}
