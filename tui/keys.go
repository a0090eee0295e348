package tui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
)

// KeyMap holds every key the console answers to. Disable a binding to turn
// it off; it then disappears from the help too.
type KeyMap struct {
	Up, Down, Left, Right key.Binding
	PageUp, PageDown      key.Binding
	Top, Bottom           key.Binding
	Enter, Back, Filter   key.Binding
	Pause, Records, Pages key.Binding
	Events, Copy, Fresh   key.Binding
	Help, Quit, ForceQuit key.Binding
	Yes, No               key.Binding

	// Several runs: stop one, switch between the profiles and the runs,
	// a profile's history, resume a failed or stopped run.
	Stop, Runs, History, Restart key.Binding

	// A partitioned run: pause or resume every partition at once (Pause
	// and Restart act on the selected partition).
	PauseAll key.Binding

	// The event log: show or hide the routine checkpoint lines.
	Checkpoints key.Binding

	// The selector playground and the new-profile form.
	Selectors, Add, Import, Edit, Save key.Binding
	NextField, PrevField               key.Binding

	// Replay the walk over the archived pages (the pages view); a run's
	// state and its corrections: rewind pages, set the high-water mark,
	// reset a partition (the table of partitions).
	Replay, State, Rewind, HighWater, ResetPartition key.Binding
}

// DefaultKeyMap is the console's documented keys (docs/console.md).
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:          key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:        key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Left:        key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "left")),
		Right:       key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "right")),
		PageUp:      key.NewBinding(key.WithKeys("pgup", "b"), key.WithHelp("pgup", "page up")),
		PageDown:    key.NewBinding(key.WithKeys("pgdown", "f"), key.WithHelp("pgdn", "page down")),
		Top:         key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "top")),
		Bottom:      key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "bottom/follow")),
		Enter:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Back:        key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Pause:       key.NewBinding(key.WithKeys("p", " "), key.WithHelp("p", "pause/resume")),
		Records:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "records")),
		Pages:       key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "pages")),
		Events:      key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "events")),
		Copy:        key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy as curl")),
		Fresh:       key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "start over")),
		Help:        key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:        key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		ForceQuit:   key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "stop and quit")),
		Yes:         key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
		No:          key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n", "no")),
		Stop:        key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "stop")),
		Runs:        key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "profiles/runs")),
		History:     key.NewBinding(key.WithKeys("H"), key.WithHelp("H", "history")),
		Restart:     key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "resume failed/stopped run")),
		PauseAll:    key.NewBinding(key.WithKeys("P"), key.WithHelp("P", "pause/resume all partitions")),
		Checkpoints: key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "show/hide checkpoints")),
		Selectors:   key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "try selectors")),
		Add:         key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "new profile")),
		Import:      key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "import")),
		Edit:        key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit")),
		Save:        key.NewBinding(key.WithKeys("enter", "ctrl+s"), key.WithHelp("enter", "save")),
		NextField:   key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab", "next field")),
		PrevField:   key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("shift+tab", "previous field")),

		Replay:         key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "replay walk")),
		State:          key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "state")),
		Rewind:         key.NewBinding(key.WithKeys("W"), key.WithHelp("W", "rewind pages")),
		HighWater:      key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "set high-water mark")),
		ResetPartition: key.NewBinding(key.WithKeys("Z"), key.WithHelp("Z", "reset partition")),
	}
}

// ReplayHelp is the help of a replay's pane.
func (k KeyMap) ReplayHelp() bindings {
	return bindings{
		short: []key.Binding{k.Up, k.Down, k.Back, k.Help},
		full:  [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown}, {k.Back, k.Help, k.Quit, k.ForceQuit}},
	}
}

// StateHelp is the help of a run's state.
func (k KeyMap) StateHelp() bindings {
	return bindings{
		short: []key.Binding{k.Rewind, k.HighWater, k.Back, k.Help},
		full:  [][]key.Binding{{k.Rewind, k.HighWater}, {k.Back, k.Help, k.Quit, k.ForceQuit}},
	}
}

// InputHelp is the help while typing an answer.
func (k KeyMap) InputHelp() bindings {
	enter, back := relabel(k.Enter, "go on"), relabel(k.Back, "cancel")
	return bindings{short: []key.Binding{enter, back}, full: [][]key.Binding{{enter, back}}}
}

// bindings is one view's help: the short line and the full table.
type bindings struct {
	short []key.Binding
	full  [][]key.Binding
}

func (b bindings) ShortHelp() []key.Binding  { return b.short }
func (b bindings) FullHelp() [][]key.Binding { return b.full }

var _ help.KeyMap = bindings{}

