package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"siphon/ingest/demoapi"
)

// The demo API's deep-paging faults: a cap of 400 records (a 400 naming
// it past that) and every 97th record hidden (short pages, no totals).
const (
	restartCap  = 400
	restartHide = 97
)

func restartFaults() demoapi.Faults {
	return demoapi.Faults{OffsetCap: restartCap, HideEvery: restartHide}
}

// restartProfile walks the capped demo API by offset or page number with
// pagination.restart: after 400 restarts before the cap, a larger after
// on the API's cap error.
func restartProfile(name, base, style string, after int) string {
	path, records, limitParam := "/v1/offset", ".data", "limit"
	if style == "page" {
		path, records, limitParam = "/v1/pages", ".items", "per_page"
	}
	return fmt.Sprintf(`name: %s
base_url: %s
path: %s
records: %s
primary_key: id
pagination:
  type: %s
  limit: 20
  limit_param: %s
  restart:
    after: %d
    params: {id_gte: "${last.id}"}
retry:
  max_attempts: 10
  initial_backoff: 1ms
  max_backoff: 5ms
`, name, base, path, records, style, limitParam, after)
}

// checkVisibleOnce checks that seen holds every id 1..n but the hidden
// ones, each once.
func checkVisibleOnce(t *testing.T, seen map[int64]int, n int) {
	t.Helper()
	want := 0
	for id := int64(1); id <= int64(n); id++ {
		switch {
		case id%restartHide == 0:
			if seen[id] != 0 {
				t.Fatalf("hidden id %d appears %d times", id, seen[id])
			}
		case seen[id] != 1:
			t.Fatalf("id %d appears %d times", id, seen[id])
		default:
			want++
		}
	}
	if len(seen) != want {
		t.Fatalf("%d distinct ids, want %d", len(seen), want)
	}
}

// TestKill9Restart kills restarting walks with SIGKILL at random moments
// against a capped API that hides records and fails now and then; every
// visible record ends up in the output exactly once.
func TestKill9Restart(t *testing.T) {
	const n = 2000
	faults := restartFaults()
	faults.ServerErrorRate, faults.ResetRate, faults.TruncateRate = 0.05, 0.02, 0.02
	srv := demoapi.NewServer(demoapi.Options{Records: n, Seed: 11, Faults: faults})
	defer srv.Close()
	for i, tc := range []struct {
		style string
		after int
	}{{"offset", 1_000_000}, {"page", restartCap}} {
		t.Run(fmt.Sprintf("%s after %d", tc.style, tc.after), func(t *testing.T) {
			dir := t.TempDir()
			name := "capped-" + tc.style
			writeProfile(t, dir, name, restartProfile(name, srv.URL, tc.style, tc.after))
			kills := killAndResume(t, dir, name, rand.New(rand.NewPCG(5, uint64(i))), 15, 10)
			if kills < 10 {
				t.Fatalf("only %d kills", kills)
			}
			checkVisibleOnce(t, ids(t, filepath.Join(dir, "siphon-data", name, "records.jsonl")), n)
			t.Logf("%d kills", kills)
		})
	}
}

// TestKill9BetweenRestartAndItsFirstPage: the run is killed while the
// first request after a restart is in flight (the API holds it until the
// client is gone); the next run resumes, restarting again if the
// checkpoint is older than the restart, and every visible record is
// written once. Both triggers: siphon's own after, and the API's cap error.
func TestKill9BetweenRestartAndItsFirstPage(t *testing.T) {
	const n = 900
	for _, tc := range []struct {
		style string
		after int
	}{{"offset", 1_000_000}, {"page", restartCap}, {"offset", restartCap}} {
		t.Run(fmt.Sprintf("%s after %d", tc.style, tc.after), func(t *testing.T) {
			api := demoapi.New(demoapi.Options{Records: n, Faults: restartFaults()})
			held := make(chan struct{})
			var once sync.Once
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Has("id_gte") {
					first := false
					once.Do(func() { first = true })
					if first {
						close(held)
						<-r.Context().Done() // until siphon is killed
						return
					}
				}
				api.ServeHTTP(w, r)
			}))
			defer srv.Close()
			dir := t.TempDir()
			name := "held-" + tc.style
			writeProfile(t, dir, name, restartProfile(name, srv.URL, tc.style, tc.after))

			cmd := siphonCmd(t, dir, "run", name)
			cmd.Stderr = io.Discard
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Only a restarted walk sends id_gte: once the API holds that
			// request, the restart happened and its first page is in flight.
			<-held
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			if pos := checkpointPosition(t, filepath.Join(dir, "siphon-data", name)); pos != "" {
				t.Logf("checkpoint at the kill: %s", pos)
			}
			code, _, errText := siphon(t, dir, "run", name)
			if code != 0 {
				t.Fatalf("resume: exit %d\n%s", code, errText)
			}
			checkVisibleOnce(t, ids(t, filepath.Join(dir, "siphon-data", name, "records.jsonl")), n)
		})
	}
}

// checkpointPosition is the checkpoint's position as JSON, for the log.
func checkpointPosition(t *testing.T, dir string) string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "checkpoint.json"))
	if err != nil {
		return ""
	}
	defer f.Close()
	var cp struct {
		Position json.RawMessage `json:"position"`
	}
	b, _ := io.ReadAll(f)
	if json.Unmarshal(b, &cp) != nil {
		return ""
	}
	return string(cp.Position)
}
