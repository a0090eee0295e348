//go:build unix

package ingest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"siphon/ingest"
	"siphon/ingest/budget"
	"siphon/ingest/spec"
)

// quotaAPI serves two pages of a cursor walk ({"data":[...],"next":...})
// and, while spent is set, says its quota is gone for a day the way many
// APIs do: X-RateLimit-Remaining 0 and X-RateLimit-Reset 86000 (delta
// seconds).
type quotaAPI struct {
	spent    atomic.Bool
	requests atomic.Int64
}

func (q *quotaAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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

func quotaConfig(base string) spec.Config {
	return spec.Config{Name: "quota", BaseURL: base, Path: "/items", Records: ".data", PrimaryKey: []string{"id"},
		Pagination: spec.PaginationConfig{Type: "cursor", CursorPath: ".next"},
		Retry:      spec.RetryConfig{InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}}
}

// warnings are the run's Warning events' texts.
func warnings(evs []ingest.Event) []string {
	var out []string
	for _, ev := range evs {
		if w, ok := ev.(ingest.Warning); ok {
			out = append(out, w.What)
		}
	}
	return out
}

func anyContains(list []string, parts ...string) bool {
	for _, s := range list {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(s, p)
		}
		if all {
			return true
		}
	}
	return false
}

// TestStateFileRefused: whatever is planted at an origin's state file
// path that is not a regular file of this user's with one name is
// refused: the run fails with an error that names the file, says what is
// wrong and says to remove it, and what the plant points at is untouched.
// A FIFO is refused at once (the open does not block).
func TestStateFileRefused(t *testing.T) {
	cases := []struct {
		name  string
		plant func(t *testing.T, path, victim string)
		want  string
	}{
		{"symlink to a file", func(t *testing.T, path, victim string) { must(t, os.Symlink(victim, path)) }, "symbolic link"},
		{"dangling symlink", func(t *testing.T, path, victim string) {
			must(t, os.Remove(victim))
			must(t, os.Symlink(victim, path))
		}, "symbolic link"},
		{"fifo", func(t *testing.T, path, _ string) { must(t, syscall.Mkfifo(path, 0o600)) }, "FIFO"},
		{"folder", func(t *testing.T, path, _ string) { must(t, os.Mkdir(path, 0o700)) }, "folder"},
		{"hard link", func(t *testing.T, path, victim string) { must(t, os.Link(victim, path)) }, "hard links"},
		{"another user's file", func(t *testing.T, path, _ string) {
			if os.Geteuid() != 0 {
				t.Skip("needs root to give a file away")
			}
			must(t, os.WriteFile(path, nil, 0o600))
			must(t, os.Chown(path, 65534, 65534))
		}, "belongs to user id 65534"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := &quotaAPI{}
			srv := httptest.NewServer(api)
			defer srv.Close()
			dir := t.TempDir()
			budgetDir := filepath.Join(dir, "budget")
			must(t, os.Mkdir(budgetDir, 0o700))
			victim := filepath.Join(dir, "victim")
			must(t, os.WriteFile(victim, []byte("precious\n"), 0o600))
			path := budget.FilePath(budgetDir, budget.Origin(srv.URL))
			tc.plant(t, path, victim)

			_, err := run(t, quotaConfig(srv.URL), ingest.Job{Out: t.TempDir()}, ingest.WithBudgets(budget.NewRegistry(budgetDir)))
			t.Log(err)
			var sfe *budget.StateFileError
			if !errors.As(err, &sfe) {
				t.Fatalf("run: %v, want a StateFileError", err)
			}
			if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, tc.want) || !strings.Contains(msg, "remove it") {
				t.Errorf("error does not name the file, the problem (%q) and the fix: %v", tc.want, err)
			}
			if api.requests.Load() != 0 {
				t.Errorf("%d requests sent past a refused state file", api.requests.Load())
			}
			if data, err := os.ReadFile(victim); err == nil && string(data) != "precious\n" {
				t.Errorf("victim changed: %q", data)
			} else if errors.Is(err, fs.ErrNotExist) && tc.name != "dangling symlink" {
				t.Error("victim removed")
			}
			if _, err := os.Stat(victim); tc.name == "dangling symlink" && err == nil {
				t.Error("the dangling symlink's target was created")
			}
			// siphon budget show reports it the same way.
			states, err := budget.ReadFiles(budgetDir, "")
			if err != nil || len(states) != 1 || states[0].Err == nil || !strings.Contains(states[0].Err.Error(), path) {
				t.Errorf("ReadBudgetStates: %+v, %v", states, err)
			}
		})
	}
}

