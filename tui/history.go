package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest"
	"siphon/ingest/store"
	"siphon/ingest/termsafe"
)

// historyKeep bounds the runs a history screen reads back.
const historyKeep = 1000

// historyScreen lists a profile's past runs from its output folder's
// history.jsonl, newest first.
type historyScreen struct {
	plain
	env     *env
	profile Profile
	entries sliceRows[store.HistoryEntry]
	err     error
	loaded  bool
	list    scrollList[store.HistoryEntry]
	width   int
	// live is the profile's run going on now: the first row, before it
	// has a line in the history.
	live *runSession
}

func newHistoryScreen(e *env, p Profile) historyScreen {
	return historyScreen{env: e, profile: p, live: e.runs.liveFor(p.Name), list: newScrollList[store.HistoryEntry](sliceRows[store.HistoryEntry](nil), false, false)}
}

// historyMsg is a profile's history as read from disk.
type historyMsg struct {
	out     string
	entries []store.HistoryEntry
	err     error
}

// load reads the history in a command: disk I/O stays out of Update.
func (h historyScreen) load() tea.Cmd {
	out := h.profile.Out
	return func() tea.Msg {
		if out == "" {
			return historyMsg{}
		}
		entries, err := store.At(out).ReadHistory(historyKeep)
		return historyMsg{out: out, entries: entries, err: err}
	}
}

func (h historyScreen) Update(msg tea.Msg, c *ctx) (historyScreen, tea.Cmd) {
	switch msg := msg.(type) {
	case historyMsg:
		if msg.out != h.profile.Out {
			return h, nil
		}
		h.loaded, h.err = true, msg.err
		h.entries = h.entries[:0]
		if h.live != nil {
			h.entries = append(h.entries, liveEntry(h.live, h.env.now()))
		}
		for i := len(msg.entries) - 1; i >= 0; i-- {
			h.entries = append(h.entries, msg.entries[i])
		}
		h.list = h.list.SetRows(h.entries, false)
	case tea.KeyMsg:
		if key.Matches(msg, h.env.keys.Back) {
			return h, pop()
		}
		if key.Matches(msg, h.env.keys.Enter) {
			if h.live != nil && h.list.Current() == 0 {
				return h, openRunAsk(h.live, paneOverview) // the run going on: its own view
			}
			if e, ok := h.list.Selected(); ok {
				return h, push(newTextDetail(h.env, nil, h.profile.Name+" run of "+e.Start.Local().Format("2006-01-02 15:04:05"), historyText(e)))
			}
			return h, nil
		}
		h.list, _ = h.list.Update(msg, h.env.keys)
	}
	return h, nil
}

func (h historyScreen) SetSize(width, height int) historyScreen {
	h.width = width
	h.list = h.list.SetHeight(height - 1)
	return h
}

func (h historyScreen) update(msg tea.Msg, c *ctx) (screen, tea.Cmd) { return h.Update(msg, c) }
func (h historyScreen) resize(w, hgt int) screen                     { return h.SetSize(w, hgt) }
func (h historyScreen) crumbs(p []string) []string                   { return append(p, h.profile.Name+" history") }
func (h historyScreen) ShortHelp() []key.Binding                     { return h.env.keys.HistoryHelp().ShortHelp() }
func (h historyScreen) FullHelp() [][]key.Binding                    { return h.env.keys.HistoryHelp().FullHelp() }

func (h historyScreen) View() string {
	st, width := h.env.styles, h.width
	switch {
	case h.err != nil:
		return st.Error.Render(cut(oneLine(h.err.Error()), width))
	case !h.loaded:
		return st.Subtle.Render("reading the history…")
	case len(h.entries) == 0:
		return st.Subtle.Render(cut(termsafe.Line(fmt.Sprintf("No runs of %s yet: each run adds a line to %s/%s when it ends.", h.profile.Name, h.profile.Out, store.HistoryFile)), width))
	}
	head := termsafe.Line(fmt.Sprintf("%s, newest first, from %s/%s", counted(len(h.entries), "run", "runs"), h.profile.Out, store.HistoryFile))
	lines := []string{st.Subtle.Render(cut(head, width))}
	top, end := h.list.Window()
	cur := h.list.Current()
	for pos := top; pos < end; pos++ {
		e, _ := h.list.rows.at(pos)
		if pos == 0 && h.live != nil {
			e = liveEntry(h.live, h.env.now()) // its counters as they are now
		}
		lines = append(lines, historyLine(st, e, pos == cur, width))
	}
	return strings.Join(lines, "\n")
}

// historyLine is one past run: when, how it ended, how long, what it got.
// A history line holds the API's error and the run's stop reason: cleaned.
func historyLine(st Styles, e store.HistoryEntry, selected bool, width int) string {
	marker := "  "
	if selected {
		marker = "› "
	}
	word := termsafe.Line(outcomeWord(e.Outcome))
	reason := e.StopReason
	if e.Error != "" {
		reason = causeFirst(e.Error)
	}
	parts := []string{e.Start.Local().Format("2006-01-02 15:04:05"), formatDuration(e.End.Sub(e.Start))}
	if reason != "" {
		parts = append(parts, oneLine(reason))
	}
	parts = append(parts, fmt.Sprintf("pages %d · records %s · %s · %s", e.Pages, formatCount(e.Records), counted(e.Retries, "retry", "retries"), counted(e.Sleeps, "sleep", "sleeps")))
	text := strings.Join(parts, " · ")
	return marker + st.stateStyle(word).Render(fit(word, 11)) + " " + cut(text, width-2-12)
}

// liveEntry is a run going on (or one that ended in this console since the
// history was read) as a history row: its state word for the outcome.
func liveEntry(s *runSession, now time.Time) store.HistoryEntry {
	end := now
	if s.ended && !s.snap.LastCheckpoint.IsZero() {
		end = s.snap.LastCheckpoint
	}
	reason := "this run, live"
	if s.ended {
		reason = "this run, ended in this console"
	}
	return store.HistoryEntry{Start: s.snap.Started, End: end, Profile: s.profile.Name, Outcome: store.Outcome(s.word()), StopReason: reason,
		Pages: s.snap.Pages, Records: s.snap.Records, Retries: s.snap.Retries, Error: s.lastErr}
}

// outcomeWord is a history outcome as a state word.
func outcomeWord(outcome store.Outcome) string {
	switch outcome {
	case store.OutcomeDone:
		return string(ingest.StateDone)
	case store.OutcomeFailed:
		return string(ingest.StateFailed)
	case store.OutcomeInterrupted, store.OutcomeStopped:
		return stateStopped // the console's word for it, everywhere
	}
	return strings.ToUpper(string(outcome))
}

// historyText is a past run in full, for its detail: the line cuts the
// error, this wraps it whole (cause first).
func historyText(e store.HistoryEntry) string {
	lines := []string{
		fmt.Sprintf("%s · %s → %s (%s)", outcomeWord(e.Outcome), e.Start.Local().Format("2006-01-02 15:04:05"), e.End.Local().Format("15:04:05"), formatDuration(e.End.Sub(e.Start))),
		fmt.Sprintf("pages %d · records %s · %d retries · %d sleeps · %d failed attempts", e.Pages, formatCount(e.Records), e.Retries, e.Sleeps, e.Errors),
	}
	if e.StopReason != "" {
		lines = append(lines, "stop reason: "+e.StopReason)
	}
	if e.Error != "" {
		lines = append(lines, "", "error: "+causeFirst(e.Error))
	}
	if e.Version != "" {
		lines = append(lines, "", "siphon "+e.Version)
	}
	return strings.Join(lines, "\n")
}
