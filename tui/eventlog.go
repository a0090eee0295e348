package tui

import (
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest"
)

// logCapacity bounds the event log.
const logCapacity = 1000

type logEntry struct {
	at       time.Time
	text     string
	severity int
}

// eventLog is the scrolling log of retries, sleeps, anomalies, drift and
// checkpoints. It follows the tail until the user scrolls up.
type eventLog struct {
	entries *ring[logEntry]
	top     int // absolute position of the first line shown, when not following
	follow  bool
}

func newEventLog() eventLog {
	return eventLog{entries: newRing[logEntry](logCapacity), follow: true}
}

func (l eventLog) add(ev ingest.Event) {
	if text, ok := eventText(ev); ok {
		l.entries.push(logEntry{at: ev.Time(), text: text, severity: eventSeverity(ev)})
	}
}

// window is the first position shown for a given height.
func (l eventLog) window(height int) int {
	first, end := l.entries.first(), l.entries.end()
	if l.follow {
		return max(end-height, first)
	}
	return min(max(l.top, first), max(end-height, first))
}

func (l eventLog) update(msg tea.KeyMsg, k KeyMap, height int) eventLog {
	top := l.window(height)
	end := l.entries.end()
	switch {
	case keyMatches(msg, k.Up):
		top--
	case keyMatches(msg, k.Down):
		top++
	case keyMatches(msg, k.PageUp):
		top -= height
	case keyMatches(msg, k.PageDown):
		top += height
	case keyMatches(msg, k.Top):
		top = l.entries.first()
	case keyMatches(msg, k.Bottom):
		l.follow = true
		return l
	default:
		return l
	}
	l.top = min(max(top, l.entries.first()), max(end-height, l.entries.first()))
	l.follow = l.top >= end-height
	return l
}

// view renders only the lines that fit.
func (l eventLog) view(st Styles, width, height int) string {
	if l.entries.len() == 0 {
		return st.Subtle.Render("No events yet: retries, sleeps, anomalies, drift and checkpoints show here.")
	}
	top := l.window(height)
	var lines []string
	for pos := top; pos < top+height && pos < l.entries.end(); pos++ {
		e, _ := l.entries.at(pos)
		lines = append(lines, logLine(st, e, width))
	}
	return strings.Join(lines, "\n")
}

func logLine(st Styles, e logEntry, width int) string {
	stamp := e.at.Format("15:04:05.000")
	text := cut(e.text, width-len(stamp)-1)
	switch e.severity {
	case 1:
		text = st.Warn.Render(text)
	case 2:
		text = st.Error.Render(text)
	}
	return st.Faint.Render(stamp) + " " + text
}
