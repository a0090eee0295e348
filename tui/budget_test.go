package tui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"siphon/ingest"
	"siphon/ingest/demoapi"
)

// count429 counts the API's answers: 429s and the others.
type count429 struct {
	h        http.Handler
	ok, many atomic.Int64
}

func (c *count429) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusOf{ResponseWriter: w, status: 200}
	c.h.ServeHTTP(rec, r)
	if rec.status == http.StatusTooManyRequests {
		c.many.Add(1)
	} else {
		c.ok.Add(1)
	}
}

type statusOf struct {
	http.ResponseWriter
	status int
}

func (s *statusOf) WriteHeader(code int) { s.status = code; s.ResponseWriter.WriteHeader(code) }

// budgetStarter starts real runs that share budgets, as cmd/siphon does.
func budgetStarter(cfgs map[string]ingest.Config, b *ingest.Budgets) Starter {
	return func(p Profile, fresh bool) (Runner, error) {
		client, err := ingest.New(cfgs[p.Name], ingest.WithBudgets(b))
		if err != nil {
			return nil, err
		}
		return client.Start(context.Background(), ingest.Job{Out: p.Out, Fresh: fresh}), nil
	}
}

// TestConsoleTwoRunsShareOneBudget starts two profiles of one API
// allowed 10 requests a second (X-RateLimit headers) in one console: no
// 429, together at least 0.9 of the limit, and the run view shows the split.
func TestConsoleTwoRunsShareOneBudget(t *testing.T) {
	api := &count429{h: demoapi.New(demoapi.Options{Records: 600, Faults: demoapi.Faults{RateLimit: 10, RateLimitHeaders: demoapi.HeadersX}})}
	srv := httptest.NewServer(api)
	defer srv.Close()
	cfgs := map[string]ingest.Config{}
	var profiles []Profile
	for _, name := range []string{"one", "two"} {
		cfg := demoConfig(srv.URL, name)
		cfg.Pagination.Limit = 30 // 20 pages each
		cfgs[name] = cfg
		profiles = append(profiles, Profile{Name: name, Pagination: "cursor", Auth: "none", URL: srv.URL + "/v1/cursor", Out: t.TempDir()})
	}
	budgets := ingest.NewBudgets(t.TempDir())
	m := New(Options{Styles: asciiStyles(), Start: budgetStarter(cfgs, budgets), Profiles: profiles, Budgets: budgets})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 30))
	waitForText(t, tm, "one")
	start := time.Now()
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	tm.Type("j")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitForText(t, tm, "budget shared: one ")
	waitForText(t, tm, "runs: 0 live")
	elapsed := time.Since(start)
	tm.Type("q")
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	for _, s := range final.runs.list {
		if s.snap.State != ingest.StateDone || s.snap.Records != 600 {
			t.Errorf("%s ended %s with %d records", s.profile.Name, s.snap.State, s.snap.Records)
		}
	}
	rate := float64(api.ok.Load()) / elapsed.Seconds()
	t.Logf("%d requests in %s: %.2f/s together, %d answered 429", api.ok.Load(), elapsed.Round(time.Millisecond), rate, api.many.Load())
	if api.many.Load() != 0 {
		t.Errorf("%d requests answered 429", api.many.Load())
	}
	if rate < 9 {
		t.Errorf("together %.2f requests/s, want at least 9 (0.9 of the limit)", rate)
	}
}