// relabel returns a copy of a binding with other help text.
func relabel(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// PickerHelp is the profile picker's help.
func (k KeyMap) PickerHelp() bindings {
	enter := relabel(k.Enter, "start/resume")
	runs := relabel(k.Runs, "runs")
	return bindings{
		short: []key.Binding{enter, k.Fresh, k.Add, runs, k.Filter, k.Help, k.Quit},
		full: [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
			{enter, k.Fresh, k.Add, k.Import, k.Filter, k.Back}, {runs, k.History, k.State, k.Records, k.Pages, k.Events, k.Pause, k.Stop}, {k.Help, k.Quit, k.ForceQuit}},
	}
}

// RunsHelp is the runs list's help.
func (k KeyMap) RunsHelp() bindings {
	enter, runs, back := relabel(k.Enter, "open"), relabel(k.Runs, "profiles"), relabel(k.Back, "profiles")
	return bindings{
		short: []key.Binding{enter, k.Pause, k.Stop, k.Restart, runs, k.Filter, k.Help, k.Quit},
		full: [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
			{enter, k.Pause, k.Stop, k.Restart, k.History, k.Filter},
			{k.Events, k.Records, k.Pages, runs, back}, {k.Help, k.Quit, k.ForceQuit}},
	}
}

// HistoryHelp is the help of a profile's history.
func (k KeyMap) HistoryHelp() bindings {
	enter := relabel(k.Enter, "the whole run")
	return bindings{
		short: []key.Binding{k.Up, k.Down, enter, k.Back, k.Help, k.Quit},
		full:  [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {enter, k.Back, k.Help, k.Quit, k.ForceQuit}},
	}
}

// FilterHelp is the help while typing a filter.
func (k KeyMap) FilterHelp() bindings {
	enter, back := relabel(k.Enter, "apply"), relabel(k.Back, "cancel")
	return bindings{short: []key.Binding{enter, back}, full: [][]key.Binding{{enter, back}}}
}

// RunHelp is the run overview's help; live says whether pause and stop
// apply, resumable whether the ended run can be resumed.
func (k KeyMap) RunHelp(live, resumable bool) bindings {
	pause, stop, restart := k.Pause, k.Stop, k.Restart
	pause.SetEnabled(live)
	stop.SetEnabled(live)
	restart.SetEnabled(resumable)
	back, runs := relabel(k.Back, "back"), relabel(k.Runs, "runs")
	return bindings{
		short: []key.Binding{pause, stop, restart, k.Events, k.Records, k.Pages, back, k.Help, k.Quit},
		full:  [][]key.Binding{{pause, stop, restart, k.Events, k.Records, k.Pages}, {back, runs, k.History, k.State, k.Help, k.Quit, k.ForceQuit}},
	}
}

// PartitionsHelp is the help of a partitioned run's table of partitions;
// live says whether pausing applies, resumable whether the ended run can
// be resumed.
func (k KeyMap) PartitionsHelp(live, resumable bool) bindings {
	pause, all, stop := relabel(k.Pause, "pause/resume partition"), k.PauseAll, k.Stop
	retry := relabel(k.Restart, "retry failed partition")
	if !live {
		retry = relabel(k.Restart, "resume failed/stopped run")
		retry.SetEnabled(resumable)
	}
	pause.SetEnabled(live)
	all.SetEnabled(live)
	stop.SetEnabled(live)
	enter, back, runs := relabel(k.Enter, "open partition"), relabel(k.Back, "back"), relabel(k.Runs, "runs")
	return bindings{
		short: []key.Binding{enter, pause, all, retry, k.Filter, k.Events, back, k.Help},
		full: [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
			{enter, pause, all, retry, stop, k.Filter, k.ResetPartition},
			{k.Events, k.Records, k.Pages, back, runs, k.History, k.State}, {k.Help, k.Quit, k.ForceQuit}},
	}
}

// ListHelp is the help of a scrolling list (events, records, pages); open,
// filter and copy say whether the view has those.
func (k KeyMap) ListHelp(open, filter, sideways, live bool) bindings {
	enter, f, left, right, pause := k.Enter, k.Filter, k.Left, k.Right, k.Pause
	enter.SetEnabled(open)
	f.SetEnabled(filter)
	left.SetEnabled(sideways)
	right.SetEnabled(sideways)
	pause.SetEnabled(live)
	return bindings{
		short: []key.Binding{k.Up, k.Down, enter, f, right, k.Bottom, k.Back, k.Help},
		full: [][]key.Binding{
			{k.Up, k.Down, left, right, k.PageUp, k.PageDown, k.Top, k.Bottom},
			{enter, f, k.Back, pause},
			{k.Events, k.Records, k.Pages, k.Help, k.Quit},
		},
	}
}

// PagesHelp is the pages view's: a list, and w to replay the walk.
func (k KeyMap) PagesHelp(live bool) bindings {
	b := k.ListHelp(true, false, true, live)
	b.short = append([]key.Binding{k.Replay}, b.short...)
	b.full[1] = append(b.full[1], k.Replay)
	return b
}

// LogHelp is the event log's: a list, and v to show the checkpoints.
func (k KeyMap) LogHelp(live bool) bindings {
	b := k.ListHelp(true, false, true, live) // enter opens a line whole; left/right scroll sideways
	b.short = append([]key.Binding{k.Checkpoints}, b.short...)
	b.full[1] = append(b.full[1], k.Checkpoints)
	return b
}

// DetailHelp is the help of a record's or a page's detail; a page's can
// be copied and tried selectors on.
func (k KeyMap) DetailHelp(page bool) bindings {
	c, s := k.Copy, k.Selectors
	c.SetEnabled(page)
	s.SetEnabled(page)
	return bindings{
		short: []key.Binding{k.Up, k.Down, c, s, k.Back, k.Help},
		full:  [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {c, s, k.Back, k.Help, k.Quit}},
	}
}

// EditorHelp is the help of a form of fields (selectors, new profile);
// save names what enter does.
func (k KeyMap) EditorHelp(save string) bindings {
	sv, back := relabel(k.Save, save), relabel(k.Back, "cancel")
	return bindings{
		short: []key.Binding{k.NextField, sv, back},
		full:  [][]key.Binding{{k.NextField, k.PrevField}, {sv, back, k.ForceQuit}},
	}
}

// ConfirmHelp is the help of a yes/no question.
func (k KeyMap) ConfirmHelp() bindings {
	return bindings{short: []key.Binding{k.Yes, k.No}, full: [][]key.Binding{{k.Yes, k.No}}}
}
