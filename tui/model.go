package tui

import (
	"fmt"
	"slices"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// Model is the console's root model: a stack of screens (the picker at the
// bottom; the top one has the focus) and the run being watched.
type Model struct {
	env  *env
	help help.Model

	width, height int
	stack         []screen
	run           *runSession
	gen           int

	status     string
	statusErr  bool
	statusTill time.Time

	quitting bool // quit once the run has ended
	leaving  bool // back to the profiles once the run has ended
	frame    string
}

// New builds the console's root model.
func New(opts Options) Model {
	e := &env{opts: opts, now: opts.Now, keys: DefaultKeyMap()}
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
	m := Model{env: e, help: help.New()}
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
	m.frame = m.render()
	return m
}

// Init starts the redraw tick and reads the profiles' checkpoints.
func (m Model) Init() tea.Cmd {
	_, load := m.stack[0].update(reloadCheckpointsMsg{}, &ctx{env: m.env})
	return tea.Batch(tick(), load)
}

// View returns the last frame drawn; frames are drawn on ticks and keys,
// not on every event, so a busy run costs the terminal nothing extra.
func (m Model) View() string { return m.frame }

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
	case clipboardMsg:
		if msg.err != nil {
			m.setStatus("not copied: "+oneLine(msg.err.Error()), true)
		}
	case tea.KeyMsg:
		m, cmd = m.onKey(msg)
	default:
		m, cmd = m.broadcast(msg)
	}
	m = m.layout()
	m.frame = m.render()
	return m, cmd
}

// top is the screen with the focus.
func (m Model) top() screen { return m.stack[len(m.stack)-1] }

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
		if m.run.live() {
			m.stack = append(m.stack, newDialog(k, askQuit, pickerItem{}))
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
	case c.leave:
		if !m.run.live() {
			return m.toPicker()
		}
		m.run.runner.Cancel()
		m.leaving = true
		m.setStatus("stopping: saving the checkpoint…", false)
	case c.toPicker:
		return m.toPicker()
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

// refresh reads the run's snapshot and expires the status message.
func (m *Model) refresh() {
	now := m.env.now()
	m.run.refresh(now)
	if m.status != "" && now.After(m.statusTill) {
		m.status = ""
	}
}

func (m Model) onEvents(msg eventsMsg) (Model, tea.Cmd) {
	if m.run == nil || msg.gen != m.run.gen {
		return m, nil // a run no longer on screen; its channel closes on its own
	}
	m.run.apply(msg.events)
	if !msg.closed {
		return m, waitEvents(m.run.gen, m.run.runner.Events())
	}
	m.run.end()
	switch {
	case m.quitting:
		return m, tea.Quit
	case m.leaving:
		m.leaving = false
		return m.toPicker()
	}
	return m, nil
}

// loginDoneMsg says how a sign-in the console handed the terminal to ended.
type loginDoneMsg struct {
	name string
	err  error
}

func (m *Model) setStatus(text string, isErr bool) {
	m.status, m.statusErr, m.statusTill = text, isErr, m.env.now().Add(5*time.Second)
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
	r, err := m.env.opts.Start(it.profile, fresh)
	if err != nil {
		m.setStatus(fmt.Sprintf("%s did not start: %s", it.profile.Name, oneLine(err.Error())), true)
		return m, nil
	}
	m.gen++
	m.run = newRunSession(it.profile, r, m.gen)
	m.stack = []screen{m.stack[0], newRunView(m.env, m.run)}
	m.status = ""
	return m, waitEvents(m.gen, r.Events())
}

// toPicker goes back to the profiles, whose checkpoints may have moved.
func (m Model) toPicker() (Model, tea.Cmd) {
	m.stack = m.stack[:1]
	return m.broadcast(reloadCheckpointsMsg{})
}

func (m Model) quit() (Model, tea.Cmd) {
	if !m.run.live() {
		return m, tea.Quit
	}
	// Quit once the run has saved its checkpoint and closed its events.
	m.run.runner.Cancel()
	m.quitting = true
	m.setStatus("stopping: saving the checkpoint…", false)
	return m, nil
}

// stopRun cancels a live run and waits for its checkpoint.
func (m Model) stopRun() {
	if m.run.live() {
		m.run.runner.Cancel()
		_ = m.run.runner.Wait()
	}
}
