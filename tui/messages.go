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

// waitEvents reads the run's channel until it blocks; the model re-arms it
// after each batch. The channel closes when the run ends, so no command
// outlives its run.
func waitEvents(gen int, ch <-chan ingest.Event) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return eventsMsg{gen: gen, closed: true}
		}
		msg := eventsMsg{gen: gen, events: []ingest.Event{ev}}
		for len(msg.events) < maxEventBatch {
			select {
			case ev, ok := <-ch:
				if !ok {
					msg.closed = true
					return msg
				}
				msg.events = append(msg.events, ev)
			default:
				return msg
			}
		}
		return msg
	}
}
