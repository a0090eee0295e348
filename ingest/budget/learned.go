package budget

import (
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// learned is the client-side rate a member learns from 429s that come
// without Retry-After (an undeclared limit, Airtable's lock-out): each such
// episode halves the request rate seen over the last second, and every
// growEvery successes after it add 10%, never above the ceiling (the
// profile's rate_limit, or a shard's share of it). A run so settles just
// under the limit instead of hammering it.
type learned struct {
	mu      sync.Mutex
	lim     *rate.Limiter // nil until the first halving
	rps     float64
	sent    [64]time.Time // the latest sends, a ring
	next    int
	streak  int  // successes since the last change
	halved  bool // halved since the last success: one halving per episode
	ceiling float64
}

const (
	growEvery  = 20       // successes per 10% of growth
	minLearned = 1.0 / 60 // one request a minute: per-minute limits exist
)

// noteSent records a request going out.
func (l *learned) noteSent(t time.Time) {
	l.mu.Lock()
	l.sent[l.next%len(l.sent)] = t
	l.next++
	l.mu.Unlock()
}

// throttled halves the rate after a 429 without Retry-After. It returns
// the new rate, or 0 when it did not change (already halved in this
// episode).
func (l *learned) throttled(t time.Time) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.halved {
		return 0
	}
	seen := 0
	for _, s := range l.sent {
		if !s.IsZero() && t.Sub(s) <= time.Second {
			seen++
		}
	}
	r := float64(max(seen, 1))
	if l.lim != nil {
		r = min(r, l.rps)
	}
	if l.ceiling > 0 {
		r = min(r, l.ceiling)
	}
	l.set(max(r/2, minLearned))
	l.halved, l.streak = true, 0
	return l.rps
}

// succeeded notes a page that came; every growEvery of them grow the rate
// by 10%. It returns the new rate, or 0 when it did not change.
func (l *learned) succeeded() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.halved = false
	if l.lim == nil {
		return 0
	}
	l.streak++
	if l.streak < growEvery {
		return 0
	}
	l.streak = 0
	r := l.rps * 1.1
	if l.ceiling > 0 && r >= l.ceiling {
		r = l.ceiling
	}
	if r == l.rps {
		return 0
	}
	l.set(r)
	return r
}

func (l *learned) set(r float64) {
	l.rps = r
	if l.lim == nil {
		l.lim = rate.NewLimiter(rate.Limit(r), 1)
		return
	}
	l.lim.SetLimit(rate.Limit(r))
}

// setCeiling caps what the learned rate may grow to.
func (l *learned) setCeiling(rps float64) {
	l.mu.Lock()
	l.ceiling = rps
	l.mu.Unlock()
}

// limiter is the learned rate, nil while there is none.
func (l *learned) limiter() (*rate.Limiter, float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lim, l.rps
}

// formatRate prints a rate the way people read it: 2.5/s, 30/min.
func formatRate(rps float64) string {
	if rps < 1 {
		return fmt.Sprintf("%.3g/min", rps*60)
	}
	return fmt.Sprintf("%.3g/s", rps)
}
