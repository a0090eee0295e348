package tui

import (
	"testing"

	"siphon/ingest"
)

// TestWaitEventsGathersAFrame: events waiting, or arriving within a frame
// of the first, come as one message; more than a batch holds come as
// several; a closed channel ends the last one.
func TestWaitEventsGathersAFrame(t *testing.T) {
	for _, tc := range []struct {
		name    string
		waiting int  // events in the channel before the command runs
		close   bool // the run ends after them
		want    []int
	}{
		{"a few", 10, false, []int{10}},
		{"more than a batch", maxEventBatch + 5, false, []int{maxEventBatch, 5}},
		{"then the end", 3, true, []int{3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch := make(chan ingest.Event, tc.waiting)
			for i := range tc.waiting {
				ch <- ingest.PageFetched{Page: i + 1}
			}
			if tc.close {
				close(ch)
			}
			for i, want := range tc.want {
				msg := waitEvents(7, ch)().(eventsMsg)
				if len(msg.events) != want || msg.gen != 7 {
					t.Fatalf("message %d: %d events of run %d, want %d of run 7", i+1, len(msg.events), msg.gen, want)
				}
				if last := i == len(tc.want)-1; msg.closed != (tc.close && last) {
					t.Fatalf("message %d: closed %v", i+1, msg.closed)
				}
			}
		})
	}
}

// TestWaitEventsLateEvent: an event that comes after the first, within the
// frame, joins its batch instead of costing a message of its own.
func TestWaitEventsLateEvent(t *testing.T) {
	ch := make(chan ingest.Event)
	got := make(chan eventsMsg, 1)
	go func() { got <- waitEvents(1, ch)().(eventsMsg) }()
	ch <- ingest.PageFetched{Page: 1} // unbuffered: the command has it
	ch <- ingest.PageFetched{Page: 2} // and this one, inside the frame
	if msg := <-got; len(msg.events) != 2 {
		t.Fatalf("%d events in the batch, want 2", len(msg.events))
	}
}
