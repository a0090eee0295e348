package tui

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"siphon/ingest"
)

type screen int

const (
	screenPicker screen = iota
	screenRun
)

// pane is what the run screen shows below its header.
type pane int

const (
	paneOverview pane = iota
	paneEvents
	paneRecords
	panePages
)

// question is a pending yes/no.
type question int

const (
	noQuestion question = iota
	askQuit             // stop the live run and quit
	askLeave            // stop the live run and go back to the profiles
	askFresh            // start the selected profile over
)

// Model is the console's root model.
type Model struct {
	opts   Options
	now    func() time.Time
	keys   KeyMap
	styles Styles
	help   help.Model

	width, height int
	screen        screen
	pane          pane

	picker  picker
	run     *runState
	gen     int
	events  eventLog
	records recordsView
	pages   pagesView
	play    *playground // the selector editor, open on a page
	form    *newProfileForm

	asking     question
	freshItem  pickerItem
	status     string
	statusErr  bool
	statusTill time.Time
	clipboard  string // an OSC 52 sequence to send with the next frame

	quitting bool // quit once the run has ended
	leaving  bool // back to the profiles once the run has ended
	frame    string
}

// runState is the run on screen.
type runState struct {
	profile     Profile
	runner      Runner
	gen         int
	snap        ingest.Snapshot
	url         string
	out         string
	tp          throughput // records per second
	pageTP      throughput // pages per second, for an ETA by pages
	ended       bool
	pauseWanted bool
}

func (r *runState) live() bool { return r != nil && !r.ended }

// New builds the console's root model.
func New(opts Options) Model {
	m := Model{opts: opts, now: opts.Now, help: help.New()}
	if m.now == nil {
		m.now = time.Now
	}
	m.keys = DefaultKeyMap()
	if opts.Keys != nil {
		m.keys = *opts.Keys
	}
	if opts.Styles != nil {
		m.styles = *opts.Styles
	} else {
		m.styles = DefaultStyles(lipgloss.DefaultRenderer())
	}
	m.help.Styles.ShortKey = m.styles.Key
	m.help.Styles.FullKey = m.styles.Key
	m.help.Styles.ShortDesc = m.styles.Subtle
	m.help.Styles.FullDesc = m.styles.Subtle
	m.help.Styles.ShortSeparator = m.styles.Faint
	m.help.Styles.FullSeparator = m.styles.Faint
	m.help.Styles.Ellipsis = m.styles.Faint
	m.width, m.height = 80, 24
	m.picker = newPicker(opts.Profiles)
	m.events, m.records, m.pages = newEventLog(), newRecordsView(), newPagesView()
	m.frame = m.render()
	return m
}

// Init starts the redraw tick.
func (m Model) Init() tea.Cmd { return tick() }

// View returns the last frame drawn; frames are drawn on ticks and keys,
// not on every event, so a busy run costs the terminal nothing extra.
func (m Model) View() string { return m.clipboard + m.frame }

// Update handles a message and redraws when the screen should change.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.Width = msg.Width
	case tickMsg:
		m.clipboard = ""
		m.refresh()
		cmd = tick()
	case eventsMsg:
		return m.onEvents(msg)
	case selectorResultMsg:
		m = m.onSelectorResult(msg)
	case probeResultMsg:
		m, cmd = m.onProbeResult(msg)
	case loginDoneMsg:
		m = m.onLoginDone(msg)
	case tea.KeyMsg:
		m, cmd = m.onKey(msg)
	default:
		return m, nil
	}
	m.frame = m.render()
	return m, cmd
}

// refresh reads the run's snapshot and expires the status message.
func (m *Model) refresh() {
	now := m.now()
	if m.run.live() {
		m.run.snap = m.run.runner.Snapshot()
		m.run.tp.observe(now, m.run.snap.Records)
		m.run.pageTP.observe(now, int64(m.run.snap.Pages))
	}
	if m.status != "" && now.After(m.statusTill) {
		m.status = ""
	}
}

