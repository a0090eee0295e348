package tui

import tea "github.com/charmbracelet/bubbletea"

// A screen asks the root for what it cannot do itself with these messages,
// returned as commands. Each is one ask; several from one key come in the
// order they were made (then), and the root's Update handles every one.
// Work on disk or with a client (starting a run reads its profile and
// builds its client) happens in commands the root returns, whose results
// come back as messages too.

// pushMsg opens a screen over the others.
type pushMsg struct{ s screen }

// popMsg closes the screen on top.
type popMsg struct{}

// statusMsg says something in the status line ("" clears it).
type statusMsg struct {
	text  string
	isErr bool
}

// startMsg starts a profile's run (fresh: over, its old output aside).
type startMsg struct {
	item  pickerItem
	fresh bool
}

// startedMsg is a start's result: the run, or why it did not start.
type startedMsg struct {
	item   pickerItem
	runner Runner
	err    error
}

// openMsg shows a run on one of its panes.
type openMsg struct {
	sess *runSession
	pane pane
}

// stopMsg stops a run (its checkpoint is saved).
type stopMsg struct{ sess *runSession }

// quitMsg stops every live run and quits once each has saved.
type quitMsg struct{}

// toPickerMsg goes back to the profiles (runs go on).
type toPickerMsg struct{}

// toRunsMsg opens the runs list.
type toRunsMsg struct{}

// askCmd is an ask as a command: its message is the ask.
type askCmd struct{ msg tea.Msg }

func (a askCmd) cmd() tea.Msg { return a.msg }

// ask is a command whose message is msg: how a screen hands the root an
// action.
func ask(msg tea.Msg) tea.Cmd { return askCmd{msg}.cmd }

func push(s screen) tea.Cmd { return ask(pushMsg{s}) }

// pop closes the screen that asks (it is on top: it has the keys).
func pop() tea.Cmd { return ask(popMsg{}) }

func say(text string, isErr bool) tea.Cmd { return ask(statusMsg{text, isErr}) }

func openRunAsk(s *runSession, p pane) tea.Cmd { return ask(openMsg{sess: s, pane: p}) }

func startAsk(it pickerItem, fresh bool) tea.Cmd { return ask(startMsg{item: it, fresh: fresh}) }

// then runs commands one after the other, their messages in that order:
// a screen opened before the result it waits for arrives, an answer
// closed before what it asked for opens. nil commands are skipped.
func then(cmds ...tea.Cmd) tea.Cmd {
	l := compact(cmds)
	if len(l) < 2 {
		return l.only()
	}
	return l.sequence
}

// batch runs commands at once, as tea.Batch.
func batch(cmds ...tea.Cmd) tea.Cmd {
	l := compact(cmds)
	if len(l) < 2 {
		return l.only()
	}
	return l.batch
}

// cmdList is commands that then and batch hand Bubble Tea as one.
type cmdList []tea.Cmd

func (l cmdList) sequence() tea.Msg { return tea.Sequence(l...)() }
func (l cmdList) batch() tea.Msg    { return tea.BatchMsg(l) }

// only is the one command of a list of at most one.
func (l cmdList) only() tea.Cmd {
	if len(l) == 0 {
		return nil
	}
	return l[0]
}

// compact drops the nil commands.
func compact(cmds []tea.Cmd) cmdList {
	var kept cmdList
	for _, c := range cmds {
		if c != nil {
			kept = append(kept, c)
		}
	}
	return kept
}
