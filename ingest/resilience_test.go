package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	"siphon/ingest/spec"
	"siphon/ingest/store"
)

// faultStyles are the pagination styles the fault matrix walks, each with
// its own seeded server.
var faultStyles = []string{"cursor", "offset", "page", "next_url", "link_header", "keyset", "timestamp", "none"}

// hostileFaults misbehave in every way demoapi knows, except stalls (which
// only test the timeout and would make the matrix slow).
var hostileFaults = demoapi.Faults{
	ServerErrorRate: 0.10, ResetRate: 0.05, TruncateRate: 0.05, HTMLRate: 0.05,
	TooManyRate: 0.05, SlowRate: 0.05, SlowDelay: 50 * time.Millisecond,
	RateLimit: 200, RateLimitHeaders: demoapi.HeadersX,
}

// started is a run begun in the background, to be checked later: runs that
// mostly sleep (Retry-After, rate limits) overlap instead of queueing behind
// -parallel, which is only GOMAXPROCS.
type started struct {
	run *ingest.Run
	srv *demoapi.Server
	dir string
}

// finish drains the run's events and returns them with its error.
func (s started) finish() ([]ingest.Event, error) {
	var evs []ingest.Event
	for ev := range s.run.Events() {
		evs = append(evs, ev)
	}
	return evs, s.run.Wait()
}

// startOn starts cfg against srv; the server closes when the test ends.
func startOn(t *testing.T, srv *demoapi.Server, cfg spec.Config) started {
	t.Helper()
	t.Cleanup(srv.Close)
	c, err := ingest.New(cfg)
	if err != nil {
		t.Fatalf("New(%s): %v", cfg.Name, err)
	}
	dir := t.TempDir()
	return started{run: c.Start(context.Background(), ingest.Job{Out: dir}), srv: srv, dir: dir}
}

// TestFaultMatrix runs every pagination style against a server that fails
// about a third of its requests; every run must end with every id exactly
// once.
func TestFaultMatrix(t *testing.T) {
	const n, pageSize = 400, 50
	runs := make(map[string]started, len(faultStyles))
	for i, style := range faultStyles {
		srv := demoapi.NewServer(demoapi.Options{Records: n, Seed: int64(100 + i), Faults: hostileFaults})
		cfg := styleConfigs(srv.URL)[style]
		if style != "none" {
			cfg.Pagination.Limit = pageSize
		}
		cfg.Retry.MaxAttempts = 12
		runs[style] = startOn(t, srv, cfg)
	}
	var total demoapi.Stats
	var causes []string
	for _, style := range faultStyles {
		t.Run(style, func(t *testing.T) {
			s := runs[style]
			evs, err := s.finish()
			st := s.srv.Stats()
			total.Resets += st.Resets
			total.Truncations += st.Truncations
			total.TooMany += st.TooMany
			for _, ev := range evs {
				if rs, ok := ev.(ingest.RetryScheduled); ok {
					causes = append(causes, rs.Cause)
				}
			}
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			exactlyOnce(t, readIDs(t, s.dir), n)
			if cp, err := store.At(s.dir).ReadCheckpoint(); err != nil || cp == nil || !cp.Done || cp.Records != n {
				t.Fatalf("checkpoint %+v, %v: want a done checkpoint of %d records", cp, err, n)
			}
		})
	}
	// The matrix proves nothing if the faults never fired: each kind must
	// have been met and survived somewhere. (A reset on a reused connection
	// is retried by net/http itself, so resets are counted on the server.)
	joined := strings.Join(causes, "\n")
	for _, want := range []string{"HTTP 50", "HTTP 429", "text/html, not JSON", "body cut short"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no retry caused by %q in the whole matrix; causes:\n%s", want, joined)
		}
	}
	if total.Resets == 0 || total.Truncations == 0 || total.TooMany == 0 {
		t.Errorf("faults not exercised: %d resets, %d truncations, %d 429s", total.Resets, total.Truncations, total.TooMany)
	}
}

// pacedLimit is the demo server's announced budget in the pacing tests.
const pacedLimit = 20

// pacedDialects are the header dialects demoapi can announce a limit in.
var pacedDialects = []string{demoapi.HeadersX, demoapi.HeadersXDelta, demoapi.HeadersIETF, demoapi.HeadersIETFStructured, demoapi.HeadersGitHub}

// pacedServer allows 20 requests a second and announces it in dialect.
func pacedServer(dialect string, records int) *demoapi.Server {
	return demoapi.NewServer(demoapi.Options{Records: records, Seed: 7,
		Faults: demoapi.Faults{RateLimit: pacedLimit, RateLimitHeaders: dialect}})
}

