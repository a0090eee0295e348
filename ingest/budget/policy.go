package budget

import (
	"fmt"
	"time"

	"siphon/ingest/httphdr"
)

// The policy: pure functions of a state and a time. Every decision about
// the server's window, holds and the shared pace is made here, so it is the
// same whether the state lives in this process or in a state file.

// state is one origin's budget as every sharer sees it: what a state file
// holds, and what the in-memory store keeps.
type state struct {
	Origin  string               `json:"origin"`
	Known   bool                 `json:"known"`     // Avail means something
	Limit   int64                `json:"limit"`     // the server's window; -1: unknown
	Avail   int64                `json:"available"` // left in the window, requests sent since subtracted
	Reset   time.Time            `json:"reset"`     // the window's end; zero: unknown
	Over    time.Time            `json:"over"`      // the end of the last window that rolled over: older answers are stale
	Seq     uint64               `json:"seq"`       // requests sent so far by everyone sharing it
	Next    time.Time            `json:"next"`      // shared client-side pace: when the next request is due
	Procs   map[string]time.Time `json:"processes"` // process → its last request, to tell others share it
	Dialect string               `json:"dialect,omitempty"`
	Hold    *hold                `json:"hold,omitempty"` // no request goes out until it ends or is cleared
}

func emptyState(origin string) state { return state{Origin: origin, Limit: -1} }

// hold is a wait every sharer obeys: a Retry-After, or a reset so far away
// (over holdBound) that it is kept, shown by 'siphon budget show' and
// cleared by 'siphon budget clear' rather than waited out silently.
type hold struct {
	Until time.Time `json:"until"`
	Since time.Time `json:"since"` // when it was set
	Why   string    `json:"why"`
}

// long says whether the hold is one a person should see and may clear.
func (h *hold) long() bool { return h.Until.Sub(h.Since) > holdBound }

const (
	// sameWindow is the one tolerance of the window model: two resets this
	// close name one window (a reset read from epoch seconds is off by
	// float rounding).
	sameWindow = 10 * time.Millisecond

	// holdBound is the longest reset every run obeys as a matter of
	// course. A longer one (a daily quota spent, or a wrong header) becomes
	// a long hold. A window reset further away than this in a state file is
	// not believed.
	holdBound = time.Hour

	// holdMax bounds a hold read from a state file: no server reset is
	// believed further away than httphdr.MaxResetAhead.
	holdMax = httphdr.MaxResetAhead + time.Minute

	// procFresh is how long another process counts as sharing after its
	// last request.
	procFresh = 5 * time.Second
)

// pace is the client-side rate shared by every sharer of an origin.
type pace struct {
	rate  float64 // requests per second; 0: none
	burst int
}

// reason is why take said to wait.
type reason int

const (
	goNow       reason = iota
	heldBack           // a hold: until its end
	windowSpent        // the server's window is spent: until its reset
	awaitAnswer        // spent, no reset known, requests in flight: until an answer says more
	clientPace         // the shared client-side rate: until the next slot
)

// verdict is take's answer.
type verdict struct {
	reason reason
	until  time.Time // zero for goNow and awaitAnswer
	seq    uint64    // goNow: the request's place in Seq
}

// take decides whether one more request may go at now, inflight of this
// process's requests being unanswered. When it may, the request is
// counted: it takes a place in Seq, one of the window's Avail and the
// pace's next slot.
func take(st *state, now time.Time, inflight int64, p pace) verdict {
	if h := st.Hold; h != nil && now.Before(h.Until) {
		return verdict{reason: heldBack, until: h.Until}
	}
	st.Hold = nil
	if !st.Reset.IsZero() && !now.Before(st.Reset) {
		// A new window: what is still in flight may count against it.
		st.Known, st.Avail = st.Limit >= 0, st.Limit-inflight
		st.Over, st.Reset = st.Reset, time.Time{}
	}
	switch {
	case st.Known && st.Avail <= 0 && st.Reset.IsZero():
		if inflight > 0 {
			return verdict{reason: awaitAnswer}
		}
		st.Known = false // nothing will say more: go on
	case st.Known && st.Avail <= 0:
		return verdict{reason: windowSpent, until: st.Reset}
	}
	if p.rate > 0 {
		interval := time.Duration(float64(time.Second) / p.rate)
		next := st.Next
		if next.Before(now) {
			next = now
		}
		if late := next.Sub(now) - time.Duration(max(p.burst, 1)-1)*interval; late > 0 {
			return verdict{reason: clientPace, until: now.Add(late)}
		}
		st.Next = next.Add(interval)
	}
	st.Seq++
	if st.Known {
		st.Avail--
	}
	return verdict{reason: goNow, seq: st.Seq}
}

// observe reconciles the state with a response's rate-limit headers. The
// server counted the request of place seq (0: unknown) when it came, so
// the requests sent after it by any sharer are not in its Remaining yet:
// they are subtracted. So are earlier (this process's requests with a
// smaller place, still unanswered): taking a place is not arriving, and
// one of them may reach the server after it. It returns the long hold it
// set, if it set one.
func observe(st *state, now time.Time, seq uint64, earlier int64, rl httphdr.RateLimit) *hold {
	if rl.Limit >= 0 {
		st.Limit = rl.Limit
	}
	st.Dialect = rl.Dialect
	if rl.Remaining < 0 {
		return nil
	}
	if rl.Reset.IsZero() {
		st.Known, st.Reset = false, time.Time{} // no reset: a spent budget would stall
		return nil
	}
	var after int64
	if seq > 0 && st.Seq >= seq {
		after = int64(st.Seq - seq)
	}
	left := rl.Remaining - after - max(earlier, 0)
	if rl.Reset.Sub(now) > holdBound {
		// Not a window to pace by: a spent one is a hold, shown and
		// clearable, not a silent wait of hours.
		st.Known, st.Reset = false, time.Time{}
		if left > 0 || (st.Hold != nil && sameReset(st.Hold.Until, rl.Reset)) {
			return nil
		}
		st.Hold = &hold{Until: rl.Reset, Since: now,
			Why: fmt.Sprintf("%s headers: %d of %s left", orDash(rl.Dialect), max(rl.Remaining, 0), limitText(rl.Limit))}
		return st.Hold
	}
	switch {
	case !rl.Reset.After(now), !rl.Reset.After(st.Over.Add(sameWindow)), st.Known && rl.Reset.Before(st.Reset.Add(-sameWindow)):
		return nil // from a window that is over
	case st.Known && sameReset(rl.Reset, st.Reset):
		st.Avail = min(st.Avail, left)
	default:
		st.Avail = left
	}
	st.Known, st.Reset = true, rl.Reset
	return nil
}

// holdUntil makes every sharer wait until until (a Retry-After); a later
// hold already set stays.
func holdUntil(st *state, now, until time.Time, why string) {
	if st.Hold == nil || until.After(st.Hold.Until) || !now.Before(st.Hold.Until) {
		st.Hold = &hold{Until: until, Since: now, Why: why}
	}
}

func sameReset(a, b time.Time) bool {
	d := a.Sub(b)
	return d > -sameWindow && d < sameWindow
}

func limitText(n int64) string {
	if n < 0 {
		return "?"
	}
	return fmt.Sprint(n)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
