package obs

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
)

// TestCodesComplete reads the module's sources for every error code the
// library defines (sentinel("…"), codeErr("…"), coded("…"),
// errcode.New("…"), ErrorCode methods returning a literal, the revocation
// events' code = "…") and asserts Codes lists each: a new code that is not
// added would be counted as "other".
func TestCodesComplete(t *testing.T) {
	root, err := filepath.Abs("../../..")
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(root, "go.mod"))
	require.NoError(t, err, "module root")
	found := map[string]string{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			// examples are hosts, with codes of their own
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || rel == "examples") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		lit := func(e ast.Expr) (string, bool) {
			b, ok := e.(*ast.BasicLit)
			if !ok || b.Kind != token.STRING {
				return "", false
			}
			s, err := strconv.Unquote(b.Value)
			return s, err == nil
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				name := ""
				switch fn := n.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					if x, ok := fn.X.(*ast.Ident); ok {
						name = x.Name + "." + fn.Sel.Name
					}
				}
				if (name == "sentinel" || name == "codeErr" || name == "coded" || name == "errcode.New" || name == "New" && strings.HasPrefix(rel, filepath.Join("internal", "errcode"))) && len(n.Args) > 0 {
					if s, ok := lit(n.Args[0]); ok {
						found[s] = rel
					}
				}
			case *ast.FuncDecl:
				if n.Name.Name == "ErrorCode" && n.Body != nil && len(n.Body.List) == 1 {
					if r, ok := n.Body.List[0].(*ast.ReturnStmt); ok && len(r.Results) == 1 {
						if s, ok := lit(r.Results[0]); ok {
							found[s] = rel
						}
					}
				}
			case *ast.KeyValueExpr:
				// &codedError{code: "…", …}
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "code" {
					if s, ok := lit(n.Value); ok && s != "" {
						found[s] = rel
					}
				}
			case *ast.AssignStmt:
				if id, ok := n.Lhs[0].(*ast.Ident); ok && id.Name == "code" && len(n.Rhs) == 1 {
					if s, ok := lit(n.Rhs[0]); ok && s != "" {
						found[s] = rel
					}
				}
			}
			return true
		})
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, len(found), 30, "the scan found the sentinels")
	codes := Codes()
	assert.True(t, slices.IsSorted(codes), "Codes is sorted")
	for c, file := range found {
		assert.Contains(t, codes, c, "code %q of %s is missing from Codes", c, file)
	}
	for _, c := range codes {
		_, ok := found[c]
		assert.True(t, ok || c == "internal", "Codes lists %q, which no source defines", c)
	}
}

type rec struct{ got []string }

func (r *rec) add(f string, a ...any) { r.got = append(r.got, fmt.Sprintf(f, a...)) }

func (r *rec) Event(_ context.Context, typ string)           { r.add("event %s", typ) }
func (r *rec) FlowStarted(_ context.Context, a string)       { r.add("started %s", a) }
func (r *rec) FlowCompleted(_ context.Context, a string)     { r.add("completed %s", a) }
func (r *rec) FlowCancelled(_ context.Context, a string)     { r.add("cancelled %s", a) }
func (r *rec) Refusal(_ context.Context, a, code string)     { r.add("refusal %s %s", a, code) }
func (r *rec) Decision(_ context.Context, a string, ok bool) { r.add("decision %s %v", a, ok) }
func (r *rec) Factor(_ context.Context, k, op, out string)   { r.add("factor %s %s %s", k, op, out) }
func (r *rec) FactorDuration(_ context.Context, k, op string, s float64) {
	r.add("duration %s %s %g", k, op, s)
}
func (r *rec) SMSSent(context.Context)                       { r.add("sms sent") }
func (r *rec) SMSRefused(_ context.Context, code string)     { r.add("sms refused %s", code) }
func (r *rec) Revocation(_ context.Context, s, st, o string) { r.add("revocation %s %s %s", s, st, o) }
func (r *rec) StoreError(_ context.Context, k, op string)    { r.add("store %s %s", k, op) }
func (r *rec) Fraud(_ context.Context, k string)             { r.add("fraud %s", k) }

