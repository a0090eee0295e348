package tui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest"
	"siphon/ingest/budget"
	"siphon/ingest/demoapi"
	"siphon/ingest/spec"
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

// memoryTransport serves requests by calling h in the caller's goroutine:
// no sockets, so runs work inside a synctest bubble, whose clock moves only
// when every goroutine in it waits.
type memoryTransport struct{ h http.Handler }

func (t memoryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// budgetStarter starts real runs that share budgets, as cmd/siphon does,
// against an API in memory.
func budgetStarter(cfgs map[string]spec.Config, b *budget.Registry, api http.Handler) Starter {
	return func(p Profile, fresh bool) (Runner, error) {
		client, err := ingest.New(cfgs[p.Name], ingest.WithBudgets(b), ingest.WithTransport(memoryTransport{api}))
		if err != nil {
			return nil, err
		}
		return client.Start(context.Background(), ingest.Job{Out: p.Out, Fresh: fresh}), nil
	}
}

// TestConsoleTwoRunsShareOneBudget starts two profiles of one API
// allowed 10 requests a second (X-RateLimit headers) in one console: no
// 429, together at least 0.9 of the limit, and the run view shows the
// split. On the fake clock, the console driven as Bubble Tea drives it:
// the rate is the budget's doing, not the machine's.
func TestConsoleTwoRunsShareOneBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := &count429{h: demoapi.New(demoapi.Options{Records: 600, Faults: demoapi.Faults{RateLimit: 10, RateLimitHeaders: demoapi.HeadersX}})}
		const base = "http://api.test"
		cfgs := map[string]spec.Config{}
		var profiles []Profile
		for _, name := range []string{"one", "two"} {
			cfg := demoConfig(base, name)
			cfg.Pagination.Limit = 30 // 20 pages each
			cfgs[name] = cfg
			profiles = append(profiles, Profile{Name: name, Pagination: "cursor", Auth: "none", URL: base + "/v1/cursor", Out: t.TempDir()})
		}
		budgets := budget.NewRegistry(t.TempDir())
		var m tea.Model = New(Options{Styles: asciiStyles(), Start: budgetStarter(cfgs, budgets, api), Profiles: profiles, Budgets: budgets})

		// Bubble Tea's loop: each command runs in its own goroutine and
		// sends its message back; a frame is drawn on every tick.
		msgs := make(chan tea.Msg, 64)
		pending := 0
		runCmd := func(c tea.Cmd) {
			if c != nil {
				pending++
				go func() { msgs <- c() }()
			}
		}
		update := func(msg tea.Msg) {
			var (
				cmd  tea.Cmd
				rest []tea.Cmd
			)
			m, cmd = m.Update(msg)
			m, rest = feedAsks(m, cmd, nil) // its asks at once, as a key's are
			for _, c := range rest {
				runCmd(c)
			}
		}
		runCmd(m.Init())
		update(tea.WindowSizeMsg{Width: 120, Height: 30})
		start := time.Now()
		update(tea.KeyMsg{Type: tea.KeyEnter})
		update(tea.KeyMsg{Type: tea.KeyEsc})
		update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("j")})
		update(tea.KeyMsg{Type: tea.KeyEnter})
		shared := false
		for m.(Model).runs.anyLive() {
			msg := <-msgs
			pending--
			if batch, ok := msg.(tea.BatchMsg); ok {
				for _, c := range batch {
					runCmd(c)
				}
				continue
			}
			if msg == nil {
				continue
			}
			update(msg)
			shared = shared || strings.Contains(m.View(), "budget shared: one ")
		}
		elapsed := time.Since(start)
		// Let the commands still out (the next tick) finish: a bubble
		// must end with all its goroutines.
		for ; pending > 0; pending-- {
			<-msgs
		}
		if !shared {
			t.Errorf("the run view never showed the budget shared with one; last frame:\n%s", m.View())
		}
		for _, s := range m.(Model).runs.list {
			if s.snap.State != ingest.StateDone || s.snap.Records != 600 {
				t.Errorf("%s ended %s with %d records", s.profile.Name, s.snap.State, s.snap.Records)
			}
		}
		rate := float64(api.ok.Load()) / elapsed.Seconds()
		t.Logf("%d requests in %s: %.2f/s together, %d answered 429", api.ok.Load(), elapsed, rate, api.many.Load())
		if api.many.Load() != 0 {
			t.Errorf("%d requests answered 429", api.many.Load())
		}
		if rate < 9 {
			t.Errorf("together %.2f requests/s, want at least 9 (0.9 of the limit)", rate)
		}
	})
}
