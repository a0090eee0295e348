package apitest

import (
	"maps"
	"net/http"
	"sync"
)

// Stats counts what the API has done since it was built.
type Stats struct {
	Requests     int64         // every request, data or not
	ByStatus     map[int]int64 // responses sent, by status code (truncated and stalled ones count as 200)
	Resets       int64         // connections dropped without a response
	Truncations  int64         // bodies cut short
	Stalls       int64         // bodies that stopped part-way until the client left
	TooMany      int64         // 429s sent, by the rate limit or the 429 fault
	AuthFailures int64         // 401s sent
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
	}
}

type statsCounter struct {
	mu                          sync.Mutex
	requests                    int64
	byStatus                    map[int]int64
	resets, truncations, stalls int64
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
