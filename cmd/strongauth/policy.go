package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/strongauth/strongauth/auth"
)

const policyHelp = `Usage: strongauth policy TEXT

Parses an authentication policy rule, prints its normal form and each
minimal combination of factors that satisfies it, and refuses (exit 1) a
rule that a weak factor alone could satisfy, naming the combination.

Kinds: ecp, webauthn, qr (can be strong), sms (always weak), any other name
(weak unless the host's factor says otherwise); "strong" means any strong
factor; & binds tighter than |.

Examples:
  strongauth policy '(ecp & sms) | webauthn | qr'
  strongauth policy 'sms | ecp'          # refused: sms alone satisfies it
  strongauth policy 'strong & sms'
`

type policyOutput struct {
	Valid        bool       `json:"valid"`
	Rule         string     `json:"rule,omitempty"`
	NormalForm   string     `json:"normal_form,omitempty"`
	Combinations [][]string `json:"combinations,omitempty"`
	Error        *errorJSON `json:"error,omitempty"`
}

type errorJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func runPolicy(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("policy", policyHelp, stderr)
	if ok, code := parseFlags(fs, args, stdout); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "strongauth policy: want exactly one TEXT argument")
		fs.Usage()
		return exitUsage
	}
	out := policyOutput{}
	e, err := auth.ParseRule(fs.Arg(0))
	if err == nil {
		out.Rule = e.String()
		out.Combinations, err = auth.NormalForm(e)
	}
	if err == nil {
		out.NormalForm = joinCombos(out.Combinations)
		err = auth.CheckRule(e)
	}
	if err != nil {
		out.Error = &errorJSON{Code: auth.Code(err), Message: err.Error()}
		printJSON(stdout, out)
		if errors.Is(err, auth.ErrPolicySyntax) {
			return exitUsage
		}
		return exitInvalid
	}
	out.Valid = true
	printJSON(stdout, out)
	return exitOK
}

func joinCombos(cs [][]string) string {
	s := ""
	for i, c := range cs {
		if i > 0 {
			s += " | "
		}
		for j, k := range c {
			if j > 0 {
				s += " & "
			}
			s += k
		}
	}
	return s
}
