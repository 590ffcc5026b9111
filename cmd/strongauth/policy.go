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
	// Weak lists the combinations that a weak factor alone satisfies
	// (the reason a rule is refused).
	Weak  [][]string `json:"weak_combinations,omitempty"`
	Error *errorJSON `json:"error,omitempty"`
}

func runPolicy(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("policy", policyHelp, stderr)
	rest, ok, code := parseFlags(fs, args, stdout)
	if !ok {
		if code != exitOK {
			printJSON(stdout, policyOutput{Error: &errorJSON{Code: codeUsage, Message: "bad flags (see strongauth policy --help)"}})
		}
		return code
	}
	if len(rest) != 1 {
		printJSON(stdout, policyOutput{Error: &errorJSON{Code: codeUsage, Message: "want exactly one TEXT argument"}})
		fmt.Fprintln(stderr, "strongauth policy: want exactly one TEXT argument")
		fs.Usage()
		return exitUsage
	}
	out := policyOutput{}
	e, err := auth.ParseRule(rest[0])
	if err == nil {
		out.Rule = e.String()
		out.Combinations, err = auth.NormalForm(e)
	}
	if err == nil {
		out.NormalForm = joinCombos(out.Combinations)
		err = auth.CheckRule(e)
	}
	if errors.Is(err, auth.ErrWeakPolicy) {
		out.Weak = weakCombinations(out.Combinations)
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

// weakCombinations returns the combinations that, as a rule of their own,
// auth.CheckRule refuses: those a weak factor alone satisfies.
func weakCombinations(cs [][]string) [][]string {
	var out [][]string
	for _, c := range cs {
		e, err := auth.ParseRule(joinCombos([][]string{c}))
		if err == nil && errors.Is(auth.CheckRule(e), auth.ErrWeakPolicy) {
			out = append(out, c)
		}
	}
	return out
}
