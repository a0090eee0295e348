package tui

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	"siphon/ingest/spec"
)

// harness is a model with a fake starter that records what it was asked.
type harness struct {
	t      *testing.T
	m      Model
	clock  *clock
	runs   []*fakeRun
	starts []string
	asks   []tea.Msg // every ask the screens made, in order
}

func newHarness(t *testing.T, profiles []Profile) *harness {
	h := &harness{t: t, clock: &clock{t: t0}}
	h.m = New(Options{
		Title: "siphon test", Profiles: profiles, Now: h.clock.now, Styles: asciiStyles(), CacheDir: t.TempDir(),
		Start: func(p Profile, fresh bool) (Runner, error) {
			h.starts = append(h.starts, p.Name+map[bool]string{true: " fresh", false: ""}[fresh])
			r := newFakeRun(busySnapshot(h.clock.t))
			h.runs = append(h.runs, r)
			return r, nil
		},
	})
	h.m.env.listen = func(*runSession) tea.Cmd { return nil } // the tests hand the events in
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	h.settle(h.send(reloadCheckpointsMsg{})) // what Init does
	return h
}

// picker is the screen at the bottom of the stack.
func (h *harness) picker() picker { return h.m.stack[0].(picker) }

// runView is the run's screen, or fails the test.
func (h *harness) runView() runView {
	h.t.Helper()
	for _, s := range h.m.stack {
		if r, ok := s.(runView); ok {
			return r
		}
	}
	h.t.Fatalf("no run on screen")
	return runView{}
}

func asking(m Model) bool {
	_, ok := m.top().(dialog)
	return ok
}

// send hands the model a message and, as the program would, feeds it the
// asks its commands carry (push, pop, status, start, open, stop, quit:
// actions.go), in order, and the start of a run (the fake starter). Every
// other command (reading a folder, a probe, the clipboard, quit) is handed
// back unrun, for the test to run, look at or feed.
func (h *harness) send(msg tea.Msg) tea.Cmd {
	h.t.Helper()
	next, cmd := h.m.Update(msg)
	h.m = next.(Model)
	return tea.Batch(h.act(cmd)...)
}

// The code of the commands send runs: an ask, a batch or sequence (which
// only hands out its commands), a run's start.
var (
	askCode   = codeOf(ask(nil))
	batchCode = codeOf(batch(ask(nil), ask(nil)))
	seqCode   = codeOf(then(ask(nil), ask(nil)))
	startCode = codeOf(startRun(nil, pickerItem{}, false))
)

func codeOf(cmd tea.Cmd) uintptr { return reflect.ValueOf(cmd).Pointer() }

// act runs a command if it is an ask, a start or holds commands, sends
// the asks among their messages and returns the commands it did not run.
func (h *harness) act(cmd tea.Cmd) []tea.Cmd {
	h.t.Helper()
	var m tea.Model = h.m
	m, rest := feedAsks(m, cmd, func(msg tea.Msg) { h.asks = append(h.asks, msg) })
	h.m = m.(Model)
	return rest
}

// feedAsks does for a model what the program would with a command's asks
// (and a start), at once: the other commands are returned unrun. seen
// (if not nil) hears each ask.
func feedAsks(m tea.Model, cmd tea.Cmd, seen func(tea.Msg)) (tea.Model, []tea.Cmd) {
	if cmd == nil {
		return m, nil
	}
	switch codeOf(cmd) {
	case askCode, batchCode, seqCode, startCode:
	default:
		return m, []tea.Cmd{cmd}
	}
	msg := cmd()
	if cmds, ok := cmdsIn(msg); ok {
		var rest, more []tea.Cmd
		for _, c := range cmds {
			m, more = feedAsks(m, c, seen)
			rest = append(rest, more...)
		}
		return m, rest
	}
	if seen != nil {
		seen(msg)
	}
	m, cmd = m.Update(msg)
	return feedAsks(m, cmd, seen)
}

// cmdsIn is the commands a tea.Batch or tea.Sequence message holds (the
// latter's type is Bubble Tea's own: a slice of commands).
func cmdsIn(msg tea.Msg) ([]tea.Cmd, bool) {
	if msg == nil {
		return nil, false
	}
	v := reflect.ValueOf(msg)
	if v.Kind() != reflect.Slice || v.Type().Elem() != reflect.TypeOf(tea.Cmd(nil)) {
		return nil, false
	}
	cmds := make([]tea.Cmd, v.Len())
	for i := range cmds {
		cmds[i] = v.Index(i).Interface().(tea.Cmd)
	}
	return cmds, true
}

func (h *harness) keys(keys ...string) {
	h.t.Helper()
	for _, k := range keys {
		switch k {
		case "enter":
			h.send(tea.KeyMsg{Type: tea.KeyEnter})
		case "esc":
			h.send(tea.KeyMsg{Type: tea.KeyEsc})
		case "tab":
			h.send(tea.KeyMsg{Type: tea.KeyTab})
		case "ctrl+c":
			h.send(tea.KeyMsg{Type: tea.KeyCtrlC})
		default:
			h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
		}
	}
}

