package tui

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest"
)

type logEntry struct {
	at       time.Time
	text     string
	severity int
}

// routine says an event is a checkpoint's: most lines of a healthy run,
// hidden from the log unless asked for (the header says when the last one
// was saved).
func routine(ev ingest.Event) bool {
	_, ok := ev.(ingest.CheckpointSaved)
	return ok
}

// logPane is the scrolling log of retries, sleeps, anomalies, drift and
// checkpoints. It follows the tail until the user scrolls up.
type logPane struct {
	env         *env
	sess        *runSession
	list        scrollList[logEntry]
	width       int
	checkpoints bool // the checkpoint lines show too
	shift       int  // cells scrolled sideways (left/right)
}

func newLogPane(e *env, s *runSession) logPane {
	return logPane{env: e, sess: s, list: newScrollList[logEntry](s.notable, true, false)}
}

func (l logPane) Update(msg tea.KeyMsg, c *ctx) (logPane, tea.Cmd) {
	if n, ok := sideways(msg, l.env.keys, l.shift); ok {
		l.shift = n
		return l, nil
	}
	if key.Matches(msg, l.env.keys.Enter) {
		// The whole line, wrapped: a long cause is cut in the list.
		if e, ok := l.list.Selected(); ok {
			return l, push(newTextDetail(l.env, l.sess, "event at "+e.at.Format("15:04:05.000"), causeFirst(e.text)))
		}
		return l, nil
	}
	if key.Matches(msg, l.env.keys.Checkpoints) {
		l.checkpoints = !l.checkpoints
		rows := l.sess.notable
		if l.checkpoints {
			rows = l.sess.log
		}
		l.list = l.list.SetRows(rows, true)
		return l, nil
	}
	l.list, _ = l.list.Update(msg, l.env.keys)
	return l, nil
}

func (l logPane) SetSize(width, height int) logPane {
	l.width, l.list = width, l.list.SetHeight(height)
	return l
}

func (l logPane) ShortHelp() []key.Binding  { return l.help().ShortHelp() }
func (l logPane) FullHelp() [][]key.Binding { return l.help().FullHelp() }
func (l logPane) help() bindings            { return l.env.keys.LogHelp(l.sess.live()) }

// View renders only the lines that fit.
func (l logPane) View() string {
	st := l.env.styles
	if l.list.Len() == 0 {
		if !l.checkpoints && l.sess.log.len() > 0 {
			return st.Subtle.Render(cut("Nothing but checkpoints so far (v shows them).", l.width))
		}
		return st.Subtle.Render(cut("No events yet: retries, sleeps, anomalies, drift and checkpoints show here.", l.width))
	}
	top, end := l.list.Window()
	var lines []string
	for pos := top; pos < end; pos++ {
		e, _ := l.list.rows.at(pos)
		marker := "  "
		if pos == l.list.Current() {
			marker = "› "
		}
		e.text = shifted(e.text, l.shift)
		lines = append(lines, marker+logLine(st, e, l.width-2))
	}
	return strings.Join(lines, "\n")
}

func logLine(st Styles, e logEntry, width int) string {
	stamp := e.at.Format("15:04:05.000")
	text := cut(e.text, width-len(stamp)-1) // e.text was cleaned when the event came
	switch e.severity {
	case 1:
		text = st.Warn.Render(text)
	case 2:
		text = st.Error.Render(text)
	}
	return st.Faint.Render(stamp) + " " + text
}
