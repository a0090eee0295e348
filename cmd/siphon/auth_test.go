package main

import (
	"bytes"
	"context"
	"io"
	"slices"

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
	"siphon/ingest/page"
)

// TestAuthLoginEndToEnd runs the authorization-code flow against the demo
// API: the "browser" is an HTTP client that follows the authorization URL to
// the loopback callback. Then a run uses the stored refresh token.
func TestAuthLoginEndToEnd(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 150, OAuth: &demoapi.OAuth{ClientID: "siphon-cli", ClientSecret: "login-secret-981"}})
	defer srv.Close()
	dir := t.TempDir()
	store := filepath.Join(dir, "profiles", "rt") // its own folder: no approval needed
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

	// The "browser" first delivers forged answers to the loopback callback
	// (wrong state with a code, no state, wrong state with an error), each
	// of which must be answered 400 and ignored, then follows the real
	// authorization URL, whose redirect brings the right state.
	var forgedSeen []string
	forge := func(u string, real bool) func(string) error {
		return func(authURL string) error {
			parsed, err := url.Parse(authURL)
			if err != nil {
				return err
			}
			callback := parsed.Query().Get("redirect_uri")
			for _, q := range []string{"state=forged-state&code=attacker-code", "code=attacker-code", "state=forged&error=access_denied"} {
				resp, err := http.Get(callback + "?" + q)
				if err != nil {
					return err
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				forgedSeen = append(forgedSeen, fmt.Sprintf("%d %s", resp.StatusCode, body))
			}
			if !real {
				return nil
			}
			resp, err := http.Get(authURL) // follows the redirect to the loopback callback
			if err != nil {
				return err
			}
			resp.Body.Close()
			return nil
		}
	}
	defer func(old func(string) error) { openBrowser = old }(openBrowser)

	// Forged answers only: nothing is stored, the sign-in waits until it
	// is canceled (here, once the forgeries were answered).
	cfgProfile, err := profiles.Loader{CheckExpr: page.Check}.LoadFile(filepath.Join(dir, "profiles", "signed.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	openBrowser = func(u string) error {
		defer cancel()
		return forge(u, false)(u)
	}
	var out bytes.Buffer
	if err := login(ctx, cfgProfile.Config, &out, "siphon run x"); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("forged answers only: %v", err)
	}
	if _, err := os.Stat(store); err == nil {
		t.Fatal("a refresh token was stored after forged answers")
	}
	if len(forgedSeen) != 3 {
		t.Fatalf("forged answers: %q", forgedSeen)
	}
	for _, f := range forgedSeen {
		if !strings.HasPrefix(f, "400 ") || !strings.Contains(f, "state did not match") || !strings.Contains(f, "ignored") {
			t.Errorf("a forged answer got %q", f)
		}
	}

	// Forged answers first, then the real one: the sign-in succeeds.
	forgedSeen = nil
	openBrowser = func(u string) error { return forge(u, true)(u) }
	out.Reset()
	var errb bytes.Buffer
	if code := run([]string{"auth", "login", "signed"}, &out, &errb); code != 0 {
		t.Fatalf("login: exit %d: %s %s", code, out.String(), errb.String())
	}
	if len(forgedSeen) != 3 || !strings.HasPrefix(forgedSeen[0], "400 ") {
		t.Errorf("forged answers %q", forgedSeen)
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
  refresh_token: file:`+filepath.Join(dir, "profiles", "not-yet")+`
`)
	p, err := profiles.Loader{CheckExpr: page.Check}.LoadFile(path)
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
