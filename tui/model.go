package tui

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"siphon/ingest/termsafe"
)

// Model is the console's root model: a stack of screens (the picker at the
// bottom; the top one has the focus) and, beside them, every run of the
// session: runs go on whatever is on screen.
type Model struct {
	env  *env
	help help.Model

	width, height int
	stack         []screen
	runs          *runSet

	status     string
	statusErr  bool
	statusTill time.Time

	quitting bool // quit once every run has ended
	frame    string
}

// New builds the console's root model.
func New(opts Options) Model {
	e := &env{opts: opts, now: opts.Now, keys: DefaultKeyMap(), runs: &runSet{}}
	if e.now == nil {
		e.now = time.Now
	}
	if opts.Keys != nil {
		e.keys = *opts.Keys
	}
	if opts.Styles != nil {
		e.styles = *opts.Styles
	} else {
		e.styles = DefaultStyles(lipgloss.DefaultRenderer())
	}
	m := Model{env: e, help: help.New(), runs: e.runs}
	m.help.Styles.ShortKey = e.styles.Key
	m.help.Styles.FullKey = e.styles.Key
	m.help.Styles.ShortDesc = e.styles.Subtle
	m.help.Styles.FullDesc = e.styles.Subtle
	m.help.Styles.ShortSeparator = e.styles.Faint
	m.help.Styles.FullSeparator = e.styles.Faint
	m.help.Styles.Ellipsis = e.styles.Faint
	m.width, m.height = 80, 24
	m.stack = []screen{newPicker(e, opts.Profiles)}
	m = m.layout()
	m.frame = m.draw()
	return m
}

// Init starts the redraw tick and reads the profiles' checkpoints.
func (m Model) Init() tea.Cmd {
	_, load := m.stack[0].update(reloadCheckpointsMsg{}, &ctx{env: m.env})
	return tea.Batch(tick(), load)
}

// View returns the last frame drawn; frames are drawn on ticks and keys,
// not on every event, so a busy run costs the terminal nothing extra. Every
// frame has passed draw's backstop: nothing but styling reaches the
// terminal from a view.
func (m Model) View() string { return m.frame }

// draw renders the screen and passes it through termsafe.KeepStyle: text
// from outside is cleaned where it enters each view, and this catches what
// a view forgot, so that an API or a profile never drives the terminal
// (no OSC 52 clipboard write, no title, no clearing, no C1 or bidi
// control). A clean frame is one scan, done once per frame drawn.
func (m Model) draw() string { return termsafe.KeepStyle(m.render()) }

// Update handles a message and redraws.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m.stack = slices.Clone(m.stack) // a Model is a value: share no stack
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case tickMsg:
		m.refresh()
		cmd = tick()
	case eventsMsg:
		m, cmd = m.onEvents(msg)
		if !msg.closed {
			// Events change what the next tick draws: the frame waits
			// for it, so five busy runs cost five batches, not frames.
			return m, cmd
		}
	case clipboardMsg:
		switch {
		case msg.err != nil && msg.saveErr != nil:
			m.setStatus("not copied ("+oneLine(msg.err.Error())+") nor saved ("+oneLine(msg.saveErr.Error())+"): the command is on screen", true)
		case msg.err != nil:
			m.setStatus("not copied: "+oneLine(msg.err.Error())+"; the command is on screen and in "+msg.saved, true)
		case msg.saveErr != nil:
			m.setStatus("sent by OSC 52 but not saved: "+oneLine(msg.saveErr.Error())+"; the command is on screen", true)
		}
	case tea.KeyMsg:
		m, cmd = m.onKeys(msg)
	default:
		m, cmd = m.broadcast(msg)
	}
	m = m.layout()
	m.fitBuffers()
	m.frame = m.draw()
	return m, cmd
}

// top is the screen with the focus.
func (m Model) top() screen { return m.stack[len(m.stack)-1] }

// onKeys splits letters that arrived in one read ("jjj", typed fast or
// sent by a terminal multiplexer in one write) into one key each, so that
// each moves the cursor as it would alone. Once a text field has the keys
// (a "/" among them opened one), the rest goes to it whole, as text; a
// paste is text and is never split.
func (m Model) onKeys(msg tea.KeyMsg) (Model, tea.Cmd) {
	if msg.Type != tea.KeyRunes || len(msg.Runes) < 2 || msg.Paste {
		return m.onKey(msg)
	}
	var cmds []tea.Cmd
	for i, r := range msg.Runes {
		if m.top().typing() {
			rest := msg
			rest.Runes = msg.Runes[i:]
			next, cmd := m.onKey(rest)
			return next, tea.Batch(append(cmds, cmd)...)
		}
		one := msg
		one.Runes = []rune{r}
		var cmd tea.Cmd
		m, cmd = m.onKey(one)
		m = m.layout() // the key may have opened a screen: the next one sizes by it
		cmds = append(cmds, cmd)
	}
	return m, tea.Batch(cmds...)
}

