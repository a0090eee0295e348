//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"siphon/ingest/budget"
)

// dailyQuotaAPI serves a two-page cursor walk; while spent, it says its
// quota is gone for a day (X-RateLimit-Remaining 0, X-RateLimit-Reset
// 86000 delta seconds).
type dailyQuotaAPI struct {
	spent    atomic.Bool
	requests atomic.Int64
}

func (q *dailyQuotaAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q.requests.Add(1)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-RateLimit-Limit", "5000")
	if q.spent.Load() {
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", "86000")
	} else {
		w.Header().Set("X-RateLimit-Remaining", "4000")
		w.Header().Set("X-RateLimit-Reset", "30")
	}
	if r.URL.Query().Get("cursor") == "" {
		fmt.Fprint(w, `{"data":[{"id":1},{"id":2}],"next":"c2"}`)
		return
	}
	fmt.Fprint(w, `{"data":[{"id":3}],"next":null}`)
}

func quotaProfile(base string) string {
	return fmt.Sprintf(`name: quota
base_url: %s
path: /items
records: .data
primary_key: id
pagination:
  type: cursor
  cursor_path: .next
`, base)
}

// TestBudgetHoldShownAndCleared: a server's day-long X-RateLimit-Reset
// stops 'siphon run' with a message naming the origin, the state file and
// the command; 'siphon budget show' shows the hold; 'siphon budget clear'
// removes it; then 'siphon run' goes on. Each a process of its own.
func TestBudgetHoldShownAndCleared(t *testing.T) {
	api := &dailyQuotaAPI{}
	api.spent.Store(true)
	srv := httptest.NewServer(api)
	defer srv.Close()
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	writeProfile(t, dir, "quota", quotaProfile(srv.URL))
	origin := budget.Origin(srv.URL)
	file := budget.FilePath(budget.DefaultDir(), origin)

	code, _, stderr := siphon(t, dir, "run", "quota")
	if code != exitFailed {
		t.Fatalf("siphon run: exit %d, want 1\n%s", code, stderr)
	}
	for _, part := range []string{origin, file, "siphon budget clear " + origin} {
		if !strings.Contains(stderr, part) {
			t.Errorf("siphon run's message does not name %q:\n%s", part, stderr)
		}
	}

	code, stdout, stderr := siphon(t, dir, "budget", "show")
	if code != exitOK || !strings.Contains(stdout, origin) || !strings.Contains(stdout, file) ||
		!strings.Contains(stdout, "hold       until") || !strings.Contains(stdout, "0 of 5000 left") {
		t.Fatalf("siphon budget show: exit %d\n%s%s", code, stdout, stderr)
	}

	// Any URL on the origin names it.
	code, stdout, stderr = siphon(t, dir, "budget", "clear", srv.URL+"/items?x=1")
	if code != exitOK || !strings.Contains(stdout, "Cleared the hold on "+origin) || !strings.Contains(stdout, file) {
		t.Fatalf("siphon budget clear: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = siphon(t, dir, "budget", "show", origin)
	if code != exitOK || !strings.Contains(stdout, "hold       none") {
		t.Fatalf("after clear, siphon budget show: exit %d\n%s", code, stdout)
	}

	api.spent.Store(false)
	before := api.requests.Load()
	if code, _, stderr := siphon(t, dir, "run", "quota"); code != exitOK {
		t.Fatalf("siphon run after clear: exit %d\n%s", code, stderr)
	}
	if api.requests.Load() == before {
		t.Error("no request after clear")
	}
}

// TestBudgetCommandUsage: exit codes and -h of 'siphon budget'.
func TestBudgetCommandUsage(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"budget"}, exitUsage, "budget needs show"},
		{[]string{"budget", "frob"}, exitUsage, "unknown budget command"},
		{[]string{"budget", "clear"}, exitUsage, "one ORIGIN"},
		{[]string{"budget", "show", "a", "b"}, exitUsage, "at most one ORIGIN"},
		{[]string{"budget", "clear", "api.example.com"}, exitUsage, "not an origin"},
		{[]string{"budget", "show", "--nope"}, exitUsage, "nope"},
		{[]string{"budget", "-h"}, exitOK, "siphon budget clear ORIGIN"},
		{[]string{"budget", "show", "-h"}, exitOK, "siphon budget show [ORIGIN]"},
		{[]string{"budget", "clear", "-h"}, exitOK, "siphon budget clear ORIGIN"},
		{[]string{"budget", "show"}, exitOK, "No shared rate budgets"},
		{[]string{"budget", "clear", "https://api.example.com"}, exitOK, "Nothing to clear"},
		{[]string{"help"}, exitOK, "siphon budget show"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tc.args, &out, &errb)
			if code != tc.code || !strings.Contains(out.String()+errb.String(), tc.want) {
				t.Errorf("exit %d (want %d), want %q in:\n%s%s", code, tc.code, tc.want, out.String(), errb.String())
			}
		})
	}
}

// TestBudgetShowRefusesAndSanitises: 'siphon budget show' reports a
// planted symlink by its file name (exit 1) without following it, and an
// origin or reason written into a state file reaches the terminal with
// its controls shown, not acted on.
func TestBudgetShowRefusesAndSanitises(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir := budget.DefaultDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	evil := "https://x\x1b]52;c;cGF3bmVk\x07y:443"
	quoted, _ := json.Marshal(evil)
	content := fmt.Sprintf(`{"origin":%s,"hold":{"until":"2999-01-01T00:00:00Z","why":"\u001b[2J"},"known":true,"limit":5,"available":1,"reset":"2000-01-01T00:00:00Z"}`, quoted)
	if err := os.WriteFile(budget.FilePath(dir, evil), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := budget.FilePath(dir, "https://api.example.com:443")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run([]string{"budget", "show"}, &out, &errb)
	text := out.String() + errb.String()
	if code != exitFailed || !strings.Contains(text, link) || !strings.Contains(text, "symbolic link") {
		t.Errorf("exit %d, want 1 and the link named:\n%s", code, text)
	}
	if strings.ContainsAny(text, "\x1b\x07") {
		t.Errorf("a control reached the output: %q", text)
	}
	if !strings.Contains(text, "ignored a hold") {
		t.Errorf("the year-2999 hold is not said to be ignored:\n%s", text)
	}
}
