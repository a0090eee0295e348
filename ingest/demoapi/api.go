// Package demoapi is a real HTTP API for siphon's tests, benchmarks and demo,
// in the spirit of net/http/httptest: every pagination style siphon speaks,
// API-key, bearer and basic auth, an OAuth2 authorization server (see OAuth),
// TLS and mTLS (see WriteTLSFiles), rate limits in several header dialects and
// faults injected at seeded random.
//
// The dataset is deterministic: record i has the same bytes in every run. The
// data endpoints live under /v1/ (see Endpoints); /healthz answers "ok" and is
// never faulted, nor are the OAuth endpoints under /oauth/.
package demoapi

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// API is an http.Handler serving the demo dataset. It is safe for concurrent use.
type API struct {
	opts     Options
	data     *dataset
	limiter  *fixedWindow // nil without a rate limit
	routes   map[string]endpoint
	now      func() time.Time // Options.Now: token expiry and rate-limit windows; tests pin it
	oauth    *oauthServer     // nil without OAuth
	sessions *sessions        // nil without Options.Session
	stats    statsCounter

	rngMu sync.Mutex
	rng   *rand.Rand

	quit     chan struct{} // closed by Abort: every wait ends
	quitOnce sync.Once
}

// New builds an API. Options are taken as given where valid; New never
// fails, so zero fields get their defaults and out-of-range values are
// clamped (call Options.Validate first to reject them instead).
func New(opts Options) *API {
	opts = opts.withDefaults()
	a := &API{
		opts:   opts,
		data:   newDataset(opts.Records, opts.Faults.DriftAfter),
		routes: make(map[string]endpoint, len(endpointTable)),
		now:    opts.Now,
		rng:    rand.New(rand.NewPCG(uint64(opts.Seed), 0x5197)),
		quit:   make(chan struct{}),
	}
	if opts.Faults.RateLimit > 0 {
		a.limiter = &fixedWindow{limit: opts.Faults.RateLimit}
	}
	if opts.OAuth != nil {
		a.oauth = newOAuthServer(*opts.OAuth)
	}
	if opts.Session != nil {
		a.sessions = &sessions{left: map[string]int{}}
	}
	for _, ep := range endpointTable {
		a.routes[ep.Path] = ep
	}
	return a
}

// Append adds n records after the last one (ids continue, as do the
// timestamps) and returns their ids.
func (a *API) Append(n int) []int64 { return a.data.append(n) }

// Len returns the number of records.
func (a *API) Len() int { return a.data.len() }

// Abort ends every stall and delay in progress, and any that start later, by
// dropping their connections. Call it before http.Server.Shutdown so a
// stalled client cannot hold the shutdown for minutes. Server.Close calls it.
func (a *API) Abort() { a.quitOnce.Do(func() { close(a.quit) }) }

// ServeHTTP answers one request.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == StatsPath {
		// What the API has served, for a client in another process (a
		// benchmark); not counted itself.
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(a.Stats())
		return
	}
	a.stats.count(&a.stats.requests)
	rec := &statusRecorder{ResponseWriter: w, stats: &a.stats}

	if r.URL.Path == "/healthz" {
		rec.Header().Set("Content-Type", "text/plain; charset=utf-8")
		rec.WriteHeader(http.StatusOK)
		_, _ = rec.Write([]byte("ok"))
		return
	}
	if a.oauth != nil {
		// Token and authorize requests are never faulted, delayed or rate limited.
		switch r.URL.Path {
		case TokenPath:
			a.serveToken(rec, r)
			return
		case AuthorizePath:
			a.serveAuthorize(rec, r)
			return
		}
	}
	if a.sessions != nil && r.URL.Path == LoginPath {
		a.serveLogin(rec, r) // never faulted, delayed or rate limited
		return
	}
	ep, ok := a.routes[r.URL.Path]
	if !ok {
		writeError(rec, http.StatusNotFound, "no such endpoint: "+r.URL.Path, "")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		rec.Header().Set("Allow", "GET, HEAD")
		writeError(rec, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed, use GET", "")
		return
	}
	a.serveData(rec, r, ep)
}

// wait pauses for d unless the client goes away or the API is aborted; it
// reports whether the full delay passed.
func (a *API) wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-a.quit:
		return false
	}
}
