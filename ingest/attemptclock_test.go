package ingest

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// TestAttemptClock: the walk's one timer bounds every attempt by its own
// deadline, as context.WithTimeout would: an attempt begun while the timer
// is armed for an earlier one still gets its whole timeout, and the
// attempt after one that timed out starts with a live context.
func TestAttemptClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := &attemptClock{}
		defer c.stop()
		parent := context.Background()

		_, end1 := c.begin(parent, time.Second)
		time.Sleep(600 * time.Millisecond)
		end1()

		// The timer is still armed for the first attempt's deadline (1s);
		// this one is due at 1.6s.
		second, end2 := c.begin(parent, time.Second)
		defer end2()
		if due, ok := second.Deadline(); !ok || !due.Equal(time.Now().Add(time.Second)) {
			t.Fatalf("Deadline() = %v, %v; want the attempt's start plus its timeout", due, ok)
		}
		time.Sleep(999 * time.Millisecond) // past the first deadline, before the second
		if err := second.Err(); err != nil {
			t.Fatalf("cancelled %v early: %v", time.Second-999*time.Millisecond, err)
		}
		time.Sleep(2 * time.Millisecond)
		synctest.Wait()
		if err := second.Err(); err != context.DeadlineExceeded {
			t.Fatalf("at its deadline the attempt's context says %v, want context.DeadlineExceeded", err)
		}
		if cause := context.Cause(second); cause != context.DeadlineExceeded {
			t.Fatalf("its cause is %v, want context.DeadlineExceeded", cause)
		}
		select {
		case <-second.Done():
		default:
			t.Fatal("Done is not closed at the deadline")
		}

		// After an idle spell with the timer spent, a new attempt arms it again.
		time.Sleep(5 * time.Second)
		third, end3 := c.begin(parent, 200*time.Millisecond)
		defer end3()
		if err := third.Err(); err != nil {
			t.Fatalf("the attempt after one that timed out starts with %v, want a live context", err)
		}
		time.Sleep(201 * time.Millisecond)
		synctest.Wait()
		if err := third.Err(); err != context.DeadlineExceeded {
			t.Fatalf("an attempt after an idle spell: %v at its deadline, want context.DeadlineExceeded", err)
		}
	})
}

// TestAttemptClockFollowsItsParent: cancelling the walk cancels its
// attempt at once, as context.Canceled, not as a timeout.
func TestAttemptClockFollowsItsParent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := &attemptClock{}
		defer c.stop()
		parent, cancel := context.WithCancel(context.Background())
		ctx, end := c.begin(parent, time.Minute)
		defer end()
		cancel()
		if err := ctx.Err(); err != context.Canceled {
			t.Fatalf("after the walk is cancelled its attempt says %v, want context.Canceled", err)
		}
	})
}

// TestAttemptDeadlineIsTheEarlier: an attempt's Deadline is the walk's
// when that comes first, as context.WithTimeout's is.
func TestAttemptDeadlineIsTheEarlier(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := &attemptClock{}
		defer c.stop()
		walkDue := time.Now().Add(time.Second)
		parent, cancel := context.WithDeadline(context.Background(), walkDue)
		defer cancel()
		for _, tc := range []struct {
			timeout time.Duration
			want    time.Time
		}{
			{time.Minute, walkDue},
			{100 * time.Millisecond, time.Now().Add(100 * time.Millisecond)},
		} {
			ctx, end := c.begin(parent, tc.timeout)
			if due, ok := ctx.Deadline(); !ok || !due.Equal(tc.want) {
				t.Errorf("timeout %v under a walk due in 1s: Deadline() = %v, %v; want %v", tc.timeout, due, ok, tc.want)
			}
			end()
		}
	})
}
