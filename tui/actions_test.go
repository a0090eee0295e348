package tui

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
)

// twoAsks is a screen whose every key asks several things of the root at
// once: close it, stop the latest run and start another profile. The
// effects struct this replaced honoured only the first of stop and start.
type twoAsks struct {
	plain
	next pickerItem
}

func (a twoAsks) update(msg tea.Msg, c *ctx) (screen, tea.Cmd) {
	if _, ok := msg.(tea.KeyMsg); !ok {
		return a, nil
	}
	return a, then(pop(), ask(stopMsg{c.runs.latest()}), say("both asked", false), startAsk(a.next, false))
}
func (a twoAsks) resize(int, int) screen     { return a }
func (a twoAsks) View() string               { return "two asks" }
func (a twoAsks) ShortHelp() []key.Binding   { return nil }
func (a twoAsks) FullHelp() [][]key.Binding  { return nil }
func (a twoAsks) crumbs(p []string) []string { return append(p, "two asks") }

func TestEveryAskOfOneKeyIsDone(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	h.keys("enter") // demo-cursor runs
	h.m.stack = append(h.m.stack, twoAsks{next: h.picker().items[1]})
	h.keys("x")
	if got := h.runs[0].callList(); !slices.Equal(got, []string{"cancel"}) {
		t.Errorf("the first ask (stop) was not done: calls %v", got)
	}
	if !slices.Equal(h.starts, []string{"demo-cursor", "demo-offset"}) {
		t.Errorf("the second ask (start) was not done: starts %v", h.starts)
	}
	if _, ok := h.m.top().(twoAsks); ok {
		t.Error("the screen that asked is still open")
	}
	h.screenHas("demo-offset")
	var kinds []string
	for _, a := range h.asks {
		switch a.(type) {
		case popMsg:
			kinds = append(kinds, "pop")
		case stopMsg:
			kinds = append(kinds, "stop")
		case startMsg:
			kinds = append(kinds, "start")
		case statusMsg:
			kinds = append(kinds, "status")
		}
	}
	if want := []string{"pop", "stop", "status", "start"}; !slices.Contains(kinds, "pop") || !slices.Equal(kinds[len(kinds)-4:], want) {
		t.Errorf("asks in order %v, want them to end %v", kinds, want)
	}
}

// The same through Bubble Tea itself: the asks are messages the program
// delivers in order, and keys typed right after a key that asked wait
// for what it asked.
func TestAsksGoThroughTheProgram(t *testing.T) {
	var (
		mu   sync.Mutex
		runs []*fakeRun
	)
	start := func(p Profile, fresh bool) (Runner, error) {
		mu.Lock()
		defer mu.Unlock()
		r := newFakeRun(busySnapshot(t0))
		runs = append(runs, r)
		return r, nil
	}
	m := New(Options{Styles: asciiStyles(), Start: start, Profiles: testProfiles(t.TempDir())})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitForText(t, tm, "RETRYING")
	first := runs0(&mu, &runs)
	tm.Send(pushMsg{twoAsks{next: pickerItem{profile: testProfiles("")[1]}}})
	waitForText(t, tm, "two asks")
	tm.Type("x")
	waitForText(t, tm, "demo-offset")
	// H opens the history through an ask; esc typed at once waits for it,
	// and closes the history, not the run view below.
	tm.Type("H")
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	tm.Type("e")
	waitForText(t, tm, "demo-offset › events")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if len(final.runs.list) != 2 || final.runs.latest().profile.Name != "demo-offset" {
		t.Fatalf("runs after the two asks: %d", len(final.runs.list))
	}
	if got := first.callList(); !slices.Equal(got, []string{"cancel"}) {
		t.Errorf("the first run was not stopped: calls %v", got)
	}
	if v, ok := final.top().(runView); !ok || v.pane != paneEvents {
		t.Errorf("the key typed after the asks went elsewhere: top %T\n%s", final.top(), final.View())
	}
}

func runs0(mu *sync.Mutex, runs *[]*fakeRun) *fakeRun {
	mu.Lock()
	defer mu.Unlock()
	return (*runs)[0]
}