func (h *harness) events(evs ...ingest.Event) {
	h.send(eventsMsg{gen: h.m.runs.gen, events: evs})
}

func (h *harness) screenHas(want ...string) {
	h.t.Helper()
	view := h.m.View()
	for _, w := range want {
		if !strings.Contains(view, w) {
			h.t.Errorf("screen lacks %q:\n%s", w, view)
		}
	}
}

func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func TestPickStartPauseResume(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	h.screenHas("demo-cursor", "new", "broken", "invalid", "enter start/resume")
	h.keys("j", "enter")
	if !slices.Equal(h.starts, []string{"demo-offset"}) {
		t.Fatalf("starts %v", h.starts)
	}
	h.send(tickMsg(t0))
	h.screenHas("RETRYING 2/6 in 3s — HTTP 503", "pages 12", "records 1,200", "3/5 left", "⚠ 1 anomaly", "⚠ 2 schema drifts")
	h.keys("p")
	h.screenHas("pausing after this page")
	h.keys(" ")
	if got := h.runs[0].callList(); !slices.Equal(got, []string{"pause", "resume"}) {
		t.Errorf("calls %v", got)
	}
}

func TestBrokenProfileDoesNotStart(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	h.keys("G", "enter")
	if len(h.starts) != 0 {
		t.Fatalf("started %v", h.starts)
	}
	h.screenHas("broken cannot run: broken.yaml:3:1: unknown key recrods")
}

func TestQuitAsksWhileLiveAndWaitsForTheCheckpoint(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	h.keys("enter", "q")
	h.screenHas("Stop the run and quit?")
	h.keys("n")
	if asking(h.m) || len(h.runs[0].callList()) != 0 {
		t.Fatalf("no did not cancel the question: %v", h.runs[0].callList())
	}
	h.keys("q")
	if cmd := h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("y")}); isQuit(cmd) {
		t.Fatal("quit before the run saved its checkpoint")
	}
	if got := h.runs[0].callList(); !slices.Equal(got, []string{"cancel"}) {
		t.Fatalf("calls %v", got)
	}
	h.screenHas("saving the checkpoint")
	if cmd := h.send(eventsMsg{gen: h.m.runs.gen, closed: true}); !isQuit(cmd) {
		t.Fatal("no quit once the run ended")
	}
}

func TestQuitWithoutRunIsImmediate(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	if cmd := h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")}); !isQuit(cmd) {
		t.Fatal("q in the picker did not quit")
	}
}

func TestEscFromLiveRunLeavesItGoing(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	h.keys("enter", "e", "esc") // the events pane, back to the overview
	if r, ok := h.m.top().(runView); !ok || r.pane != paneOverview {
		t.Fatalf("esc from a pane: top %T", h.m.top())
	}
	h.keys("esc")
	if _, ok := h.m.top().(picker); !ok || asking(h.m) {
		t.Fatalf("esc from a live run: top %T", h.m.top())
	}
	if len(h.runs[0].callList()) != 0 || !h.m.runs.latest().live() {
		t.Fatalf("the run did not go on: %v", h.runs[0].callList())
	}
	h.send(tickMsg(t0))
	h.screenHas("RETRYING · 2/6 in 3s", "runs: 1 live")
	h.keys("enter") // opens the live run, starts nothing
	if len(h.starts) != 1 {
		t.Fatalf("starts %v", h.starts)
	}
	h.runView()
}

func TestEventsFillLogRecordsAndPages(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	h.keys("enter")
	h.events(
		ingest.Started{At: ingest.At{T: t0}, Profile: "demo-cursor", URL: "http://127.0.0.1:8089/v1/cursor?limit=3", Out: "out/demo-cursor"},
		samplePage(1, t0),
		ingest.Anomaly{At: ingest.At{T: t0}, Page: 1, What: "repeated cursor c1", Action: "stopped"},
		ingest.RetryScheduled{At: ingest.At{T: t0}, Page: 2, Attempt: 1, MaxAttempts: 6, Cause: "HTTP 503", Wait: 1500 * time.Millisecond, Source: "backoff"},
	)
	h.send(eventsMsg{gen: h.m.runs.gen + 7, events: []ingest.Event{samplePage(99, t0)}}) // another run's
	if h.m.runs.latest().records.len() != 3 || h.m.runs.latest().pages.len() != 1 {
		t.Fatalf("records %d pages %d", h.m.runs.latest().records.len(), h.m.runs.latest().pages.len())
	}
	h.send(tickMsg(t0))
	h.screenHas("retry page 2: attempt 2/6 in 1.5s (backoff) — HTTP 503", "anomaly on page 1")
	h.keys("i")
	h.screenHas("anomaly: repeated cursor c1")
}

