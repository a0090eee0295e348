package ingest

import (
	"context"
	"sync"
	"time"
)

// attemptClock bounds a walk's requests by the profile's timeout with one
// timer and one cancellable context for the whole walk, where
// context.WithTimeout would start and stop a timer, and register and
// remove a context, for every request. A timer started when none is
// waiting wakes the runtime's network poller (another thread) to take it
// into account: at ten records a page that was a wake-up and a few
// microseconds of CPU a page. The walk's timer is armed at most once per
// timeout: when it fires before the request in flight is due, it is armed
// again for the rest. The attempts share a context until one of them runs
// out of time: that one is cancelled, and the next attempt gets a new one.
// An attempt that ended is done with its context: nothing it started
// outlives it (the body is closed before it returns).
//
// Only the walk's goroutine begins attempts; the timer's function runs on
// its own goroutine.
type attemptClock struct {
	mu       sync.Mutex
	timer    *time.Timer // nil until the first attempt
	armed    bool        // the timer will fire, at or before due
	due      time.Time   // the attempt in flight's deadline
	inFlight bool
	stopped  bool
	// shared is the attempts' context while none timed out, made from
	// parent; cancel cancels it.
	shared context.Context
	parent context.Context
	cancel context.CancelCauseFunc
	endFn  func() // c.end as a func value, made once: making it allocates
}

// attemptCtx is an attempt's context: cancelled by the clock at its
// deadline, when it reads as context.WithTimeout's does (Err is
// context.DeadlineExceeded, and so is its cause).
type attemptCtx struct {
	context.Context // a context.WithCancelCause of the walk's
	due             time.Time
}

// Deadline is the attempt's, or the walk's when that comes first, as
// context.WithTimeout's would be.
func (a *attemptCtx) Deadline() (time.Time, bool) {
	if d, ok := a.Context.Deadline(); ok && d.Before(a.due) {
		return d, true
	}
	return a.due, true
}

func (a *attemptCtx) Err() error {
	err := a.Context.Err()
	if err != nil && context.Cause(a.Context) == context.DeadlineExceeded {
		return context.DeadlineExceeded
	}
	return err
}

// begin starts an attempt bounded by timeout; end (the func returned)
// ends it.
func (c *attemptClock) begin(parent context.Context, timeout time.Duration) (context.Context, func()) {
	due := time.Now().Add(timeout)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.shared == nil || c.parent != parent {
		if c.cancel != nil {
			c.cancel(context.Canceled) // let go of the last parent
		}
		c.shared, c.cancel = context.WithCancelCause(parent)
		c.parent = parent
	}
	c.due, c.inFlight = due, true
	switch {
	case c.timer == nil:
		c.timer = time.AfterFunc(timeout, c.fire)
		c.armed = true
	case !c.armed:
		c.timer.Reset(timeout)
		c.armed = true
	}
	if c.endFn == nil {
		c.endFn = c.end
	}
	return &attemptCtx{Context: c.shared, due: due}, c.endFn
}

// end ends the attempt in flight.
func (c *attemptClock) end() {
	c.mu.Lock()
	c.inFlight = false
	c.mu.Unlock()
}

// fire cancels the attempt in flight if it is due, or arms the timer
// again for when it will be.
func (c *attemptClock) fire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.armed = false
	if !c.inFlight || c.stopped {
		return // no attempt in flight: the next arms the timer
	}
	if left := time.Until(c.due); left > 0 {
		c.timer.Reset(left)
		c.armed = true
		return
	}
	c.cancel(context.DeadlineExceeded)
	c.shared = nil // the next attempt gets a context of its own
}

// stop stops the timer: the walk is over.
func (c *attemptClock) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	if c.timer != nil {
		c.timer.Stop()
	}
	if c.cancel != nil {
		c.cancel(context.Canceled)
	}
}
