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

	// holding: the last key returned a command; keys wait in held until
	// a message that is not a key comes (hold).
	holding bool
	holdSeq int
	held    []tea.KeyMsg
	heldAt  time.Time // when holding began
}

// New builds the console's root model.
func New(opts Options) Model {
	e := &env{opts: opts, now: opts.Now, keys: DefaultKeyMap(), runs: &runSet{starting: map[string]bool{}}, listen: listen}
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
	if km, ok := msg.(tea.KeyMsg); ok && m.holding && !key.Matches(km, m.env.keys.ForceQuit) {
		return m.hold(km), nil
	}
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
	case pushMsg, popMsg, statusMsg, startMsg, startedMsg, openMsg, stopMsg, quitMsg, toPickerMsg, toRunsMsg:
		m, cmd = m.onAsk(msg)
	case keysGoMsg:
	default:
		m, cmd = m.broadcast(msg)
	}
	if m.holding && m.lets(msg) {
		var more tea.Cmd
		m, more = m.release()
		cmd = batch(cmd, more)
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
			return next, batch(append(cmds, cmd)...)
		}
		one := msg
		one.Runes = []rune{r}
		var cmd tea.Cmd
		m, cmd = m.onKey(one)
		m = m.layout()
		cmds = append(cmds, cmd)
		if m.holding && i < len(msg.Runes)-1 {
			// The key asked for something: the rest waits for it.
			rest := msg
			rest.Runes = msg.Runes[i+1:]
			m.held = append([]tea.KeyMsg{rest}, m.held...)
			return m, batch(cmds...)
		}
	}
	return m, batch(cmds...)
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
	next, cmd := top.update(msg, &ctx{env: m.env})
	m.stack[len(m.stack)-1] = next
	if cmd == nil {
		return m, nil
	}
	// Keys typed after this one wait until its command has run: what it
	// asked (a screen opened or closed) decides where they go.
	m.holding, m.holdSeq, m.heldAt = true, m.holdSeq+1, m.env.now()
	return m, then(cmd, ask(keysGoMsg{m.holdSeq}))
}

// keysGoMsg comes once the command of the key that made it has run, its
// asks handled: the keys held since go on.
type keysGoMsg struct{ seq int }

// maxHeld bounds the keys kept while a key's asks are on their way.
const maxHeld = 64

// slowCommand is how long held keys wait for their key's command before a
// tick lets them go.
const slowCommand = 500 * time.Millisecond

// hold keeps a key that came while the last key's command is out: what it
// asked (a screen to open or close) comes as messages, and the keys typed
// after it are for the screen it leaves on top. They go on, in order, when
// the command is done (keysGoMsg), or at the first tick once it has taken
// slowCommand (a probe): a slow command delays a key by about that much at
// most, and a command that is merely slowed (a busy machine) still has
// the keys typed after it wait for it.
func (m Model) hold(msg tea.KeyMsg) Model {
	if len(m.held) < maxHeld {
		m.held = append(m.held, msg)
	}
	return m
}

// lets says the message lets held keys go: the go of the latest key that
// held them, or a tick once the command has been slow.
func (m Model) lets(msg tea.Msg) bool {
	switch msg := msg.(type) {
	case keysGoMsg:
		return msg.seq == m.holdSeq
	case tickMsg:
		return m.env.now().Sub(m.heldAt) >= slowCommand
	}
	return false
}

// release hands the held keys on, until one of them asks in turn.
func (m Model) release() (Model, tea.Cmd) {
	m.holding = false
	var cmds []tea.Cmd
	for len(m.held) > 0 && !m.holding {
		k := m.held[0]
		m.held = m.held[1:]
		var cmd tea.Cmd
		m, cmd = m.onKeys(k)
		m = m.layout()
		cmds = append(cmds, cmd)
	}
	return m, batch(cmds...)
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
	return m, batch(cmds...)
}

// onAsk does what a screen asked for (actions.go). Every ask is a message
// of its own, so two asks from one key are both done, in order.
func (m Model) onAsk(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case pushMsg:
		m.stack = append(m.stack, msg.s)
	case popMsg:
		m.stack = m.stack[:max(len(m.stack)-1, 1)]
	case statusMsg:
		m.setStatus(msg.text, msg.isErr)
	case quitMsg:
		return m.quit()
	case stopMsg:
		m.stopOne(msg.sess)
	case toPickerMsg:
		return m.toPicker()
	case toRunsMsg:
		m.stack = []screen{m.stack[0], newRunsList(m.env, m.body().session())}
	case openMsg:
		m = m.openRun(msg.sess, msg.pane)
	case startMsg:
		return m.start(msg.item, msg.fresh)
	case startedMsg:
		return m.started(msg)
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
		return m, m.env.listen(s)
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
	if m.runs.starting[it.profile.Name] {
		return m, nil // enter twice: one start is on its way
	}
	m.runs.starting[it.profile.Name] = true
	return m, startRun(m.env.opts.Start, it, fresh)
}

// startRun starts a run. Starting reads the profile's folder and builds
// its client: in a command, never in Update.
func startRun(start Starter, it pickerItem, fresh bool) tea.Cmd {
	return starting{start, it, fresh}.cmd
}

type starting struct {
	start Starter
	item  pickerItem
	fresh bool
}

func (s starting) cmd() tea.Msg {
	r, err := s.start(s.item.profile, s.fresh)
	return startedMsg{item: s.item, runner: r, err: err}
}

// started shows a run that has started, or says why it did not.
func (m Model) started(msg startedMsg) (Model, tea.Cmd) {
	delete(m.runs.starting, msg.item.profile.Name)
	if msg.err != nil {
		m.setStatus(fmt.Sprintf("%s did not start: %s", msg.item.profile.Name, oneLine(msg.err.Error())), true)
		return m, nil
	}
	s := m.runs.add(msg.item.profile, msg.runner, m.env.now())
	m = m.openRun(s, paneOverview)
	m.status = ""
	return m, m.env.listen(s)
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