// TestStateFileLooseModeTightened: a state file others could read or
// write (0666) and a folder others could write to (0777) are set to 0600
// and 0700, and the run's warnings name them.
func TestStateFileLooseModeTightened(t *testing.T) {
	api := &quotaAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	budgetDir := filepath.Join(t.TempDir(), "budget")
	must(t, os.Mkdir(budgetDir, 0o700))
	must(t, os.Chmod(budgetDir, 0o777))
	path := budget.FilePath(budgetDir, budget.Origin(srv.URL))
	must(t, os.WriteFile(path, nil, 0o600))
	must(t, os.Chmod(path, 0o666))

	evs, err := run(t, quotaConfig(srv.URL), ingest.Job{Out: t.TempDir()}, ingest.WithBudgets(budget.NewRegistry(budgetDir)))
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]fs.FileMode{path: 0o600, budgetDir: 0o700} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %04o, want %04o", p, fi.Mode().Perm(), want)
		}
	}
	w := warnings(evs)
	if !anyContains(w, path, "0666", "0600") || !anyContains(w, budgetDir, "0777", "0700") {
		t.Errorf("warnings do not say what was tightened: %q", w)
	}
}

// TestStateFileGarbageRecovered: a state file that is not budget state
// (not JSON, the wrong shape, another origin's) is taken as empty and
// rewritten; the run goes on and its warning names the file.
func TestStateFileGarbageRecovered(t *testing.T) {
	for _, tc := range []struct{ name, content string }{
		{"not JSON", "\x00\x1b[2Jnot json at all"},
		{"an array", `[1,2,3]`},
		{"wrong types", `{"origin": 5, "limit": "many"}`},
		{"no origin", `{}`},
		{"another origin", `{"origin":"https://elsewhere.example:443","known":true,"limit":10,"available":0,"reset":"2099-01-01T00:00:00Z"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &quotaAPI{}
			srv := httptest.NewServer(api)
			defer srv.Close()
			budgetDir := t.TempDir()
			origin := budget.Origin(srv.URL)
			path := budget.FilePath(budgetDir, origin)
			must(t, os.WriteFile(path, []byte(tc.content), 0o600))

			evs, err := run(t, quotaConfig(srv.URL), ingest.Job{Out: t.TempDir()}, ingest.WithBudgets(budget.NewRegistry(budgetDir)))
			if err != nil {
				t.Fatal(err)
			}
			if w := warnings(evs); !anyContains(w, path, "rewrites") {
				t.Errorf("no warning names the file: %q", w)
			}
			var st struct {
				Origin string `json:"origin"`
			}
			data, err := os.ReadFile(path)
			if err != nil || json.Unmarshal(data, &st) != nil || st.Origin != origin {
				t.Errorf("not rewritten as %s's state: %q (%v)", origin, data, err)
			}
		})
	}
}

// TestStateFileFarFutureIgnored: a state file that says the window is
// spent until 2099, the next request is due in 2099 and a hold lasts
// until 2099 does not hold a run: those are dropped, with a warning
// naming the file.
func TestStateFileFarFutureIgnored(t *testing.T) {
	api := &quotaAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	budgetDir := t.TempDir()
	origin := budget.Origin(srv.URL)
	path := budget.FilePath(budgetDir, origin)
	far := "2099-01-01T00:00:00Z"
	content := fmt.Sprintf(`{"origin":%q,"known":true,"limit":10,"available":0,"reset":%q,"over":%q,"next":%q,"hold":{"until":%q,"why":"planted"}}`, origin, far, far, far, far)
	must(t, os.WriteFile(path, []byte(content), 0o600))

	evs, err := run(t, quotaConfig(srv.URL), ingest.Job{Out: t.TempDir()}, ingest.WithBudgets(budget.NewRegistry(budgetDir)))
	if err != nil {
		t.Fatalf("a 2099 reset in the state file held the run: %v", err)
	}
	if api.requests.Load() != 2 {
		t.Errorf("%d requests, want 2", api.requests.Load())
	}
	w := warnings(evs)
	for _, what := range []string{"window reset", "next request", "hold", "past window"} {
		if !anyContains(w, path, what, "ignored") {
			t.Errorf("no warning says the %s was ignored, naming the file: %q", what, w)
		}
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), "2099") {
		t.Errorf("the state file still holds 2099: %s", data)
	}
}

// TestServerDayLongResetIsAHold: a server that answers X-RateLimit-Reset
// 86000 with nothing left is not waited out silently. The run that hears
// it warns and stops with a message naming the origin, the state file and
// 'siphon budget clear'; the hold is in the file, shown by
// ReadBudgetStates; the next run (another registry: another process)
// stops at once without a request; after ClearBudget a run goes on.
func TestServerDayLongResetIsAHold(t *testing.T) {
	api := &quotaAPI{}
	api.spent.Store(true)
	srv := httptest.NewServer(api)
	defer srv.Close()
	budgetDir := t.TempDir()
	origin := budget.Origin(srv.URL)
	path := budget.FilePath(budgetDir, origin)
	cfg := quotaConfig(srv.URL)

	evs, err := run(t, cfg, ingest.Job{Out: t.TempDir()}, ingest.WithBudgets(budget.NewRegistry(budgetDir)))
	if err == nil {
		t.Fatal("the run went on past a day-long reset")
	}
	t.Log(err)
	for _, part := range []string{origin, path, "siphon budget clear " + origin, "retry.max_retry_after"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("the error does not name %q: %v", part, err)
		}
	}
	if w := warnings(evs); !anyContains(w, origin, path, "siphon budget clear "+origin) {
		t.Errorf("no warning about the hold: %q", w)
	}
	if api.requests.Load() != 1 {
		t.Errorf("%d requests, want 1", api.requests.Load())
	}
	states, err := budget.ReadFiles(budgetDir, origin)
	if err != nil || len(states) != 1 || states[0].Hold == nil || states[0].Path != path || states[0].Origin != origin {
		t.Fatalf("ReadBudgetStates: %+v, %v", states, err)
	}
	if h := states[0].Hold; !strings.Contains(h.Why, "0 of 5000 left") || h.Until.Sub(h.Since) < 23*time.Hour {
		t.Errorf("hold: %+v", h)
	}

	// Another process: stopped by the hold before any request.
	_, err = run(t, cfg, ingest.Job{Out: t.TempDir()}, ingest.WithBudgets(budget.NewRegistry(budgetDir)))
	if err == nil || !strings.Contains(err.Error(), path) || api.requests.Load() != 1 {
		t.Fatalf("second run: %v after %d requests", err, api.requests.Load())
	}

	was, err := budget.Clear(budgetDir, origin)
	if err != nil || was.Hold == nil {
		t.Fatalf("ClearBudget: %+v, %v", was, err)
	}
	api.spent.Store(false)
	if _, err := run(t, cfg, ingest.Job{Out: t.TempDir()}, ingest.WithBudgets(budget.NewRegistry(budgetDir))); err != nil {
		t.Fatalf("after clear: %v", err)
	}
	if states, _ := budget.ReadFiles(budgetDir, origin); len(states) != 1 || states[0].Hold != nil {
		t.Errorf("after clear and a run: %+v", states)
	}
}

// TestHoldWaitedWhenAllowedAndCleared: a run whose profile allows long
// waits (retry.max_retry_after 48h) waits out a hold another run left,
// saying so with the file and the command; ClearBudget from outside the
// run ends the wait.
func TestHoldWaitedWhenAllowedAndCleared(t *testing.T) {
	api := &quotaAPI{}
	api.spent.Store(true)
	srv := httptest.NewServer(api)
	defer srv.Close()
	budgetDir := t.TempDir()
	origin := budget.Origin(srv.URL)
	path := budget.FilePath(budgetDir, origin)
	if _, err := run(t, quotaConfig(srv.URL), ingest.Job{Out: t.TempDir()}, ingest.WithBudgets(budget.NewRegistry(budgetDir))); err == nil {
		t.Fatal("the first run went on past a day-long reset")
	}
	api.spent.Store(false)

	cfg := quotaConfig(srv.URL)
	cfg.Retry.MaxRetryAfter = 48 * time.Hour
	c, err := ingest.New(cfg, ingest.WithBudgets(budget.NewRegistry(budgetDir)))
	if err != nil {
		t.Fatal(err)
	}
	r := c.Start(context.Background(), ingest.Job{Out: t.TempDir()})
	cleared := false
	for ev := range r.Events() {
		th, ok := ev.(ingest.Throttled)
		if !ok || cleared {
			continue
		}
		if !strings.Contains(th.Reason, path) || !strings.Contains(th.Reason, "siphon budget clear "+origin) {
			t.Errorf("the wait does not name the file and the command: %s", th.Reason)
		}
		if api.requests.Load() != 1 {
			t.Errorf("%d requests before the hold was cleared, want the first run's 1", api.requests.Load())
		}
		if _, err := budget.Clear(budgetDir, origin); err != nil {
			t.Fatal(err)
		}
		cleared = true
	}
	if err := r.Wait(); err != nil {
		t.Fatal(err)
	}
	if !cleared {
		t.Error("the run never said it waits for the hold")
	}
	if api.requests.Load() != 3 {
		t.Errorf("%d requests, want 3", api.requests.Load())
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