// TestDispatch: what each event becomes, with every unbounded value
// (an unknown action, kind, code, type, source) folded into "other".
func TestDispatch(t *testing.T) {
	l, err := NewLabels("test", []string{"login"}, nil, nil)
	require.NoError(t, err)
	for _, c := range []struct {
		e    auth.Event
		want []string
	}{
		{auth.Event{Type: auth.EventFlowStarted, Action: "login", Subject: "u1", Flow: "ref"},
			[]string{"event flow_started", "started login"}},
		{auth.Event{Type: auth.EventFlowStarted, Action: "evil\"action"},
			[]string{"event flow_started", "started other"}},
		{auth.Event{Type: auth.EventFactorBegun, Action: "login", Kind: auth.KindSMS, Op: "begin", Duration: 2 * time.Millisecond},
			[]string{"event factor_begun", "factor sms begin ok", "duration sms begin 0.002", "sms sent"}},
		{auth.Event{Type: auth.EventFactorRefused, Action: "login", Kind: auth.KindSMS, Op: "begin", Code: "factor_not_allowed"},
			[]string{"event factor_refused", "factor sms begin factor_not_allowed", "refusal login factor_not_allowed", "sms refused factor_not_allowed"}},
		{auth.Event{Type: auth.EventFactorFailed, Action: "login", Kind: auth.KindSMS, Op: "finish", Code: "verification_failed", Duration: time.Millisecond},
			[]string{"event factor_failed", "factor sms finish verification_failed", "refusal login verification_failed", "duration sms finish 0.001"}},
		{auth.Event{Type: auth.EventFactorFailed, Action: "login", Kind: "mine", Op: "finish", Code: "host_specific"},
			[]string{"event factor_failed", "factor other finish other", "refusal login other"}},
		{auth.Event{Type: auth.EventFactorFailed, Action: "login", Kind: auth.KindECP, Op: "finish", Code: "unavailable"},
			[]string{"event factor_failed", "factor ecp finish unavailable", "refusal login unavailable", "store ecp finish"}},
		{auth.Event{Type: auth.EventFactorFinished, Action: "login", Kind: auth.KindECP, Op: "finish", Duration: time.Second},
			[]string{"event factor_finished", "factor ecp finish ok", "duration ecp finish 1"}},
		{auth.Event{Type: auth.EventFactorBegun, Action: "login", Kind: auth.KindWebAuthn, Op: "begin"},
			[]string{"event factor_begun", "factor webauthn begin ok", "duration webauthn begin 0"}},
		{auth.Event{Type: auth.EventDecision, Action: "login", Allowed: true}, []string{"event decision", "decision login true"}},
		{auth.Event{Type: auth.EventFlowCompleted, Action: "login"}, []string{"event flow_completed", "completed login"}},
		{auth.Event{Type: auth.EventFlowCancelled, Action: "sign"}, []string{"event flow_cancelled", "cancelled other"}},
		{auth.Event{Type: auth.EventFraudReported, Kind: auth.KindQR}, []string{"event fraud_reported", "fraud qr"}},
		{auth.Event{Type: EventRevocation, Code: "revoked", Attrs: map[string]string{"source": "ocsp", "status": "revoked", "serial": "0A"}},
			[]string{"event revocation_checked", "revocation ocsp revoked revoked"}},
		{auth.Event{Type: EventRevocation, Attrs: map[string]string{"source": "ldap", "status": "weird"}},
			[]string{"event revocation_checked", "revocation other other ok"}},
		{auth.Event{Type: "passkey_registration_refused", Kind: auth.KindWebAuthn, Code: "unavailable"},
			[]string{"event passkey_registration_refused", "store webauthn "}},
		{auth.Event{Type: "made_up"}, []string{"event other"}},
	} {
		var r rec
		l.Dispatch(context.Background(), &c.e, &r)
		assert.Equal(t, c.want, r.got, "%+v", c.e)
	}
}

func TestLabels(t *testing.T) {
	l, err := NewLabels("test", []string{"login", "sign"}, []auth.Kind{auth.KindECP, "bank"}, nil)
	require.NoError(t, err)
	assert.Equal(t, "sign", l.Action("sign"))
	assert.Equal(t, Other, l.Action(""))
	assert.Equal(t, "bank", l.Kind("bank"))
	assert.Equal(t, Other, l.Kind(auth.KindSMS), "only the configured kinds")
	assert.Equal(t, "", l.Kind(""))
	assert.Equal(t, OK, l.Outcome(""))
	assert.Equal(t, "locked", l.Outcome("locked"))
	assert.Equal(t, Other, l.Outcome("Locked"))
	assert.Equal(t, Other, l.Op("delete"))
	op, kind, out := l.HTTP("status", "", "ok")
	assert.Equal(t, []string{"status", "", "ok"}, []string{op, kind, out})
	op, kind, out = l.HTTP("../x", "ecp\n", "x")
	assert.Equal(t, []string{Other, Other, Other}, []string{op, kind, out})

	for _, bad := range [][]string{{""}, {"other"}, {"a b"}, {`q"`}, {strings.Repeat("a", 65)}} {
		_, err := NewLabels("test", bad, nil, nil)
		assert.ErrorIs(t, err, auth.ErrConfig, bad)
	}
	_, err = NewLabels("test", nil, []auth.Kind{"x\\"}, nil)
	assert.ErrorIs(t, err, auth.ErrConfig)
}

func TestCheckBuckets(t *testing.T) {
	b, err := CheckBuckets("test", nil)
	require.NoError(t, err)
	assert.Equal(t, DefaultBuckets(), b)
	for _, bad := range [][]float64{{}, {0}, {1, 1}, {2, 1}, {-1}} {
		_, err := CheckBuckets("test", bad)
		assert.ErrorIs(t, err, auth.ErrConfig, bad)
	}
}

// TestMemo: each combination is made once, even under concurrent first
// use (run with -race).
func TestMemo(t *testing.T) {
	var made atomic.Int64
	m := NewMemo(func(v [3]string) string {
		made.Add(1)
		return v[0] + "/" + v[1] + "/" + v[2]
	})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for j := range 100 {
				assert.Equal(t, fmt.Sprint("a/", j%4, "/"), m.Get("a", fmt.Sprint(j%4), ""))
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int64(4), made.Load())
}
