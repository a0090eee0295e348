package ingest

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestEventsHandedOverInBatches: before a request the walk hands its
// events over at once when the last hand-over was handOverEvery ago or
// more; sooner, a timer hands them over when that much has passed, so a
// fast walk wakes its reader a few hundred times a second at most and no
// event waits longer. A walk about to wait for a retry or a pause hands
// over at once (flush), and nothing is handed over after the end.
func TestEventsHandedOverInBatches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &Run{events: make(chan Event, eventBuffer)}
		page := func(n int) { r.hold(PageFetched{Page: n}) }
		waiting := func() int { return len(r.events) }

		page(1)
		r.flushSoon()
		if got := waiting(); got != 1 {
			t.Fatalf("the first hand-over: %d events on the channel, want 1", got)
		}
		page(2)
		page(3)
		r.flushSoon()
		if got := waiting(); got != 1 {
			t.Fatalf("a hand-over right after the last: %d events on the channel, want 1 (pages 2 and 3 held)", got)
		}
		time.Sleep(handOverEvery - time.Nanosecond)
		synctest.Wait()
		if got := waiting(); got != 1 {
			t.Fatalf("just before handOverEvery: %d events on the channel, want 1", got)
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if got := waiting(); got != 3 {
			t.Fatalf("at handOverEvery: %d events on the channel, want 3", got)
		}

		page(4)
		r.flush() // a retry's wait: at once, however soon
		if got := waiting(); got != 4 {
			t.Fatalf("flush: %d events on the channel, want 4", got)
		}

		page(5)
		r.flushSoon() // a timer is armed for page 5, and the run ends first
		r.closeEvents(Finished{})
		time.Sleep(handOverEvery)
		synctest.Wait()
		var got []Event
		for ev := range r.events {
			got = append(got, ev)
		}
		if len(got) != 6 {
			t.Fatalf("after the end: %d events, want 6 (5 pages, then finished)", len(got))
		}
		for i, ev := range got[:5] {
			if p := ev.(PageFetched); p.Page != i+1 {
				t.Fatalf("event %d is page %d: the order changed", i+1, p.Page)
			}
		}
		if _, ok := got[5].(Finished); !ok {
			t.Fatalf("the last event is %T, want Finished", got[5])
		}
	})
}
