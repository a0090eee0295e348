// Package budget decides when a request may go. One Budget is shared by
// every worker of a process (all partitions of a run), so they spend one
// allowance together: the client-side rate (rate_limit), the server's
// rate-limit headers, Retry-After pauses and, later, an adaptive rate.
//
// The server's headers are used in two ways. When a response says the
// budget is spent, every worker waits for the announced reset. And before
// that happens, no more requests are let out than the server's last known
// Remaining allows: a request takes a ticket before it is sent, and each
// response reconciles the count, so eight workers in flight cannot overrun
// the last few requests of a window.
package budget

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"siphon/ingest/httphdr"
)

// Config is what a Budget enforces.
type Config struct {
	RequestsPerSecond float64 // client-side rate; 0: none
	Burst             int
	IgnoreHeaders     bool          // do not pace by the server's headers
	MaxWait           time.Duration // a longer reset wait is an error (retry.max_retry_after)
}

// Notify is told about a wait before it starts, so a worker can say why it
// sleeps.
type Notify func(until time.Time, wait time.Duration, why string)

// Budget is shared by every worker that sends requests for one profile.
type Budget struct {
	cfg     Config
	limiter *rate.Limiter // nil: no client-side rate

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced whenever a waiter may go on
	holdUntil time.Time     // every worker waits until then (Retry-After, spent budget)
	holdWhy   string

	// The server's window as the responses describe it.
	known    bool      // avail means something
	avail    int64     // requests the server still allows in this window, ours in flight subtracted
	limit    int64     // the window's size; -1: unknown
	reset    time.Time // when the window ends; zero: unknown
	past     time.Time // the end of the last window that ended: answers from it are stale
	dialect  string
	seq      uint64 // requests sent so far, in sending order
	inflight int64
	sent     int64 // all requests let out, for the request rate
}

// New builds a Budget.
func New(cfg Config) *Budget {
	b := &Budget{cfg: cfg, changed: make(chan struct{}), limit: -1}
	b.SetRate(cfg.RequestsPerSecond)
	return b
}

// SetRate changes the client-side rate (a shard takes its share); 0 removes it.
func (b *Budget) SetRate(rps float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cfg.RequestsPerSecond = rps
	if rps <= 0 {
		b.limiter = nil
		return
	}
	b.limiter = rate.NewLimiter(rate.Limit(rps), max(b.cfg.Burst, 1))
}

// Rate is the client-side rate now in force; 0: none.
func (b *Budget) Rate() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cfg.RequestsPerSecond
}

// Ticket is one request's place in the budget, from Acquire to Release.
type Ticket struct {
	seq      uint64
	released bool
}