// onKey gives a key to the screen on top, after the keys that work
// everywhere: ctrl+c, and (unless a field or a question has the keys)
// help and quit.
func (m Model) onKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	k := m.env.keys
	top := m.top()
	switch {
	case key.Matches(msg, k.ForceQuit):
		return m.quit()
	case m.help.ShowAll && (key.Matches(msg, k.Help) || key.Matches(msg, k.Back)):
		m.help.ShowAll = false
		return m, nil
	case top.typing():
	case key.Matches(msg, k.Help):
		m.help.ShowAll = true
		return m, nil
	case key.Matches(msg, k.Quit):
		if live, _ := m.runs.counts(); live > 0 {
			d := newDialog(k, askQuit, pickerItem{})
			d.live = live
			m.stack = append(m.stack, d)
			return m, nil
		}
		return m.quit()
	}
	c := &ctx{env: m.env}
	next, cmd := top.update(msg, c)
	m.stack[len(m.stack)-1] = next
	m, more := m.apply(c)
	return m, tea.Batch(cmd, more)
}

// broadcast hands a message (a command's result) to every screen; each
// takes what is its own.
func (m Model) broadcast(msg tea.Msg) (Model, tea.Cmd) {
	c := &ctx{env: m.env}
	var cmds []tea.Cmd
	for i, s := range m.stack {
		next, cmd := s.update(msg, c)
		m.stack[i] = next
		cmds = append(cmds, cmd)
	}
	m, more := m.apply(c)
	return m, tea.Batch(append(cmds, more)...)
}

// apply does what a screen asked for.
func (m Model) apply(c *ctx) (Model, tea.Cmd) {
	m.stack = m.stack[:max(len(m.stack)-c.pops, 1)]
	m.stack = append(m.stack, c.pushes...)
	if c.status != nil {
		m.setStatus(c.status.text, c.status.isErr)
	}
	switch {
	case c.quit:
		return m.quit()
	case c.stop != nil:
		m.stopOne(c.stop)
	case c.toPicker:
		return m.toPicker()
	case c.toRuns:
		m.stack = []screen{m.stack[0], newRunsList(m.env, m.body().session())}
	case c.open != nil:
		m = m.openRun(c.open.sess, c.open.pane)
	case c.start != nil:
		return m.start(c.start.item, c.start.fresh)
	}
	return m, nil
}

// layout gives every screen its size: the body between the title (and a
// run's header) and the status line and help.
func (m Model) layout() Model {
	m.help.Width = m.width
	for i, s := range m.stack {
		m.stack[i] = s.resize(m.width, m.bodyHeight(s))
	}
	return m
}

// refresh reads the live runs' snapshots and expires the status message.
func (m *Model) refresh() {
	now := m.env.now()
	for _, s := range m.runs.list {
		s.refresh(now)
	}
	if m.status != "" && now.After(m.statusTill) {
		m.status = ""
	}
}

// fitBuffers gives the run on screen its full buffers and the others
// their small ones.
func (m Model) fitBuffers() {
	shown := m.body().session()
	for _, s := range m.runs.list {
		s.show(s == shown || shown != nil && shown.parent == s)
		for _, sub := range s.parts {
			sub.show(sub == shown)
		}
	}
}

func (m Model) onEvents(msg eventsMsg) (Model, tea.Cmd) {
	s := m.runs.byGen(msg.gen)
	if s == nil || s.ended {
		return m, nil
	}
	s.apply(msg.events)
	if !msg.closed {
		return m, waitEvents(s.gen, s.runner.Events())
	}
	s.end()
	if m.quitting {
		if !m.runs.anyLive() {
			return m, tea.Quit
		}
		return m, nil
	}
	m, reload := m.broadcast(reloadCheckpointsMsg{}) // its checkpoint and history moved
	return m, tea.Batch(reload, m.notify(s))
}

