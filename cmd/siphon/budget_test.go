package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"siphon/ingest"
	"siphon/ingest/budget"
	"siphon/ingest/demoapi"
	"siphon/ingest/page"
	"siphon/profiles"
)

// TestBudgetSharedWithSiphonRun runs one profile in this process (as the
// console does: a registry of budgets in the user cache folder) and
// another with `siphon run` in a second process, at once, against one API
// allowed 10 requests a second: no request is answered 429, and this
// process sees the other share its budget.
func TestBudgetSharedWithSiphonRun(t *testing.T) {
	var ok, many atomic.Int64
	var first sync.Once
	childSent := make(chan struct{}) // the child's first request came
	api := demoapi.New(demoapi.Options{Records: 600, Faults: demoapi.Faults{RateLimit: 10, RateLimitHeaders: demoapi.HeadersX}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first.Do(func() { close(childSent) })
		rec := &statusWriter{ResponseWriter: w, status: 200}
		api.ServeHTTP(rec, r)
		if rec.status == http.StatusTooManyRequests {
			many.Add(1)
		} else {
			ok.Add(1)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	cache := filepath.Join(dir, "cache")
	t.Setenv("XDG_CACHE_HOME", cache) // this process and the child meet here
	writeProfile(t, dir, "headless", cursorProfile("headless", srv.URL, 30))
	path := writeProfile(t, dir, "console", cursorProfile("console", srv.URL, 30))

	start := time.Now()
	child := siphonCmd(t, dir, "run", "headless")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	// The runs must overlap for this process to see the other: the
	// console's starts once siphon run is sending (20 pages at 10/s).
	select {
	case <-childSent:
	case <-time.After(time.Minute):
		t.Fatal("siphon run sent nothing in a minute")
	}
	prof, err := profiles.Loader{CheckExpr: page.Check}.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	budgets := budget.NewRegistry(budget.DefaultDir())
	client, err := ingest.New(prof.Config, ingest.WithBudgets(budgets))
	if err != nil {
		t.Fatal(err)
	}
	r := client.Start(context.Background(), ingest.Job{Out: filepath.Join(dir, "console-out")})
	sawOther := false
	for range r.Events() {
		if sh, _ := budgets.Share(budget.Origin(srv.URL)); sh.Others > 0 {
			sawOther = true
		}
	}
	if err := r.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := child.Wait(); err != nil {
		t.Fatalf("siphon run: %v", err)
	}
	elapsed := time.Since(start)
	t.Logf("%d requests in %s: %.2f/s together, %d answered 429", ok.Load(), elapsed.Round(time.Millisecond), float64(ok.Load())/elapsed.Seconds(), many.Load())
	if many.Load() != 0 {
		t.Errorf("%d requests answered 429", many.Load())
	}
	if !sawOther {
		t.Error("this process never saw siphon run share the budget")
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) { s.status = code; s.ResponseWriter.WriteHeader(code) }