// wake lets every waiter look again. Call with mu held.
func (b *Budget) wake() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// Acquire waits until a request may go and returns its ticket; Release it
// when the request is over. It fails when ctx ends, or when the server's
// reset is further away than MaxWait.
func (b *Budget) Acquire(ctx context.Context, notify Notify) (*Ticket, error) {
	var told time.Time // the wait last reported, so a wake-up does not report it again
	for {
		b.mu.Lock()
		now := time.Now()
		if !b.reset.IsZero() && !now.Before(b.reset) {
			// A new window: what is still in flight may count against it.
			b.known = b.limit >= 0
			b.avail = b.limit - b.inflight
			b.past, b.reset = b.reset, time.Time{}
		}
		var until time.Time
		var why string
		wait := false
		switch {
		case b.holdUntil.After(now):
			until, why, wait = b.holdUntil, b.holdWhy, true
		case b.known && b.avail <= 0 && b.reset.IsZero():
			// Nothing says when the window ends: go on once a response has
			// said more, or at once when none is in flight.
			if b.inflight > 0 {
				wait = true
			} else {
				b.known = false
			}
		case b.known && b.avail <= 0:
			until, wait = b.reset, true
			why = fmt.Sprintf("server rate limit: 0 of %d left (%s headers), resets at %s", b.limit, b.dialect, b.reset.Format("15:04:05"))
			if b.inflight > 0 {
				why = fmt.Sprintf("server rate limit: the last of %d are in flight (%s headers), resets at %s", b.limit, b.dialect, b.reset.Format("15:04:05"))
			}
		}
		if !wait {
			b.seq++
			t := &Ticket{seq: b.seq}
			b.inflight++
			b.sent++
			if b.known {
				b.avail--
			}
			lim := b.limiter
			b.mu.Unlock()
			if err := b.clientRate(ctx, lim, notify); err != nil {
				b.Release(t)
				return nil, err
			}
			return t, nil
		}
		changed := b.changed
		b.mu.Unlock()
		if until.IsZero() {
			select {
			case <-changed:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		d := until.Sub(now)
		if b.cfg.MaxWait > 0 && d > b.cfg.MaxWait {
			return nil, fmt.Errorf("%s: the reset is %s away, more than retry.max_retry_after (%s)", why, d.Round(time.Second), b.cfg.MaxWait)
		}
		if notify != nil && !until.Equal(told) {
			notify(until, d, why)
			told = until
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-changed:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
		t.Stop()
	}
}

// clientRate waits for the client-side rate.
func (b *Budget) clientRate(ctx context.Context, lim *rate.Limiter, notify Notify) error {
	if lim == nil {
		return nil
	}
	res := lim.Reserve()
	wait := res.Delay()
	if wait <= 0 {
		return nil
	}
	if wait >= 100*time.Millisecond && notify != nil {
		notify(time.Now().Add(wait), wait, fmt.Sprintf("client budget of %g requests/s", float64(lim.Limit())))
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		res.Cancel()
		return ctx.Err()
	}
}

// Observe reconciles the budget with what a response's rate-limit headers
// say. The server counted t's request when it arrived, so the requests sent
// after it are not in its Remaining yet: they are subtracted.
func (b *Budget) Observe(t *Ticket, rl httphdr.RateLimit) {
	if b.cfg.IgnoreHeaders {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	defer b.wake()
	if rl.Limit >= 0 {
		b.limit = rl.Limit
	}
	b.dialect = rl.Dialect
	if rl.Remaining < 0 {
		return
	}
	if rl.Reset.IsZero() {
		// Without a reset a spent budget would stall: keep only counting.
		b.known = false
		b.reset = time.Time{}
		return
	}
	var after int64
	if t != nil {
		after = int64(b.seq - t.seq)
	}
	left := rl.Remaining - after
	// Resets read from seconds jitter a little from one response to the
	// next: within sameWindow they are one window.
	switch {
	case !rl.Reset.After(time.Now()), !rl.Reset.After(b.past.Add(sameWindow)), b.known && rl.Reset.Before(b.reset.Add(-sameWindow)):
		// An answer from a window that is over (a reset in the past reads
		// as now): what it says is about requests before the current window.
		return
	case b.known && rl.Reset.Before(b.reset.Add(sameWindow)):
		b.avail = min(b.avail, left)
		return
	default:
		b.avail = left
	}
	b.known, b.reset = true, rl.Reset
}

// sameWindow is how far apart two resets may be and still name one window.
const sameWindow = 250 * time.Millisecond

// Release ends a ticket's request: the response came (and was observed) or
// none will. Releasing twice is harmless.
func (b *Budget) Release(t *Ticket) {
	if t == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.released {
		return
	}
	t.released = true
	b.inflight--
	b.wake()
}

// HoldUntil makes every worker wait until the given time (a Retry-After).
func (b *Budget) HoldUntil(until time.Time, why string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if until.After(b.holdUntil) {
		b.holdUntil, b.holdWhy = until, why
	}
}

// Throttled is told about a 429 that came without Retry-After. It is the
// hook for an adaptive rate (slow down after such answers, speed up again
// while none come); today it does nothing.
func (b *Budget) Throttled() {}

// Stats are a budget's counters now.
type Stats struct {
	Sent        int64   // requests let out since New
	InFlight    int64   // requests sent and not yet answered
	Rate        float64 // the client-side rate; 0: none
	ServerLimit int64   // the server's announced window size; -1: unknown
}

// Stats returns the budget's counters.
func (b *Budget) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return Stats{Sent: b.sent, InFlight: b.inflight, Rate: b.cfg.RequestsPerSecond, ServerLimit: b.limit}
}
