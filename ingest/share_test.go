package ingest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"siphon/ingest"
	"siphon/ingest/budget"
	"siphon/ingest/demoapi"
)

// statusCounter counts an API's answers by status.
type statusCounter struct {
	h        http.Handler
	ok, many atomic.Int64
}

func (s *statusCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w, status: 200}
	s.h.ServeHTTP(rec, r)
	if rec.status == http.StatusTooManyRequests {
		s.many.Add(1)
	} else {
		s.ok.Add(1)
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) { r.status = code; r.ResponseWriter.WriteHeader(code) }

// TestSharedBudgetTwoRunsOneOrigin: two profiles on one API allowed 10
// requests a second (X-RateLimit headers), run at once through one
// registry: no 429, and together they use at least 0.9 of the limit. The
// runs go in a synctest bubble, so the seconds counted are the fake
// clock's, the same on any machine.
func TestSharedBudgetTwoRunsOneOrigin(t *testing.T) {
	for _, dir := range []string{"", t.TempDir()} {
		name := "in-process"
		if dir != "" {
			name = "with a state file"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				api := &statusCounter{h: demoapi.New(demoapi.Options{Records: 400, Faults: demoapi.Faults{RateLimit: 10, RateLimitHeaders: demoapi.HeadersX}})}
				const base = "http://api.test"
				budgets := budget.NewRegistry(dir)
				start := time.Now()
				var wg sync.WaitGroup
				for _, name := range []string{"one", "two"} {
					cfg := styleConfigs(base)["cursor"]
					cfg.Name, cfg.Pagination.Limit = name, 20 // 20 pages each
					c, err := ingest.New(cfg, ingest.WithBudgets(budgets), ingest.WithTransport(handlerTransport{api}))
					if err != nil {
						t.Fatal(err)
					}
					out := t.TempDir()
					wg.Go(func() {
						if _, err := runClient(c, ingest.Job{Out: out}); err != nil {
							t.Errorf("%s: %v", name, err)
						}
					})
				}
				wg.Wait()
				elapsed := time.Since(start)
				rate := float64(api.ok.Load()) / elapsed.Seconds()
				t.Logf("%d requests in %s (fake clock): %.2f/s, %d answered 429", api.ok.Load(), elapsed.Round(time.Millisecond), rate, api.many.Load())
				if api.many.Load() != 0 {
					t.Errorf("%d requests answered 429", api.many.Load())
				}
				if rate < 9 {
					t.Errorf("together %.2f requests/s, want at least 9", rate)
				}
				share, ok := budgets.Share(budget.Origin(base))
				if !ok || len(share.Members) != 2 || share.Members[0].Sent+share.Members[1].Sent != api.ok.Load() {
					t.Errorf("share: %+v", share)
				}
			})
		})
	}
}

// TestSharedBudgetStartsFromWhatAnotherLearned: a second registry (another
// process, through the same folder) that starts while the window is spent
// waits for its reset instead of sending into it.
func TestSharedBudgetStartsFromWhatAnotherLearned(t *testing.T) {
	api := &statusCounter{h: demoapi.New(demoapi.Options{Records: 400, Faults: demoapi.Faults{RateLimit: 10, RateLimitHeaders: demoapi.HeadersX}})}
	srv := httptest.NewServer(api)
	defer srv.Close()
	dir := t.TempDir()
	cfg := styleConfigs(srv.URL)["cursor"]
	cfg.Pagination.Limit = 40 // 10 pages: one window's worth
	first := budget.NewRegistry(dir)
	if _, err := run(t, cfg, ingest.Job{Out: t.TempDir()}, ingest.WithBudgets(first)); err != nil {
		t.Fatal(err)
	}
	cfg.Name = "second"
	second := budget.NewRegistry(dir)
	c, err := ingest.New(cfg, ingest.WithBudgets(second))
	if err != nil {
		t.Fatal(err)
	}
	r := c.Start(context.Background(), ingest.Job{Out: t.TempDir()})
	for range r.Events() {
	}
	if err := r.Wait(); err != nil {
		t.Fatal(err)
	}
	if api.many.Load() != 0 {
		t.Errorf("%d requests answered 429", api.many.Load())
	}
	if sh, _ := second.Share(budget.Origin(srv.URL)); sh.Others != 1 {
		t.Errorf("the second process does not see the first: %+v", sh)
	}
}
