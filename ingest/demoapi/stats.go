package demoapi

import (
	"maps"
	"net/http"
	"sync"
)

// StatsPath answers with the API's Stats as JSON.
const StatsPath = "/_stats"

// Stats counts what the API has done since it was built.
type Stats struct {
	Requests     int64         // every request, data or not
	ByStatus     map[int]int64 // responses sent, by status code (truncated and stalled ones count as 200)
	Resets       int64         // connections dropped without a response
	Truncations  int64         // bodies cut short
	Stalls       int64         // bodies that stopped part-way until the client left
	TooMany      int64         // 429s sent, by the rate limit or the 429 fault
	AuthFailures int64         // 401s sent

	// OAuth: token endpoint requests by supported grant_type, whatever
	// their outcome (a request with another grant_type is not counted here).
	TokenRequests     map[string]int64
	Refreshes         int64 // refresh_token grants that issued a token
	InvalidGrants     int64 // token requests refused with invalid_grant
	TokenAuthFailures int64 // data requests refused 401 for want of a valid access token (OAuth on)
}

// Stats returns a snapshot of the counters.
func (a *API) Stats() Stats {
	c := &a.stats
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{
		Requests:     c.requests,
		ByStatus:     maps.Clone(c.byStatus),
		Resets:       c.resets,
		Truncations:  c.truncations,
		Stalls:       c.stalls,
		TooMany:      c.byStatus[http.StatusTooManyRequests],
		AuthFailures: c.byStatus[http.StatusUnauthorized],

		TokenRequests:     maps.Clone(c.tokenRequests),
		Refreshes:         c.refreshes,
		InvalidGrants:     c.invalidGrants,
		TokenAuthFailures: c.tokenAuthFailures,
	}
}

type statsCounter struct {
	mu                          sync.Mutex
	requests                    int64
	byStatus                    map[int]int64
	resets, truncations, stalls int64

	tokenRequests                               map[string]int64
	refreshes, invalidGrants, tokenAuthFailures int64
}

// sent records a response's status. It runs before the client can see the
// response, so a client that has read one finds it counted.
func (c *statsCounter) sent(status int) {
	c.mu.Lock()
	if c.byStatus == nil {
		c.byStatus = make(map[int]int64)
	}
	c.byStatus[status]++
	c.mu.Unlock()
}

// tokenRequest counts a token request under its grant type, if supported.
func (c *statsCounter) tokenRequest(grant string) {
	switch grant {
	case GrantClientCredentials, GrantRefreshToken, GrantAuthorizationCode:
	default:
		return // client input: keep the map's keys to the known few
	}
	c.mu.Lock()
	if c.tokenRequests == nil {
		c.tokenRequests = make(map[string]int64)
	}
	c.tokenRequests[grant]++
	c.mu.Unlock()
}

func (c *statsCounter) count(n *int64) {
	c.mu.Lock()
	*n++
	c.mu.Unlock()
}

// statusRecorder counts the status sent. Unwrap lets
// http.ResponseController reach the real writer to flush and hijack.
type statusRecorder struct {
	http.ResponseWriter
	stats *statsCounter
	sent  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.sent {
		r.sent = true
		r.stats.sent(code)
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if !r.sent {
		r.WriteHeader(http.StatusOK)
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
