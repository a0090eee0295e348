package main

import (
	"slices"

	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"siphon/ingest"
	"siphon/profiles"
	"siphon/tui"
	"strings"
	"testing"

	"siphon/ingest/demoapi"
)

// TestAuthLoginEndToEnd runs the authorization-code flow against the demo
// API: the "browser" is an HTTP client that follows the authorization URL to
// the loopback callback. Then a run uses the stored refresh token.
func TestAuthLoginEndToEnd(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 150, OAuth: &demoapi.OAuth{ClientID: "siphon-cli", ClientSecret: "login-secret-981"}})
	defer srv.Close()
	dir := t.TempDir()
	store := filepath.Join(dir, "secrets", "rt")
	writeProfile(t, dir, "signed", fmt.Sprintf(`name: signed
base_url: %s
path: /v1/cursor
records: .data
pagination: {type: cursor, limit: 50, cursor_path: .pagination.next_cursor}
auth:
  type: oauth2
  grant: authorization_code
  client_id: siphon-cli
  client_secret: ${LOGIN_SECRET}
  authorize_url: %s%s
  token_url: %s%s
  refresh_token: file:%s
`, srv.URL, srv.URL, demoapi.AuthorizePath, srv.URL, demoapi.TokenPath, store))
	t.Setenv("SIPHON_PROFILES", filepath.Join(dir, "profiles"))
	t.Setenv("LOGIN_SECRET", "login-secret-981")

	browse := func(tamper bool) func(string) error {
		return func(u string) error {
			if tamper {
				parsed, _ := url.Parse(u)
				q := parsed.Query()
				q.Set("state", "forged-state")
				parsed.RawQuery = q.Encode()
				u = parsed.String()
			}
			resp, err := http.Get(u) // follows the redirect to the loopback callback
			if err != nil {
				return err
			}
			resp.Body.Close()
			return nil
		}
	}
	defer func(old func(string) error) { openBrowser = old }(openBrowser)

	// A forged state is refused and stores nothing.
	openBrowser = browse(true)
	var out, errb bytes.Buffer
	if code := run([]string{"auth", "login", "signed"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "wrong state") {
		t.Fatalf("forged state: exit %d: %s", code, errb.String())
	}
	if _, err := os.Stat(store); err == nil {
		t.Fatal("a refresh token was stored after a forged state")
	}

	openBrowser = browse(false)
	out.Reset()
	errb.Reset()
	if code := run([]string{"auth", "login", "signed"}, &out, &errb); code != 0 {
		t.Fatalf("login: exit %d: %s %s", code, out.String(), errb.String())
	}
	st, err := os.Stat(store)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("stored token: %v %v", st, err)
	}
	if !strings.Contains(out.String(), "code_challenge_method=S256") || strings.Contains(out.String()+errb.String(), "login-secret-981") {
		t.Errorf("login output: %s", out.String())
	}

	code, _, stderr := siphon(t, dir, "run", "signed")
	if code != 0 {
		t.Fatalf("run after login: exit %d: %s", code, stderr)
	}
	checkExactlyOnce(t, ids(t, filepath.Join(dir, "siphon-data", "signed", "records.jsonl")), 150)
}

// TestConsoleOffersSignIn: a sign-in profile without a stored token is one
// the console offers to sign in to, not a broken one.
func TestConsoleOffersSignIn(t *testing.T) {
	dir := t.TempDir()
	path := writeProfile(t, dir, "later", `name: later
base_url: https://api.example.com
records: .data
auth:
  type: oauth2
  grant: authorization_code
  client_id: cli
  authorize_url: https://auth.example.com/authorize
  token_url: https://auth.example.com/token
  refresh_token: file:`+filepath.Join(dir, "not-yet")+`
`)
	p, err := profiles.Loader{}.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ingest.New(p.Config)
	if !needsLogin(p.Config, err) || !strings.Contains(err.Error(), "siphon auth login later") {
		t.Fatalf("needsLogin false for %v", err)
	}
	if cmd := loginCommand(tui.Profile{Path: path}); !slices.Equal(cmd.Args[1:], []string{"auth", "login", path}) {
		t.Errorf("login command %v", cmd.Args)
	}
}