// pacedConfig walks srv's cursor endpoint with no client-side budget: it
// paces only by the server's headers.
func pacedConfig(srv *demoapi.Server, dialect string, pageSize int) spec.Config {
	cfg := styleConfigs(srv.URL)["cursor"]
	cfg.Name = "paced-" + dialect
	cfg.Pagination.Limit = pageSize
	cfg.RateLimit = spec.RateLimitConfig{}
	cfg.Output.RawPages = false
	return cfg
}

// TestHeaderPacingAvoids429 checks that a client with no budget of its own
// never trips a server's limit that the response headers announce.
func TestHeaderPacingAvoids429(t *testing.T) {
	const records, pageSize = 250, 5 // 50 requests: at least two windows spent
	runs := make(map[string]started, len(pacedDialects))
	for _, dialect := range pacedDialects {
		srv := pacedServer(dialect, records)
		runs[dialect] = startOn(t, srv, pacedConfig(srv, dialect, pageSize))
	}
	for _, dialect := range pacedDialects {
		t.Run(dialect, func(t *testing.T) {
			s := runs[dialect]
			evs, err := s.finish()
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			exactlyOnce(t, readIDs(t, s.dir), records)
			st := s.srv.Stats()
			if st.TooMany != 0 {
				t.Errorf("%d requests answered 429 out of %d", st.TooMany, st.Requests)
			}
			throttled := 0
			for _, ev := range evs {
				if th, ok := ev.(ingest.Throttled); ok {
					throttled++
					if !strings.Contains(th.Reason, "server rate limit") {
						t.Errorf("Throttled reason %q does not name the server's limit", th.Reason)
					}
				}
			}
			if throttled == 0 {
				t.Errorf("never throttled in %d requests against a limit of %d/s", st.Requests, pacedLimit)
			}
		})
	}
}

// step is one scripted answer.
type step struct {
	status int
	header map[string]string
	body   string
}

// script answers requests with its steps in order, repeating the last, and
// remembers when each request came (on the fake clock inside a bubble).
type script struct {
	mu    sync.Mutex
	steps []step
	times []time.Time
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	i := min(len(s.times), len(s.steps)-1)
	s.times = append(s.times, time.Now())
	st := s.steps[i]
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	for k, v := range st.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(st.status)
	_, _ = io.WriteString(w, st.body)
}

func (s *script) requests() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.times...)
}

// Bodies for a cursor walk of the scripted servers: .data and .next.
const (
	lastPageBody  = `{"data":[{"id":2}],"next":null}`
	firstPageBody = `{"data":[{"id":1}],"next":"c2"}`
	errorBody     = `{"error":"slow down"}`
)

func scriptConfig(base string) spec.Config {
	return spec.Config{Name: "scripted", BaseURL: base, Path: "/items", Records: ".data", PrimaryKey: []string{"id"},
		Pagination: spec.PaginationConfig{Type: "cursor", CursorPath: ".next"},
		RateLimit:  spec.RateLimitConfig{},
		Retry:      spec.RetryConfig{MaxAttempts: 4, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond}}
}

// handlerTransport serves requests by calling a handler in the caller's
// goroutine: no sockets, so it works inside a synctest bubble.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// TestRetryAfterOnFakeClock runs whole runs in a synctest bubble, where the
// clock moves only when every goroutine waits: a 7 s Retry-After takes no
// real time, and the gap between requests is exact.
func TestRetryAfterOnFakeClock(t *testing.T) {
	cases := []struct {
		name       string
		retryAfter func(now time.Time) string
		wantGap    time.Duration
	}{
		{"delta seconds", func(time.Time) string { return "7" }, 7 * time.Second},
		{"HTTP-date", func(now time.Time) string { return now.Add(10 * time.Second).UTC().Format(http.TimeFormat) }, 10 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &script{steps: []step{
					{status: http.StatusTooManyRequests, header: map[string]string{"Retry-After": tc.retryAfter(time.Now())}, body: errorBody},
					{status: http.StatusOK, body: lastPageBody},
				}}
				evs, err := run(t, scriptConfig("http://api.test"), ingest.Job{Out: t.TempDir()}, ingest.WithTransport(handlerTransport{s}))
				if err != nil {
					t.Fatalf("run: %v", err)
				}
				times := s.requests()
				if len(times) != 2 {
					t.Fatalf("%d requests, want 2", len(times))
				}
				if gap := times[1].Sub(times[0]); gap != tc.wantGap {
					t.Errorf("second request %s after the first, want %s", gap, tc.wantGap)
				}
				rs, ok := lastEvent[ingest.RetryScheduled](evs)
				if !ok {
					t.Fatal("no RetryScheduled event")
				}
				want := ingest.RetryScheduled{At: rs.At, Page: 1, Attempt: 1, MaxAttempts: 4, Cause: rs.Cause, Wait: tc.wantGap, Source: "retry-after"}
				if rs != want || !strings.Contains(rs.Cause, "HTTP 429") {
					t.Errorf("RetryScheduled = %+v\nwant %+v with a cause naming HTTP 429", rs, want)
				}
			})
		})
	}
}