// notify says in the status line that a run not on screen ended, and
// rings the terminal's bell (unless told not to). A run the user stopped
// says nothing: they know.
func (m *Model) notify(s *runSession) tea.Cmd {
	if s.stopAsked {
		m.setStatus(s.profile.Name+" stopped; checkpoint saved", false)
		return nil
	}
	if m.body().session() == s {
		return nil
	}
	if s.failed() {
		m.setStatus(fmt.Sprintf("%s FAILED: %s (tab: runs, R resumes)", s.profile.Name, oneLine(s.lastErr)), true)
	} else {
		m.setStatus(fmt.Sprintf("%s %s: %s, %s", s.profile.Name, s.word(), counted(s.snap.Pages, "page", "pages"), counted(s.snap.Records, "record", "records")), false)
	}
	if m.env.opts.NoBell || m.env.term == nil {
		return nil
	}
	term := m.env.term
	return func() tea.Msg {
		_, _ = io.WriteString(term, "\a")
		return nil
	}
}

// loginDoneMsg says how a sign-in the console handed the terminal to ended.
type loginDoneMsg struct {
	name string
	err  error
}

// setStatus says something in the status line. What it says often holds a
// profile's name or an API's error, so it is cleaned onto one line here.
func (m *Model) setStatus(text string, isErr bool) {
	m.status, m.statusErr, m.statusTill = termsafe.Line(text), isErr, m.env.now().Add(5*time.Second)
}

// start runs a profile and shows it.
func (m Model) start(it pickerItem, fresh bool) (Model, tea.Cmd) {
	if it.profile.Err != nil {
		m.setStatus(fmt.Sprintf("%s cannot run: %s", it.profile.Name, oneLine(it.profile.Err.Error())), true)
		return m, nil
	}
	if m.env.opts.Start == nil {
		m.setStatus("this console cannot start runs", true)
		return m, nil
	}
	if live := m.runs.liveFor(it.profile.Name); live != nil {
		if fresh {
			m.setStatus(it.profile.Name+" is running: stop it (x) before starting over", true)
			return m, nil
		}
		return m.openRun(live, paneOverview), nil
	}
	r, err := m.env.opts.Start(it.profile, fresh)
	if err != nil {
		m.setStatus(fmt.Sprintf("%s did not start: %s", it.profile.Name, oneLine(err.Error())), true)
		return m, nil
	}
	s := m.runs.add(it.profile, r, m.env.now())
	m = m.openRun(s, paneOverview)
	m.status = ""
	return m, waitEvents(s.gen, r.Events())
}

// openRun shows a run over the profiles, or over the runs list when it is
// open.
func (m Model) openRun(s *runSession, p pane) Model {
	base := []screen{m.stack[0]}
	if len(m.stack) > 1 {
		if l, ok := m.stack[1].(runsList); ok {
			base = append(base, l)
		}
	}
	v := newRunView(m.env, s)
	if p != paneOverview {
		v = v.show(p)
	}
	m.stack = append(base, v)
	return m
}

// toPicker goes back to the profiles, whose checkpoints may have moved.
func (m Model) toPicker() (Model, tea.Cmd) {
	m.stack = m.stack[:1]
	return m.broadcast(reloadCheckpointsMsg{})
}

// stopOne stops a run; it saves its checkpoint and its events close.
func (m *Model) stopOne(s *runSession) {
	if !s.live() {
		return
	}
	s.stopAsked = true
	s.runner.Cancel()
	m.setStatus("stopping "+s.profile.Name+": saving its checkpoint…", false)
}

// quit stops every live run and quits once each has saved its checkpoint
// and closed its events.
func (m Model) quit() (Model, tea.Cmd) {
	live, _ := m.runs.counts()
	if live == 0 {
		return m, tea.Quit
	}
	for _, s := range m.runs.list {
		if s.live() {
			s.stopAsked = true
			s.runner.Cancel()
		}
	}
	m.quitting = true
	if live == 1 {
		m.setStatus("stopping: saving the checkpoint…", false)
	} else {
		m.setStatus(fmt.Sprintf("stopping %d runs: saving their checkpoints…", live), false)
	}
	return m, nil
}

// stopRuns cancels every live run and waits for their checkpoints.
func (m Model) stopRuns() {
	for _, s := range m.runs.list {
		if s.live() {
			s.runner.Cancel()
		}
	}
	for _, s := range m.runs.list {
		if s.live() {
			_ = s.runner.Wait()
		}
	}
}
