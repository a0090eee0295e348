package budget

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"siphon/ingest/httphdr"
)

// Config is what one member (a profile's client) brings to its origin's
// budget.
type Config struct {
	Profile           string
	RequestsPerSecond float64 // rate_limit; 0: none
	Burst             int
	IgnoreHeaders     bool          // do not pace by the server's headers
	MaxWait           time.Duration // a longer wait is an error (retry.max_retry_after)
}

// Listener hears what a member's requests wait for. Any func may be nil.
type Listener struct {
	Wait  func(until time.Time, wait time.Duration, why string) // told before a wait starts
	Warn  func(what string)                                     // a state file needed attention
	Sleep func()                                                // before every sleep, told by Wait or too short to tell
}

func (l Listener) wait(until time.Time, d time.Duration, why string) {
	if l.Wait != nil {
		l.Wait(until, d, why)
	}
}

func (l Listener) sleep() {
	if l.Sleep != nil {
		l.Sleep()
	}
}

func (l Listener) warn(notes []string) {
	for _, n := range notes {
		if l.Warn != nil {
			l.Warn(n)
		}
	}
}

// Member is one profile's part of an origin's budget, shared by every
// worker of its runs (all partitions). On top of the origin's window,
// holds and pace it keeps its own client-side rate (a shard's share of
// rate_limit) and the rate it learned from 429s without Retry-After.
type Member struct {
	s       *Shared
	cfg     Config
	learned learned

	mu       sync.Mutex
	limiter  *rate.Limiter // nil: no own rate
	rps      float64
	sent     int64
	inflight int64
	limit    int64 // the server's window as last announced; -1: unknown
}

// Join makes a member of the origin's budget.
func (s *Shared) Join(cfg Config) *Member {
	m := &Member{s: s, cfg: cfg, limit: -1}
	m.learned.ceiling = cfg.RequestsPerSecond
	m.setRate(cfg.RequestsPerSecond)
	return m
}

// Ticket is one request's place in the budget, from Acquire to Release.
type Ticket struct {
	seq      uint64
	released bool
}

// Acquire waits until a request may go and returns its ticket; Release it
// when the request is over. It fails when ctx ends, when the wait is
// longer than MaxWait, or when the state file is refused.
func (m *Member) Acquire(ctx context.Context, l Listener) (*Ticket, error) {
	if err := m.waitLearned(ctx, l); err != nil {
		return nil, err
	}
	t, err := m.s.take(ctx, m, l)
	if err != nil {
		return nil, err
	}
	if err := m.waitOwnRate(ctx, l); err != nil {
		m.Release(t)
		return nil, err
	}
	m.learned.noteSent(time.Now())
	return t, nil
}

// take waits for the origin's budget and takes a place in it.
func (s *Shared) take(ctx context.Context, m *Member, l Listener) (*Ticket, error) {
	var told time.Time // the wait last reported, so a wake-up does not report it again
	for {
		s.mu.Lock()
		s.join(m.cfg)
		s.taking = takeState{}
		notes, err := s.store.update(s.takeOp)
		v, h, st := s.taking.v, s.taking.h, s.taking.st
		notes, s.pending = append(s.pending, notes...), nil
		var t *Ticket
		if err == nil && v.reason == goNow {
			t = &Ticket{seq: v.seq}
			if s.awaiting == nil {
				s.awaiting = map[uint64]struct{}{}
			}
			s.awaiting[v.seq] = struct{}{}
			s.inflight++
			s.sent[m.cfg.Profile]++
			m.mu.Lock()
			m.sent++
			m.inflight++
			m.mu.Unlock()
		}
		var changed <-chan struct{}
		if err == nil && v.reason != goNow {
			changed = s.watch() // it sleeps below
		}
		now := time.Now()
		why := s.why(v.reason, &st, &h, now)
		s.mu.Unlock()
		l.warn(notes)
		if err != nil {
			return nil, err
		}
		wait := v.until.Sub(now)
		switch v.reason {
		case goNow:
			return t, nil
		case awaitAnswer:
			// Another process's answers do not wake this one: look again soon.
			wait = awaitPoll
		case heldBack:
			if max := m.cfg.MaxWait; max > 0 && wait > max {
				if h.long() {
					return nil, fmt.Errorf("%s. That is more than retry.max_retry_after (%s), so this run stops; runs on %s go on by themselves after %s. To go on sooner (say the quota was raised), run: siphon budget clear %s",
						why, max, s.origin, h.Until.Format(time.RFC3339), s.origin)
				}
				return nil, fmt.Errorf("%s: the wait is %s, more than retry.max_retry_after (%s)", why, wait.Round(time.Second), max)
			}
			if h.long() {
				why += "; waiting for it ('siphon budget clear " + s.origin + "' ends it sooner)"
			}
			if wait > 0 && !v.until.Equal(told) {
				l.wait(v.until, wait, why)
				told = v.until
			}
			wait = min(wait, holdPoll) // look again now and then: 'siphon budget clear' may end it
		case windowSpent, clientPace:
			if max := m.cfg.MaxWait; max > 0 && wait > max {
				return nil, fmt.Errorf("%s: the reset is %s away, more than retry.max_retry_after (%s)", why, wait.Round(time.Second), max)
			}
			if wait > 0 && !v.until.Equal(told) && (v.reason == windowSpent || wait >= tellAfter) {
				l.wait(v.until, wait, why)
				told = v.until
			}
		}
		if wait > 0 {
			l.sleep()
		}
		if err := sleepOrWake(ctx, wait, changed); err != nil {
			return nil, err
		}
	}
}

