package budget

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"siphon/ingest/httphdr"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func xrl(limit, remaining int64, reset time.Time) httphdr.RateLimit {
	return httphdr.RateLimit{Dialect: "x", Limit: limit, Remaining: remaining, Reset: reset}
}

// The window: the server's Remaining, less what went after the answered
// request, is what may still go; a spent window waits for its reset, and
// the next window starts with what is in flight counted against it.
func TestPolicyWindow(t *testing.T) {
	st := emptyState("o")
	first := take(&st, t0, 0, pace{})
	second := take(&st, t0, 1, pace{}) // sent before first's answer came
	if first.reason != goNow || second.reason != goNow || second.seq != first.seq+1 {
		t.Fatalf("take = %+v, %+v", first, second)
	}
	observe(&st, t0, first.seq, 0, xrl(5, 2, t0.Add(time.Second))) // 2 left when first came; second since
	if !st.Known || st.Avail != 1 {
		t.Fatalf("after observe: known %v avail %d, want 1", st.Known, st.Avail)
	}
	if v := take(&st, t0, 1, pace{}); v.reason != goNow {
		t.Fatalf("the last one: %+v", v)
	}
	if v := take(&st, t0, 2, pace{}); v.reason != windowSpent || !v.until.Equal(t0.Add(time.Second)) {
		t.Fatalf("spent: %+v, want a wait for the reset", v)
	}
	if v := take(&st, t0.Add(time.Second), 2, pace{}); v.reason != goNow || st.Avail != 5-2-1 {
		t.Fatalf("at the reset: %+v, avail %d, want 2 (5 less 2 in flight, less this one)", v, st.Avail)
	}
}

// Taking a place is not arriving: a request taken after another still in
// flight may reach the server first, and its Remaining does not count the
// earlier one yet. Two runs on one origin hit this (a 429 once in ~30 runs
// of TestSharedBudgetTwoRunsOneOrigin).
func TestPolicyEarlierArrivesLater(t *testing.T) {
	st := emptyState("o")
	first := take(&st, t0, 0, pace{})
	second := take(&st, t0, 1, pace{}) // taken while first is in flight
	// second reached the server first: 4 of 5 left, first not counted yet.
	observe(&st, t0, second.seq, 1, xrl(5, 4, t0.Add(time.Second)))
	if !st.Known || st.Avail != 3 {
		t.Fatalf("after second's answer: known %v avail %d, want 3 (first still to come)", st.Known, st.Avail)
	}
	if v := take(&st, t0, 1, pace{}); v.reason != goNow || first.seq == 0 {
		t.Fatalf("third: %+v", v)
	}
}

// Resets within sameWindow name one window (the smaller Remaining wins);
// an answer from a window that rolled over is stale and changes nothing.
func TestPolicyOneTolerance(t *testing.T) {
	st := emptyState("o")
	reset := t0.Add(time.Second)
	observe(&st, t0, 0, 0, xrl(10, 4, reset))
	observe(&st, t0, 0, 0, xrl(10, 6, reset.Add(sameWindow-time.Nanosecond)))
	if st.Avail != 4 {
		t.Errorf("same window: avail %d, want the smaller 4", st.Avail)
	}
	later := reset.Add(3 * sameWindow)
	observe(&st, t0, 0, 0, xrl(10, 7, later))
	if st.Avail != 7 || !st.Reset.Equal(later) {
		t.Errorf("a later window: avail %d reset %s, want 7 and the new reset", st.Avail, st.Reset)
	}
	take(&st, later, 0, pace{}) // rolls over: 10, less this one
	observe(&st, later, 0, 0, xrl(10, 0, later))
	if !st.Known || st.Avail != 9 {
		t.Errorf("a stale answer changed the window: known %v avail %d", st.Known, st.Avail)
	}
	observe(&st, t0, 0, 0, xrl(10, 3, time.Time{}))
	if st.Known {
		t.Error("an answer without a reset should stop the counting (a spent window would stall)")
	}
}