func TestRecordsFilterAndDetail(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	h.keys("enter")
	h.events(samplePage(1, t0), samplePage(2, t0))
	h.keys("r")
	h.screenHas("id", "name", "Customer 6")
	h.keys("/", "select(.id > 4) | .email", "enter")
	h.screenHas("2 results", "c5@example.com", "c6@example.com")
	h.keys("/", " | bogus(", "enter")
	h.screenHas("jq: ")
	h.keys("esc") // clears the filter
	if r := h.runView(); r.records.filter != "" || r.pane != paneRecords {
		t.Fatalf("esc: filter %q pane %v", r.records.filter, r.pane)
	}
	h.keys("k", "enter")
	h.screenHas(`"email": "c5@example.com"`, `"city": "Lyon"`)
	h.keys("esc", "esc")
	if r := h.runView(); r.pane != paneOverview {
		t.Fatalf("pane %v", r.pane)
	}
}

func TestRecordsScrollSideways(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	h.keys("enter")
	h.events(samplePage(1, t0))
	h.keys("r", "l", "l")
	view := h.m.View()
	if strings.Contains(view, "Customer 3") || !strings.Contains(view, "gold") {
		t.Errorf("two columns right, the name column should be gone and tier shown:\n%s", view)
	}
}

func TestPageDetailAndCopy(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	h.keys("enter")
	h.events(samplePage(1, t0), samplePage(2, t0))
	h.send(tea.WindowSizeMsg{Width: 100, Height: 40})
	h.keys("i", "enter")
	h.screenHas("Page 2", "GET http://127.0.0.1:8089/v1/cursor?cursor=c1&limit=3", "Authorization: REDACTED", `"next_cursor": "c1"`)
	var term strings.Builder
	h.m.env.term = &term
	copyCmd := h.send(runes("c"))
	h.screenHas("copied page 2's request as a curl command")
	if strings.Contains(h.m.View(), "\x1b]52") {
		t.Error("the clipboard sequence is in the frame")
	}
	if msg := copyCmd().(clipboardMsg); msg.err != nil || msg.saveErr != nil {
		t.Fatalf("copy: %+v", msg)
	}
	if !strings.HasPrefix(term.String(), "\x1b]52;c;") {
		t.Errorf("the terminal got %q", term.String())
	}
}

func TestPickerFilter(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	h.keys("/", "OFFSET")
	h.screenHas("demo-offset")
	if strings.Contains(h.m.View(), "demo-cursor") {
		t.Error("the filter kept demo-cursor")
	}
	h.keys("enter", "enter")
	if !slices.Equal(h.starts, []string{"demo-offset"}) {
		t.Fatalf("starts %v", h.starts)
	}
}

func TestBuffersAreBounded(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	h.keys("enter")
	for n := 1; n <= 1000; n++ {
		h.events(samplePage(n, t0), ingest.CheckpointSaved{At: ingest.At{T: t0}, Pages: n})
	}
	if h.m.runs.latest().records.len() != recordCapacity || h.m.runs.latest().pages.len() != pageCapacity || h.m.runs.latest().log.len() != logCapacity {
		t.Errorf("records %d pages %d log %d", h.m.runs.latest().records.len(), h.m.runs.latest().pages.len(), h.m.runs.latest().log.len())
	}
}

// completedOutput runs a real profile to its end and returns its folder.
func completedOutput(t *testing.T, srv *demoapi.Server) (spec.Config, string) {
	t.Helper()
	cfg := demoConfig(srv.URL, "done-cursor")
	client, err := ingest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := client.Start(context.Background(), ingest.Job{Out: out}).Wait(); err != nil {
		t.Fatal(err)
	}
	return cfg, out
}

func demoConfig(base, name string) spec.Config {
	cfg := spec.Config{
		Name: name, BaseURL: base, Path: "/v1/cursor", Records: ".data", PrimaryKey: []string{"id"},
		Pagination: spec.PaginationConfig{Type: spec.PageCursor, Limit: 20, CursorPath: ".pagination.next_cursor"},
		Retry:      spec.RetryConfig{InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond},
		Output:     spec.OutputConfig{RawPages: true},
	}
	cfg.ApplyDefaults()
	return cfg
}

func TestDoneProfileAsksBeforeStartingOver(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 50})
	defer srv.Close()
	_, out := completedOutput(t, srv)
	h := newHarness(t, []Profile{{Name: "done-cursor", Pagination: "cursor", Auth: "none", Out: out}})
	h.screenHas("done · ")
	h.keys("enter")
	h.screenHas("done-cursor is complete (3 pages). Start over?")
	h.keys("n")
	if len(h.starts) != 0 {
		t.Fatalf("started %v", h.starts)
	}
	h.keys("enter", "y")
	if !slices.Equal(h.starts, []string{"done-cursor fresh"}) {
		t.Fatalf("starts %v", h.starts)
	}
}