// takeState is what take's update of the state decided, and saw.
type takeState struct {
	v  verdict
	h  hold
	st state
}

// takeUpdate is take's change to the state, made once per Shared (as
// takeOp) so that a request's update allocates no closure. Call with mu
// held.
func (s *Shared) takeUpdate(cur *state, now time.Time) {
	s.taking.v = take(cur, now, s.inflight, s.pace)
	if s.taking.v.reason == heldBack {
		s.taking.h = *cur.Hold
	}
	s.taking.st = *cur
}

const (
	// holdPoll is how often a run waiting out a hold reads the state
	// again, to see it cleared.
	holdPoll = time.Second
	// awaitPoll is how often a run waiting for an answer in flight looks
	// again: another process's answer wakes nothing here.
	awaitPoll = 50 * time.Millisecond
	// tellAfter: shorter waits for a client-side rate are not news.
	tellAfter = 100 * time.Millisecond
)

// why says why take waits. Call with mu held.
func (s *Shared) why(r reason, st *state, h *hold, now time.Time) string {
	switch r {
	case heldBack:
		return s.holdText(h, now)
	case windowSpent:
		what := "0 of %d left"
		if s.inflight > 0 {
			what = "the last of %d are in flight"
		}
		return fmt.Sprintf("server rate limit: "+what+" (%s headers), resets at %s, for every run on %s%s", st.Limit, orDash(st.Dialect), st.Reset.Format("15:04:05"), s.origin, s.sharedThrough())
	case clientPace:
		return fmt.Sprintf("client budget of %g requests/s, shared by every run on %s", s.pace.rate, s.origin)
	}
	return ""
}

// sleepOrWake waits d, or until changed is closed or ctx ends.
func sleepOrWake(ctx context.Context, d time.Duration, changed <-chan struct{}) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-changed:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// waitLearned waits for the learned rate, if there is one.
func (m *Member) waitLearned(ctx context.Context, l Listener) error {
	lim, rps := m.learned.limiter()
	return waitLimiter(ctx, lim, l, func() string {
		return "learned budget of " + formatRate(rps) + " (after a 429 without Retry-After)"
	})
}

// waitOwnRate waits for the member's own client-side rate.
func (m *Member) waitOwnRate(ctx context.Context, l Listener) error {
	m.mu.Lock()
	lim, rps := m.limiter, m.rps
	m.mu.Unlock()
	return waitLimiter(ctx, lim, l, func() string { return fmt.Sprintf("client budget of %g requests/s", rps) })
}

// waitLimiter waits for lim (nil: none); why words a wait worth telling.
func waitLimiter(ctx context.Context, lim *rate.Limiter, l Listener, why func() string) error {
	if lim == nil {
		return nil
	}
	res := lim.Reserve()
	wait := res.Delay()
	if wait <= 0 {
		return nil
	}
	if wait >= tellAfter {
		l.wait(time.Now().Add(wait), wait, why())
	}
	l.sleep()
	if err := sleepOrWake(ctx, wait, nil); err != nil {
		res.Cancel()
		return err
	}
	return nil
}

