package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"siphon/ingest/termsafe"
)

// The payloads a hostile API or profile author sends to drive a terminal.
const (
	oscClipboard = "\x1b]52;c;cm0gLXJmIH4gIyBwd25lZA==\x07" // "rm -rf ~ # pwned" into the clipboard
	oscTitle     = "\x1b]0;owned\x1b\\"
	oscLink      = "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\"
	csiClear     = "\x1b[2J\x1b[H"
	c1CSI        = "\u009b2J"
	bidi         = "\u202etxt.exe"
)

var hostileText = oscClipboard + oscTitle + oscLink + csiClear + c1CSI + bidi + "\x07"

// hostileAPI serves records, a cursor and headers laden with escapes, and a
// 500 whose body is one, on the second page.
func hostileAPI(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Go's HTTP client refuses C0 controls in a header; C1, bidi and
		// bytes that are no UTF-8 get through.
		w.Header().Set("X-Evil", c1CSI+bidi+"\x9b[2J")
		w.Header().Set("X-RateLimit-Remaining", "5"+c1CSI)
		if r.URL.Query().Get("cursor") != "" {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, "upstream failed "+hostileText)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		body := map[string]any{
			"data": []map[string]any{
				{"id": 1, "name": hostileText, hostileText: "key"},
				{"id": 2, "name": "plain"},
			},
			"next": "c" + hostileText,
		}
		json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// assertNoControls fails when out holds anything a terminal would act on:
// ESC, BEL, a C1 control (as UTF-8 or as a raw byte), a bidi control.
func assertNoControls(t *testing.T, what, out string) {
	t.Helper()
	for i := 0; i < len(out); {
		r, n := utf8.DecodeRuneInString(out[i:])
		if r == utf8.RuneError && n <= 1 {
			t.Fatalf("%s: raw byte %#x at %d: %q", what, out[i], i, around(out, i))
		}
		if termsafe.Unsafe(r) && r != '\n' && r != '\t' {
			t.Fatalf("%s: control %U at %d: %q", what, r, i, around(out, i))
		}
		i += n
	}
}

// yamlEscaped writes s for a YAML double-quoted scalar, controls as \uXXXX
// (YAML refuses them raw).
func yamlEscaped(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\' || r == '"':
			b.WriteByte('\\')
			b.WriteRune(r)
		case termsafe.Unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func around(s string, i int) string {
	return s[max(0, i-40):min(len(s), i+40)]
}

// TestHeadlessOutputNeverDrivesTheTerminal: run, its JSON log, probe and the
// profile list show what a hostile API and profile send with every control
// visible, byte by byte, and the run still fails with a readable cause.
func TestHeadlessOutputNeverDrivesTheTerminal(t *testing.T) {
	srv := hostileAPI(t)
	dir := t.TempDir()
	writeProfile(t, dir, "hostile", fmt.Sprintf(`name: hostile
description: "%s"
base_url: %s
records: .data
primary_key: id
pagination: {type: cursor, cursor_param: cursor, cursor_path: .next}
retry: {max_attempts: 1}
`, yamlEscaped(hostileText), srv.URL))

	for _, c := range []struct {
		name    string
		args    []string
		visible string // how the escapes show
	}{
		{"run", []string{"run", "hostile"}, `\u001b`},
		{"run --log json", []string{"run", "hostile", "--fresh", "--log", "json"}, `\u001b`},
		{"probe", []string{"probe", "hostile"}, `\u001b`},
		{"probe URL", []string{"probe", srv.URL}, `\u001b`},
		{"profiles list", []string{"profiles", "list"}, `\u001b`},
		{"profiles show", []string{"profiles", "show", "hostile"}, `\e]52`}, // YAML's own escapes
		{"profiles check", []string{"profiles", "check", filepath.Join(dir, "profiles", "hostile.yaml")}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := siphon(t, dir, c.args...)
			assertNoControls(t, "stdout", stdout)
			assertNoControls(t, "stderr", stderr)
			all := stdout + stderr
			if strings.HasPrefix(c.name, "run") && (code != 1 || !strings.Contains(all, "500")) {
				t.Errorf("exit %d, want 1 with the HTTP 500 named:\n%s", code, all)
			}
			if !strings.Contains(all, c.visible) {
				t.Errorf("the escapes were not shown visibly:\n%s", all)
			}
			if c.name == "run --log json" {
				for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
					if strings.HasPrefix(line, "{") && !json.Valid([]byte(line)) {
						t.Errorf("a JSON log line is no longer JSON: %s", line)
					}
				}
			}
		})
	}
	// The records file keeps the bytes as sent: records are data.
	data, err := os.ReadFile(filepath.Join(dir, "siphon-data", "hostile", "records.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(strings.SplitN(string(data), "\n", 2)[0]), &rec); err != nil || rec["name"] != hostileText {
		t.Errorf("the record was changed on disk: %v %q", err, rec["name"])
	}
}

// TestStrangersProfileHeadless: a run refuses a profile that reads outside
// its folder, names what and the command that approves; approved, it runs
// and its first line says what it sends where; changed, it asks again.
func TestStrangersProfileHeadless(t *testing.T) {
	srv := hostileAPI(t)
	dir := t.TempDir()
	cfgHome := filepath.Join(dir, "config")
	secret := filepath.Join(dir, "elsewhere", "token")
	os.MkdirAll(filepath.Dir(secret), 0o700)
	os.WriteFile(secret, []byte("tok-outside-123\n"), 0o600)
	path := writeProfile(t, dir, "stranger", fmt.Sprintf(`name: stranger
base_url: %s
records: .data
auth: {type: bearer, token: "file:%s"}
`, srv.URL, secret))
	env := func(args ...string) (int, string, string) {
		t.Helper()
		cmd := siphonCmd(t, dir, args...)
		cmd.Env = append(cmd.Env, "XDG_CONFIG_HOME="+cfgHome)
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if err != nil {
			code = cmd.ProcessState.ExitCode()
		}
		return code, out.String(), errb.String()
	}
	code, _, stderr := env("run", "stranger")
	if code != 2 || !strings.Contains(stderr, "reads "+secret+" (auth.token), outside its folder") || !strings.Contains(stderr, "siphon profiles trust "+path) {
		t.Fatalf("unapproved run: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "siphon-data", "stranger")); err == nil {
		t.Error("a refused run created its output folder")
	}
	code, stdout, _ := env("profiles", "check", path)
	if code != 0 || !strings.Contains(stdout, "needs your approval") || !strings.Contains(stdout, "reads "+secret+" (auth.token)  [needs approval]") ||
		!strings.Contains(stdout, "sends file:"+secret+" (auth.token) to "+srv.URL) {
		t.Fatalf("check: exit %d\n%s", code, stdout)
	}
	if code, stdout, stderr := env("profiles", "trust", path); code != 0 || !strings.Contains(stdout, "approved") {
		t.Fatalf("trust: exit %d %s %s", code, stdout, stderr)
	}
	code, _, stderr = env("run", "stranger", "--max-pages", "1")
	first := strings.SplitN(stderr, "\n", 2)[0]
	if code != 0 || first != "siphon: stranger sends file:"+secret+" to "+srv.URL {
		t.Fatalf("approved run: exit %d, first line %q\n%s", code, first, stderr)
	}
	if strings.Contains(stderr, "tok-outside-123") {
		t.Error("the secret reached stderr")
	}
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("description: changed\n")
	f.Close()
	if code, _, stderr := env("run", "stranger"); code != 2 || !strings.Contains(stderr, "needs your approval") {
		t.Fatalf("changed profile ran without asking: exit %d %s", code, stderr)
	}
}
