package budget

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"siphon/ingest/httphdr"
)

// Eight workers against a server that says 3 requests are left until its
// reset: 3 go at once, the other 5 only after the reset, whatever order
// the answers come in.
func TestInFlightNeverOverrunsRemaining(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newMember(Config{})
		start := time.Now()
		first, err := b.Acquire(context.Background(), Listener{})
		if err != nil {
			t.Fatal(err)
		}
		b.Observe(first, httphdr.RateLimit{Dialect: "x", Limit: 10, Remaining: 3, Reset: start.Add(time.Second)})
		b.Release(first)

		var before atomic.Int64
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				tk, err := b.Acquire(context.Background(), Listener{})
				if err != nil {
					t.Error(err)
					return
				}
				if time.Since(start) < time.Second {
					before.Add(1)
				}
				// Hold the ticket past the reset: in flight, unanswered.
				time.Sleep(1500 * time.Millisecond)
				b.Release(tk)
			})
		}
		wg.Wait()
		if got := before.Load(); got != 3 {
			t.Errorf("%d requests went before the reset, want 3", got)
		}
	})
}

// A Retry-After hold stops every worker until it ends, and the wait is
// reported once with its reason.
func TestHoldStopsEveryWorker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newMember(Config{})
		start := time.Now()
		b.Hold(start.Add(7*time.Second), "Retry-After 7")
		var told []string
		var mu sync.Mutex
		notify := func(_ time.Time, _ time.Duration, why string) { mu.Lock(); told = append(told, why); mu.Unlock() }
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				tk, err := b.Acquire(context.Background(), Listener{Wait: notify})
				if err != nil {
					t.Error(err)
					return
				}
				if waited := time.Since(start); waited < 7*time.Second {
					t.Errorf("went after %s, want 7s", waited)
				}
				b.Release(tk)
			})
		}
		wg.Wait()
		if len(told) != 3 || told[0] != "Retry-After 7" {
			t.Errorf("told %q, want each worker told the reason once", told)
		}
	})
}

// A reset further away than MaxWait is an error that says so, not a sleep;
// a cancelled context ends a wait at once.
func TestLongResetAndCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newMember(Config{MaxWait: time.Minute})
		tk, _ := b.Acquire(context.Background(), Listener{})
		b.Observe(tk, httphdr.RateLimit{Dialect: "x", Limit: 5, Remaining: 0, Reset: time.Now().Add(time.Hour)})
		b.Release(tk)
		b.Release(tk) // twice is harmless
		if _, err := b.Acquire(context.Background(), Listener{}); err == nil || !strings.Contains(err.Error(), "max_retry_after") {
			t.Errorf("got %v, want the reset named too far", err)
		}

		b = newMember(Config{})
		tk, _ = b.Acquire(context.Background(), Listener{})
		b.Observe(tk, httphdr.RateLimit{Dialect: "x", Limit: 5, Remaining: 0, Reset: time.Now().Add(30 * time.Second)})
		b.Release(tk)
		ctx, cancel := context.WithCancel(context.Background())
		go func() { time.Sleep(time.Second); cancel() }()
		start := time.Now()
		if _, err := b.Acquire(ctx, Listener{}); !errors.Is(err, context.Canceled) || time.Since(start) != time.Second {
			t.Errorf("got %v after %s, want cancelled after 1s", err, time.Since(start))
		}
	})
}

// The client-side rate spaces requests out, and a shard's share (SetRate)
// replaces it.
func TestClientRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newMember(Config{RequestsPerSecond: 10, Burst: 1})
		b.SetRate(5)
		start := time.Now()
		for range 6 {
			tk, err := b.Acquire(context.Background(), Listener{})
			if err != nil {
				t.Fatal(err)
			}
			b.Release(tk)
		}
		if took := time.Since(start); took != time.Second {
			t.Errorf("6 requests at 5/s took %s, want 1s", took)
		}
		if s := b.Stats(); s.Sent != 6 || s.InFlight != 0 || s.Rate != 5 {
			t.Errorf("stats %+v", s)
		}
	})
}

// newMember is a member of a budget of its own, as a client without
// WithBudgets has.
func newMember(cfg Config) *Member { return NewRegistry("").For("http://api.test:80").Join(cfg) }