func (m Model) onEvents(msg eventsMsg) (tea.Model, tea.Cmd) {
	if m.run == nil || msg.gen != m.run.gen {
		return m, nil // a run no longer on screen; its channel closes on its own
	}
	var samples [][]json.RawMessage
	for _, ev := range msg.events {
		if page, ok := ev.(ingest.PageFetched); ok {
			samples = append(samples, page.Sample)
		}
		m.apply(ev)
	}
	m.records.addLatest(samples)
	if !msg.closed {
		return m, waitEvents(m.run.gen, m.run.runner.Events())
	}
	m.run.ended = true
	m.run.snap = m.run.runner.Snapshot()
	var cmd tea.Cmd
	switch {
	case m.quitting:
		cmd = tea.Quit
	case m.leaving:
		m.leaving = false
		m.toPicker()
	}
	m.frame = m.render()
	return m, cmd
}

// apply files one event where it shows.
func (m *Model) apply(ev ingest.Event) {
	m.events.add(ev)
	switch e := ev.(type) {
	case ingest.Started:
		m.run.url, m.run.out = e.URL, e.Out
	case ingest.PageFetched:
		m.pages.add(e) // its records go to the preview by batch, in onEvents
	case ingest.Anomaly:
		m.pages.mark(e.Page, "anomaly: "+e.What)
	case ingest.DriftDetected:
		m.pages.mark(e.Page, "drift: "+driftText(e))
	case ingest.Paused:
		m.run.pauseWanted = true
	case ingest.Resumed:
		m.run.pauseWanted = false
	}
}

// loginDoneMsg says how a sign-in the console handed the terminal to ended.
type loginDoneMsg struct {
	name string
	err  error
}

func (m Model) onLoginDone(msg loginDoneMsg) Model {
	if msg.err != nil {
		m.setStatus("sign-in to "+msg.name+" failed: "+oneLine(msg.err.Error()), true)
		return m
	}
	for i := range m.picker.items {
		if m.picker.items[i].profile.Name == msg.name {
			m.picker.items[i].profile.NeedsLogin = false
		}
	}
	m.picker = m.picker.applyFilter(string(m.picker.input.value))
	m.setStatus("signed in to "+msg.name+"; enter starts it", false)
	return m
}

func (m *Model) setStatus(text string, isErr bool) {
	m.status, m.statusErr, m.statusTill = text, isErr, m.now().Add(5*time.Second)
}

// start runs a profile and shows it.
func (m Model) start(it pickerItem, fresh bool) (Model, tea.Cmd) {
	if it.profile.Err != nil {
		m.setStatus(fmt.Sprintf("%s cannot run: %s", it.profile.Name, oneLine(it.profile.Err.Error())), true)
		return m, nil
	}
	if m.opts.Start == nil {
		m.setStatus("this console cannot start runs", true)
		return m, nil
	}
	r, err := m.opts.Start(it.profile, fresh)
	if err != nil {
		m.setStatus(fmt.Sprintf("%s did not start: %s", it.profile.Name, oneLine(err.Error())), true)
		return m, nil
	}
	m.gen++
	m.run = &runState{profile: it.profile, runner: r, gen: m.gen, url: it.profile.URL, out: it.profile.Out, tp: newThroughput(), pageTP: newThroughput()}
	m.run.snap = r.Snapshot()
	m.events, m.records, m.pages = newEventLog(), newRecordsView(), newPagesView()
	m.screen, m.pane, m.status, m.play = screenRun, paneOverview, "", nil
	return m, waitEvents(m.gen, r.Events())
}

func (m *Model) toPicker() {
	m.screen, m.pane, m.play = screenPicker, paneOverview, nil
	m.picker = m.picker.refresh()
}

// stopRun cancels a live run and waits for its checkpoint.
func (m Model) stopRun() {
	if m.run.live() {
		m.run.runner.Cancel()
		_ = m.run.runner.Wait()
	}
}
