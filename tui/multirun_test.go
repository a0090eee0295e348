package tui

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest"
	"siphon/ingest/store"
)

// endRun closes a fake run's events as the run does when it ends in state.
func (h *harness) endRun(i int, state ingest.State, err error) {
	h.t.Helper()
	r := h.runs[i]
	r.mu.Lock()
	r.snap.State, r.snap.Err = state, err
	if err != nil {
		r.snap.Detail = err.Error()
	}
	r.canceled = true
	close(r.events)
	close(r.done)
	r.mu.Unlock()
	h.send(eventsMsg{gen: i + 1, closed: true})
}

func TestTwoRunsLiveAtOnce(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	h.keys("enter", "esc", "j", "enter", "esc")
	if !slices.Equal(h.starts, []string{"demo-cursor", "demo-offset"}) {
		t.Fatalf("starts %v", h.starts)
	}
	h.send(tickMsg(t0))
	view := h.m.View()
	if strings.Count(view, "RETRYING · 2/6") != 2 || !strings.Contains(view, "runs: 2 live") {
		t.Fatalf("the picker does not show both runs live:\n%s", view)
	}

	// The runs list: both, newest first; pause the selected one.
	h.keys("tab")
	if _, ok := h.m.top().(runsList); !ok {
		t.Fatalf("tab: top %T", h.m.top())
	}
	h.screenHas("demo-offset", "demo-cursor", "3 retries", "→ "+h.m.env.opts.Profiles[0].Out)
	h.keys("p")
	if got := h.runs[1].callList(); !slices.Equal(got, []string{"pause"}) {
		t.Fatalf("pause from the list: %v", got)
	}
	// Stop the other one: it asks first.
	h.keys("j", "x")
	h.screenHas("Stop demo-cursor?")
	h.keys("n")
	if len(h.runs[0].callList()) != 0 {
		t.Fatalf("no stopped it: %v", h.runs[0].callList())
	}
	h.keys("x", "y")
	if got := h.runs[0].callList(); !slices.Equal(got, []string{"cancel"}) {
		t.Fatalf("stop: %v", got)
	}
	h.send(eventsMsg{gen: 1, closed: true})
	h.send(tickMsg(t0))
	h.screenHas("runs: 1 live", "demo-cursor stopped; checkpoint saved")

	// The filter keeps the stopped one: STOPPED, a state of its own.
	h.screenHas("STOPPED")
	h.keys("/", "stop", "enter")
	if l := h.m.top().(runsList); l.list.Len() != 1 {
		t.Fatalf("filter stop kept %d runs", l.list.Len())
	}
	h.keys("esc", "tab")
	if _, ok := h.m.top().(picker); !ok {
		t.Fatalf("tab back: top %T", h.m.top())
	}
}

func TestQuitAsksOnceForEveryLiveRun(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	h.keys("enter", "esc", "j", "enter", "q")
	h.screenHas("Stop the 2 live runs and quit?")
	if isQuit(h.send(runes("y"))) {
		t.Fatal("quit before the checkpoints were saved")
	}
	for i, r := range h.runs {
		if got := r.callList(); !slices.Equal(got, []string{"cancel"}) {
			t.Fatalf("run %d: %v", i, got)
		}
	}
	if isQuit(h.send(eventsMsg{gen: 1, closed: true})) {
		t.Fatal("quit with a run still saving")
	}
	if !isQuit(h.send(eventsMsg{gen: 2, closed: true})) {
		t.Fatal("no quit once every run ended")
	}
}

func TestBackgroundEndNotifiesAndRings(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	var term strings.Builder
	h.m.env.term = &term
	h.keys("enter", "esc", "j", "enter") // demo-offset on screen, demo-cursor behind
	h.runs[0].mu.Lock()
	h.runs[0].snap.Pages, h.runs[0].snap.Records = 7, 700
	h.runs[0].mu.Unlock()
	h.runs[0].mu.Lock()
	h.runs[0].snap.State = ingest.StateDone
	h.runs[0].canceled = true
	close(h.runs[0].events)
	h.runs[0].mu.Unlock()
	cmd := h.send(eventsMsg{gen: 1, closed: true})
	h.screenHas("demo-cursor DONE: 7 pages, 700 records", "runs: 1 live")
	settle(cmd)
	if term.String() != "\a" {
		t.Errorf("the bell: %q", term.String())
	}

	// A failure says so, in the error style and the title's count.
	h.m.env.opts.NoBell = true
	term.Reset()
	h.keys("esc", "k", "enter") // demo-cursor again: a new run
	h.keys("esc", "j")          // demo-offset's line
	h.endRun(1, ingest.StateFailed, errors.New("HTTP 404 on page 3"))
	h.screenHas("demo-offset FAILED: HTTP 404 on page 3", "1 failed")
	if term.String() != "" {
		t.Errorf("--no-bell rang: %q", term.String())
	}
	// R resumes it from the runs list.
	h.keys("tab")
	h.keys("j", "R") // the list is newest first: demo-cursor's second run, then demo-offset
	if !slices.Equal(h.starts, []string{"demo-cursor", "demo-offset", "demo-cursor", "demo-offset"}) {
		t.Fatalf("starts %v", h.starts)
	}
}

// settle runs a command and what it batches, for their side effects.
func settle(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	if cmds, ok := cmdsIn(cmd()); ok {
		for _, c := range cmds {
			settle(c)
		}
	}
}

func TestHistoryScreenAndLastOutcome(t *testing.T) {
	dir := t.TempDir()
	profs := testProfiles(dir)
	out := profs[0].Out
	if err := os.MkdirAll(out, 0o700); err != nil {
		t.Fatal(err)
	}
	lines := `{"start":"2024-05-01T10:00:00Z","end":"2024-05-01T10:01:00Z","profile":"demo-cursor","outcome":"done","stop_reason":"no next cursor","pages":10,"records":1000,"siphon_version":"dev"}
{"start":"2024-05-02T10:00:00Z","end":"2024-05-02T10:00:05Z","profile":"demo-cursor","outcome":"failed","stop_reason":"error","error":"HTTP 500 on page 2","pages":1,"records":100,"retries":5,"siphon_version":"dev"}
`
	if err := os.WriteFile(filepath.Join(out, store.HistoryFile), []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, profs)
	h.screenHas("new · last run failed")
	h.settle(h.send(runes("H")))
	h.screenHas("2 runs, newest first", "FAILED", "HTTP 500 on page 2", "DONE", "no next cursor", "demo-cursor history")
	h.keys("esc")
	if _, ok := h.m.top().(picker); !ok {
		t.Fatalf("esc: top %T", h.m.top())
	}
}

func TestBackgroundRunsKeepLittle(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	h.keys("enter")
	for n := 1; n <= 400; n++ {
		h.events(samplePage(n, t0))
	}
	s := h.m.runs.latest()
	if s.pages.len() != pageCapacity {
		t.Fatalf("on screen: %d pages", s.pages.len())
	}
	h.keys("esc")
	if s.pages.len() != backPageCapacity || s.records.len() != backRecordCapacity {
		t.Fatalf("in the background: %d pages, %d records", s.pages.len(), s.records.len())
	}
	h.events(samplePage(401, t0))
	if s.pages.len() != backPageCapacity {
		t.Fatalf("in the background: %d pages", s.pages.len())
	}
	h.keys("enter") // back on screen: room again, the newest kept
	h.events(samplePage(402, t0))
	if p, _ := s.pages.at(s.pages.end() - 1); s.pages.len() != backPageCapacity+1 || p.Page != 402 {
		t.Fatalf("on screen again: %d pages, last %d", s.pages.len(), p.Page)
	}
}
