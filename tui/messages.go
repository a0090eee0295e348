package tui

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest"
)

// tickInterval is the redraw rate: counters come from the run's snapshot
// on every tick, not from events.
const tickInterval = 100 * time.Millisecond

// tickMsg redraws the screen.
type tickMsg time.Time

func tick() tea.Cmd {
	return tea.Tick(tickInterval, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// eventsMsg carries the events that were waiting, read in one go so a fast
// run costs one message per batch, not one per event.
type eventsMsg struct {
	gen    int // which run they belong to
	events []ingest.Event
	closed bool // the run has ended: its channel is closed
}

// maxEventBatch bounds one batch.
const maxEventBatch = 256

// eventFrame is how long a batch gathers after its first event. Every
// message costs an Update and a View; a run moving a thousand pages a second
// sends a few thousand events, and read as they come they cost the run a
// few percent of its speed. Gathered for a frame, they cost twenty Updates
// a second, and an event is on screen at most a frame late.
const eventFrame = 50 * time.Millisecond

// waitEvents reads the run's channel for one frame after its first event
// (or until maxEventBatch); the model re-arms it after each batch. The
// channel closes when the run ends, so no command outlives its run.
func waitEvents(gen int, ch <-chan ingest.Event) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return eventsMsg{gen: gen, closed: true}
		}
		msg := eventsMsg{gen: gen, events: []ingest.Event{ev}}
		frame := time.NewTimer(eventFrame)
		defer frame.Stop()
		for len(msg.events) < maxEventBatch {
			select {
			case ev, ok := <-ch:
				if !ok {
					msg.closed = true
					return msg
				}
				msg.events = append(msg.events, ev)
			case <-frame.C:
				return msg
			}
		}
		return msg
	}
}

// listen reads a run's next batch of events.
func listen(s *runSession) tea.Cmd { return waitEvents(s.gen, s.runner.Events()) }