// Observe reconciles the origin's budget with what the response to t's
// request said in its rate-limit headers. It returns a warning for a
// person when the server asked for a wait long enough to become a hold.
func (m *Member) Observe(t *Ticket, rl httphdr.RateLimit) (warning string) {
	if m.cfg.IgnoreHeaders {
		return ""
	}
	if rl.Limit >= 0 {
		m.mu.Lock()
		m.limit = rl.Limit
		m.mu.Unlock()
	}
	var seq uint64
	if t != nil {
		seq = t.seq
	}
	s := m.s
	s.mu.Lock()
	defer s.mu.Unlock()
	// This process's requests that took their place before t's and have no
	// answer yet may reach the server after it: its Remaining misses them.
	var earlier int64
	if t != nil {
		delete(s.awaiting, seq)
		for q := range s.awaiting {
			if q < seq {
				earlier++
			}
		}
	}
	defer s.wake()
	s.store.share()
	var set *hold
	var at time.Time
	notes, _ := s.store.update(func(st *state, now time.Time) { // a refused file is the next Acquire's error
		set, at = observe(st, now, seq, earlier, rl), now
	})
	s.pending = append(s.pending, notes...)
	if set == nil {
		return ""
	}
	return s.holdText(set, at) + ". 'siphon budget show " + s.origin + "' shows it; 'siphon budget clear " + s.origin + "' removes it"
}

// Hold makes every run on the origin, in this process and in those that
// share the state file, wait until until (a Retry-After).
func (m *Member) Hold(until time.Time, why string) {
	s := m.s
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.wake()
	s.store.share()
	notes, _ := s.store.update(func(st *state, now time.Time) { holdUntil(st, now, until, why) })
	s.pending = append(s.pending, notes...)
}

// Release ends a ticket's request: the response came (and was observed) or
// none will. Releasing twice, or nil, is harmless.
func (m *Member) Release(t *Ticket) {
	if t == nil {
		return
	}
	s := m.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.released {
		return
	}
	t.released = true
	delete(s.awaiting, t.seq)
	s.inflight--
	s.wake()
	m.mu.Lock()
	m.inflight--
	m.mu.Unlock()
}

// Throttled is told about a 429 without Retry-After: the learned rate
// halves once per episode. It returns the new rate and why, or 0.
func (m *Member) Throttled(now time.Time) (rps float64, why string) {
	return m.learned.throttled(now), "HTTP 429 without Retry-After: half the rate of the last second"
}

// Succeeded is told about a page that came: the learned rate grows back.
// It returns the new rate and why, or 0.
func (m *Member) Succeeded() (rps float64, why string) {
	return m.learned.succeeded(), grownWhy
}

// grownWhy says why the learned rate grew back.
var grownWhy = fmt.Sprintf("%d pages without a 429", growEvery)

// SetRate changes the member's own client-side rate and what its learned
// rate may grow to (a shard takes its share of rate_limit); 0 removes it.
// The origin's shared pace stays the profile's rate_limit.
func (m *Member) SetRate(rps float64) {
	m.setRate(rps)
	m.learned.setCeiling(rps)
}

func (m *Member) setRate(rps float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rps, m.limiter = rps, nil
	if rps > 0 {
		m.limiter = rate.NewLimiter(rate.Limit(rps), max(m.cfg.Burst, 1))
	}
}

// Begin and End bracket a run of the member, for Share's Live.
func (m *Member) Begin() { m.s.mu.Lock(); m.s.live[m.cfg.Profile]++; m.s.mu.Unlock() }

// End: see Begin.
func (m *Member) End() {
	m.s.mu.Lock()
	m.s.live[m.cfg.Profile]--
	m.s.wake()
	m.s.mu.Unlock()
}

// Stats are a member's counters now.
type Stats struct {
	Sent        int64   // requests let out since Join
	InFlight    int64   // requests sent and not yet answered
	Rate        float64 // the member's own client-side rate; 0: none
	ServerLimit int64   // the server's announced window size; -1: unknown
}

// Stats returns the member's counters.
func (m *Member) Stats() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return Stats{Sent: m.sent, InFlight: m.inflight, Rate: m.rps, ServerLimit: m.limit}
}