// TestRetryAfterNoRequestBeforeItsTime watches the wait from outside: one
// fake nanosecond before 7 s there is still only one request.
func TestRetryAfterNoRequestBeforeItsTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &script{steps: []step{
			{status: http.StatusServiceUnavailable, header: map[string]string{"Retry-After": "7"}, body: errorBody},
			{status: http.StatusOK, body: lastPageBody},
		}}
		c, err := ingest.New(scriptConfig("http://api.test"), ingest.WithTransport(handlerTransport{s}))
		if err != nil {
			t.Fatal(err)
		}
		r := c.Start(t.Context(), ingest.Job{Out: t.TempDir()})
		for ev := range r.Events() {
			if _, ok := ev.(ingest.RetryScheduled); ok {
				break
			}
		}
		time.Sleep(7*time.Second - time.Nanosecond)
		synctest.Wait()
		if got := len(s.requests()); got != 1 {
			t.Fatalf("%d requests before Retry-After's 7 s had passed, want 1", got)
		}
		time.Sleep(time.Nanosecond)
		if err := r.Wait(); err != nil {
			t.Fatal(err)
		}
		if got := len(s.requests()); got != 2 {
			t.Fatalf("%d requests in all, want 2", got)
		}
	})
}

// TestRetryAfterBeyondLimitStops: a server asking for an hour when the
// profile allows a minute ends the run at once, saying why.
func TestRetryAfterBeyondLimitStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &script{steps: []step{
			{status: http.StatusTooManyRequests, header: map[string]string{"Retry-After": "3600"}, body: errorBody},
			{status: http.StatusOK, body: lastPageBody},
		}}
		cfg := scriptConfig("http://api.test")
		cfg.Retry.MaxRetryAfter = time.Minute
		start := time.Now()
		evs, err := run(t, cfg, ingest.Job{Out: t.TempDir()}, ingest.WithTransport(handlerTransport{s}))
		if err == nil {
			t.Fatal("run succeeded")
		}
		for _, want := range []string{"page 1", "HTTP 429", "wait 1h0m0s", "retry.max_retry_after (1m0s)"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
		if got := len(s.requests()); got != 1 {
			t.Errorf("%d requests, want 1", got)
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("the run waited %s before giving up", waited)
		}
		if _, ok := lastEvent[ingest.RetryScheduled](evs); ok {
			t.Error("a retry was scheduled")
		}
	})
}

// TestCancelDuringWaits cancels a run while it waits 30 s (a retry, the
// server's reset, its own budget): Wait must return at once, with the
// checkpoint of the page before saved. On the fake clock, "at once" is
// exact however slow the disk's sync is.
func TestCancelDuringWaits(t *testing.T) {
	ok := func(h map[string]string, body string) step { return step{status: http.StatusOK, header: h, body: body} }
	spent := map[string]string{"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "30"}
	cases := []struct {
		name   string
		steps  []step
		budget float64 // client-side requests/s; 0: none
		inWait func(ingest.Event) bool
	}{
		{"retry wait", []step{ok(nil, firstPageBody), {status: 503, header: map[string]string{"Retry-After": "30"}, body: errorBody}}, 0, retryOf30s},
		{"server reset", []step{ok(spent, firstPageBody), ok(nil, lastPageBody)}, 0, throttledOver25s},
		{"client budget", []step{ok(nil, firstPageBody), ok(nil, lastPageBody)}, 1.0 / 30, throttledOver25s},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &script{steps: tc.steps}
				cfg := scriptConfig("http://api.test")
				cfg.RateLimit.RequestsPerSecond = tc.budget
				c, err := ingest.New(cfg, ingest.WithTransport(handlerTransport{s}))
				if err != nil {
					t.Fatal(err)
				}
				dir := t.TempDir()
				r := c.Start(context.Background(), ingest.Job{Out: dir})
				var waitErr error
				var took time.Duration
				waiting := false
				for ev := range r.Events() {
					if tc.inWait(ev) {
						waiting = true
						start := time.Now()
						r.Cancel()
						waitErr = r.Wait()
						took = time.Since(start)
						break
					}
				}
				if !waiting {
					t.Fatalf("the run ended (%v) without the 30 s wait", r.Wait())
				}
				if !errors.Is(waitErr, ingest.ErrCanceled) {
					t.Errorf("Wait = %v, want ErrCanceled", waitErr)
				}
				if took >= 100*time.Millisecond {
					t.Errorf("Wait returned %s after Cancel, want < 100ms", took)
				}
				cp, err := store.At(dir).ReadCheckpoint()
				if err != nil || cp == nil {
					t.Fatalf("checkpoint after cancel: %+v, %v", cp, err)
				}
				if cp.Done || cp.Pages != 1 || cp.Records != 1 || cp.Position.Cursor != "c2" {
					t.Errorf("checkpoint %+v, want 1 page, 1 record, cursor c2, not done", cp)
				}
			})
		})
	}
}

