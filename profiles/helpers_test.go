package profiles

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// env is a LookupEnv over a fixed map.
func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

// testEnv holds every variable the testdata profiles use. Each value is
// distinctive, so a test can search output for it.
var testEnv = map[string]string{
	"ORDERS_PARAM_KEY":       "value-of-param-key",
	"ORDERS_HEADER_TOKEN":    "value-of-header-token",
	"ORDERS_TOKEN":           "value-of-orders-token",
	"ITEMS_KEY":              "value-of-items-key",
	"INVOICES_CLIENT_SECRET": "value-of-client-secret",
	"REPOS_KEY":              "value-of-repos-key",
}

// secretValues are the secret values the testdata profiles resolve to,
// from testEnv and from testdata/files.
var secretValues = []string{
	"value-of-param-key", "value-of-header-token", "value-of-orders-token", "value-of-items-key",
	"value-of-client-secret", "value-of-repos-key", "orders-token-from-file", "refresh-from-file",
}

// problemsOf lists the *Error values in a load error as "line:col: field: msg".
func problemsOf(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var out []string
	for _, e := range errs {
		var pe *Error
		if !errors.As(e, &pe) {
			t.Fatalf("error %v (%T) is not an *Error", e, e)
		}
		s := fmt.Sprintf("%d:%d: ", pe.Line, pe.Column)
		if pe.Field != "" {
			s += pe.Field + ": "
		}
		out = append(out, s+pe.Msg)
	}
	return out
}

// writeFile writes a file under dir and returns its path.
func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
