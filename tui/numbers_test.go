package tui

import (
	"testing"
	"time"

	"siphon/ingest"
)

// A resumed run's rate counts only what it fetched: the records its
// checkpoint had do not arrive as a burst in the first window.
func TestResumedRateCountsOnlyThisRun(t *testing.T) {
	run := newFakeRun(ingest.Snapshot{Profile: "p", State: ingest.StateStarting, Started: t0})
	s := newRunSession(Profile{Name: "p"}, run, 1)
	s.refresh(t0) // before the walk read its checkpoint: 0 records
	run.snap.State, run.snap.Records = ingest.StateRunning, 10_000
	s.apply([]ingest.Event{ingest.Started{At: ingest.At{T: t0}, Resumed: true, FromPage: 100, Records: 10_000}})
	for i := 1; i <= 20; i++ { // 20 records a second for 2 s
		run.snap.Records = 10_000 + int64(i*2)
		s.refresh(t0.Add(time.Duration(i) * 100 * time.Millisecond))
	}
	if r := s.recordRate(t0.Add(2 * time.Second)); r < 19 || r > 21 {
		t.Errorf("rate after resume %v, want 20", r)
	}
	// Over: the run's average, not the idle window's 0.
	s.apply([]ingest.Event{ingest.Finished{At: ingest.At{T: t0.Add(4 * time.Second)}, Records: 10_080, Elapsed: 4 * time.Second}})
	s.ended = true
	if got := rateText(s, t0.Add(time.Minute)); got != "20 rec/s avg" {
		t.Errorf("ended rate %q, want 20 rec/s avg", got)
	}
}

// A failed run counts in the title's tally until its profile runs again.
func TestFailedCountsUntilRunAgain(t *testing.T) {
	var rs runSet
	failed := rs.add(Profile{Name: "p"}, newFakeRun(ingest.Snapshot{State: ingest.StateFailed}), t0)
	failed.ended, failed.snap.State = true, ingest.StateFailed
	if _, n := rs.counts(); n != 1 {
		t.Fatalf("failed %d, want 1", n)
	}
	again := rs.add(Profile{Name: "p"}, newFakeRun(ingest.Snapshot{State: ingest.StateDone}), t0)
	again.ended, again.snap.State = true, ingest.StateDone
	if got := rs.countsText(); got != "0 live" {
		t.Errorf("after the retry succeeded: %q", got)
	}
}

func TestCountdownShowsShortWaitsAsTheyAre(t *testing.T) {
	for _, tt := range []struct {
		left time.Duration
		want string
	}{{240 * time.Millisecond, "240ms"}, {1500 * time.Millisecond, "2s"}, {0, "0s"}} {
		if got := countdown(t0.Add(tt.left), t0); got != tt.want {
			t.Errorf("countdown(%v) = %q, want %q", tt.left, got, tt.want)
		}
	}
}