func retryOf30s(ev ingest.Event) bool {
	rs, ok := ev.(ingest.RetryScheduled)
	return ok && rs.Wait == 30*time.Second
}

func throttledOver25s(ev ingest.Event) bool {
	th, ok := ev.(ingest.Throttled)
	return ok && th.Wait > 25*time.Second
}

// TestNeverRetried: answers that cannot improve on a second try get one.
func TestNeverRetried(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			s := &script{steps: []step{{status: status, body: `{"error":"no"}`}, {status: http.StatusOK, body: lastPageBody}}}
			srv := httptest.NewServer(s)
			defer srv.Close()
			evs, err := run(t, scriptConfig(srv.URL), ingest.Job{Out: t.TempDir()})
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("HTTP %d", status)) {
				t.Fatalf("got %v, want an error naming HTTP %d", err, status)
			}
			if got := len(s.requests()); got != 1 {
				t.Errorf("%d requests, want 1", got)
			}
			if _, ok := lastEvent[ingest.RetryScheduled](evs); ok {
				t.Error("a retry was scheduled")
			}
		})
	}
	t.Run("untrusted TLS certificate", func(t *testing.T) {
		var conns atomic.Int32
		s := &script{steps: []step{{status: http.StatusOK, body: lastPageBody}}}
		srv := httptest.NewUnstartedServer(s)
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
		srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
			if state == http.StateNew {
				conns.Add(1)
			}
		}
		srv.StartTLS()
		defer srv.Close()
		evs, err := run(t, scriptConfig(srv.URL), ingest.Job{Out: t.TempDir()})
		if err == nil || !strings.Contains(err.Error(), "TLS") {
			t.Fatalf("got %v, want an error that says TLS", err)
		}
		sent := 0
		for _, ev := range evs {
			if _, ok := ev.(ingest.RequestSent); ok {
				sent++
			}
		}
		if sent != 1 || conns.Load() != 1 {
			t.Errorf("%d attempts over %d connections, want 1 and 1", sent, conns.Load())
		}
		if got := len(s.requests()); got != 0 {
			t.Errorf("the handler saw %d requests through a refused handshake", got)
		}
	})
}

// TestServerResetBeyondLimitStops: a spent budget whose reset is hours away
// ends the run at once, and the message says where, like any failed page.
func TestServerResetBeyondLimitStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		spent := map[string]string{"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "7200"}
		s := &script{steps: []step{{status: http.StatusOK, header: spent, body: firstPageBody}, {status: http.StatusOK, body: lastPageBody}}}
		cfg := scriptConfig("http://api.test")
		cfg.Retry.MaxRetryAfter = time.Minute
		dir := t.TempDir()
		start := time.Now()
		_, err := run(t, cfg, ingest.Job{Out: dir}, ingest.WithTransport(handlerTransport{s}))
		if err == nil {
			t.Fatal("run succeeded")
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("the run waited %s before giving up", waited)
		}
		for _, want := range []string{"page 2", "http://api.test/items", "2h0m0s", "retry.max_retry_after (1m0s)"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
		if cp, err := store.At(dir).ReadCheckpoint(); err != nil || cp == nil || cp.Pages != 1 {
			t.Errorf("checkpoint %+v, %v: want page 1 saved", cp, err)
		}
	})
}

// TestRetryAfterIgnoredWithoutRespectHeaders: respect_headers: false backs
// off by the profile's own schedule, whatever the server asks.
func TestRetryAfterIgnoredWithoutRespectHeaders(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &script{steps: []step{
			{status: http.StatusTooManyRequests, header: map[string]string{"Retry-After": "7"}, body: errorBody},
			{status: http.StatusOK, body: lastPageBody},
		}}
		cfg := scriptConfig("http://api.test")
		cfg.RateLimit.IgnoreHeaders = true
		evs, err := run(t, cfg, ingest.Job{Out: t.TempDir()}, ingest.WithTransport(handlerTransport{s}))
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		rs, _ := lastEvent[ingest.RetryScheduled](evs)
		if rs.Source != "backoff" || rs.Wait > cfg.Retry.MaxBackoff {
			t.Errorf("RetryScheduled %+v, want a backoff of at most %s", rs, cfg.Retry.MaxBackoff)
		}
		if times := s.requests(); len(times) != 2 || times[1].Sub(times[0]) > cfg.Retry.MaxBackoff {
			t.Errorf("requests at %v, want the retry within %s", times, cfg.Retry.MaxBackoff)
		}
	})
}