// Without a reset, a spent window waits for an answer in flight, and goes
// on when none is.
func TestPolicySpentWithoutReset(t *testing.T) {
	st := emptyState("o")
	st.Known, st.Limit, st.Avail = true, 5, 0
	if v := take(&st, t0, 1, pace{}); v.reason != awaitAnswer {
		t.Errorf("with one in flight: %+v", v)
	}
	if v := take(&st, t0, 0, pace{}); v.reason != goNow || st.Known {
		t.Errorf("with none in flight: %+v, known %v", v, st.Known)
	}
}

// A hold stops everyone until its end; a shorter one does not shorten it;
// one that is over is dropped. A reset over holdBound away with nothing
// left becomes a long hold.
func TestPolicyHolds(t *testing.T) {
	st := emptyState("o")
	holdUntil(&st, t0, t0.Add(3*time.Second), "Retry-After 3")
	holdUntil(&st, t0, t0.Add(time.Second), "Retry-After 1")
	if v := take(&st, t0.Add(2*time.Second), 0, pace{}); v.reason != heldBack || !v.until.Equal(t0.Add(3*time.Second)) || st.Hold.long() {
		t.Errorf("held: %+v, hold %+v", v, st.Hold)
	}
	if v := take(&st, t0.Add(3*time.Second), 0, pace{}); v.reason != goNow || st.Hold != nil {
		t.Errorf("at its end: %+v, hold %+v", v, st.Hold)
	}
	h := observe(&st, t0, 0, 0, xrl(5000, 0, t0.Add(2*holdBound)))
	if h == nil || !h.long() || st.Known {
		t.Errorf("a day's quota spent: hold %+v, known %v", h, st.Known)
	}
	if again := observe(&st, t0, 0, 0, xrl(5000, 0, t0.Add(2*holdBound))); again != nil {
		t.Error("the same hold was set twice")
	}
}

// The shared pace lets burst requests go at once, then one an interval.
func TestPolicyPace(t *testing.T) {
	st := emptyState("o")
	p := pace{rate: 10, burst: 2}
	for i, want := range []reason{goNow, goNow, clientPace} {
		if v := take(&st, t0, 0, p); v.reason != want {
			t.Fatalf("request %d: %+v", i+1, v)
		}
	}
	if v := take(&st, t0.Add(100*time.Millisecond), 0, p); v.reason != goNow {
		t.Errorf("an interval later: %+v", v)
	}
}

// A Retry-After one profile receives holds another profile on the origin
// in the same process.
func TestHoldStopsEveryMember(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewRegistry("").For("http://api.test:80")
		a, b := s.Join(Config{Profile: "a"}), s.Join(Config{Profile: "b"})
		start := time.Now()
		a.Hold(start.Add(3*time.Second), "Retry-After 3")
		tk, err := b.Acquire(context.Background(), Listener{})
		if err != nil {
			t.Fatal(err)
		}
		b.Release(tk)
		if waited := time.Since(start); waited != 3*time.Second {
			t.Errorf("b went after %s, want 3s", waited)
		}
	})
}

// Two registries on one folder are two processes: a hold one sets, and a
// window one spent, hold the other.
func TestFileStoreHoldsAnotherProcess(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		const origin = "http://api.test:80"
		a := NewRegistry(dir).For(origin).Join(Config{Profile: "a"})
		b := NewRegistry(dir).For(origin).Join(Config{Profile: "b"})
		start := time.Now()
		a.Hold(start.Add(3*time.Second), "Retry-After 3")
		tk, err := b.Acquire(context.Background(), Listener{})
		if err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited != 3*time.Second {
			t.Errorf("hold: b went after %s, want 3s", waited)
		}
		b.Observe(tk, xrl(10, 0, time.Now().Add(2*time.Second)))
		b.Release(tk)
		start = time.Now()
		tk, err = a.Acquire(context.Background(), Listener{})
		if err != nil {
			t.Fatal(err)
		}
		a.Release(tk)
		if waited := time.Since(start); waited != 2*time.Second {
			t.Errorf("spent window: a went after %s, want 2s", waited)
		}
		if sh := NewRegistry(dir).For(origin).Share(); sh.Origin != origin {
			t.Errorf("share %+v", sh)
		}
	})
}
