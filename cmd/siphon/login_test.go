package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"siphon/ingest/demoapi"
)

// TestSessionLoginRun: siphon run on a login profile whose password comes
// from a named environment (--env prod), against the demo's session API
// whose tokens die after three requests: every page arrives, each login is
// a counted event on stderr, and neither the password nor any session token
// is in the output folder (records, checkpoint, pages/index.jsonl,
// history.jsonl) or on stderr.
func TestSessionLoginRun(t *testing.T) {
	const password = "pw-e2e-never-written-8812"
	srv := demoapi.NewServer(demoapi.Options{Records: 600, Session: &demoapi.Session{Username: "demo", Password: password, Uses: 3}})
	defer srv.Close()
	dir := t.TempDir()
	writeProfile(t, dir, "shop", `name: shop
base_url: `+srv.URL+`
path: /v1/cursor
records: .data
primary_key: id
auth:
  type: login
  login:
    path: `+demoapi.LoginPath+`
    headers: {Content-Type: application/x-www-form-urlencoded}
    body: {username: demo, password: "${SHOP_PASSWORD}"}
  token_path: .token
pagination: {type: cursor, limit: 50, cursor_path: .pagination.next_cursor}
retry: {max_attempts: 5, initial_backoff: 1ms, max_backoff: 5ms}
`)
	if err := os.MkdirAll(filepath.Join(dir, "profiles", "env"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "profiles", "env", "prod.env"), []byte("SHOP_PASSWORD='"+password+"'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := siphon(t, dir, "run", "shop", "--env", "prod", "--log", "json")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	out := filepath.Join(dir, "siphon-data", "shop")
	checkExactlyOnce(t, ids(t, filepath.Join(out, "records.jsonl")), 600)
	logins := 0
	for _, line := range strings.Split(stderr, "\n") {
		var ev struct {
			Kind  string `json:"type"`
			Count int    `json:"count"`
		}
		if json.Unmarshal([]byte(line), &ev) == nil && ev.Kind == "login" {
			if logins++; ev.Count != logins {
				t.Errorf("login event %d counts %d", logins, ev.Count)
			}
		}
	}
	// 12 pages at 3 requests a token: the first login and 3 after a 401.
	if logins != 4 || srv.Logins() != 4 {
		t.Errorf("%d login events, %d logins at the API; want 4", logins, srv.Logins())
	}
	if strings.Contains(stderr, password) || strings.Contains(stderr, "sess-") {
		t.Error("stderr holds the password or a session token")
	}
	files := 0
	filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), password) || strings.Contains(string(b), "sess-") {
			t.Errorf("%s holds the password or a session token", path)
		}
		return nil
	})
	for _, name := range []string{"checkpoint.json", "history.jsonl", filepath.Join("pages", "index.jsonl")} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("%s: %v (the check above would not have looked in it)", name, err)
		}
	}
}
