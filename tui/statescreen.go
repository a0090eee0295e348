package tui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest/state"
	"siphon/ingest/store"
	"siphon/ingest/termsafe"
)

// stateScreen shows a run's resumable state as its output folder keeps it
// (position, pages, records, high-water mark, partitions) and corrects it:
// rewind N pages, set the high-water mark, reset one partition. Each
// correction asks first, naming what it does; the engine refuses it while a
// run holds the folder, and says so. Reading and changing run in commands.
type stateScreen struct {
	plain
	env   *env
	name  string
	out   string
	view  *state.View
	err   error
	done  string // what the last correction did
	input textinput.Model
	step  stateStep
	op    stateOp
	width int
}

type stateStep int

const (
	stateViewing stateStep = iota
	stateTyping            // the input asks for the count or the value
	stateAsking            // y/n on op
)

// stateOp is a correction waiting for its confirmation.
type stateOp struct {
	kind  string // "rewind", "high_water", "reset"
	n     int
	value string
}

// stateMsg is the state read back, after a correction or not.
type stateMsg struct {
	out  string
	view *state.View
	err  error
	did  *state.Change // the correction made, if any
	cerr error         // why the correction was refused
}

func newStateScreen(e *env, name, out string) (stateScreen, tea.Cmd) {
	return stateScreen{env: e, name: name, out: out, input: e.newInput("", "")}, readState(out, nil)
}

// resetAsk opens the state on the question of resetting a partition.
func resetAsk(e *env, name, out, partition string) (stateScreen, tea.Cmd) {
	s, cmd := newStateScreen(e, name, out)
	s.step, s.op = stateAsking, stateOp{kind: "reset", value: partition}
	return s, cmd
}

// readState reads the state; with change, it first makes the correction.
func readState(out string, change func(store.Location) (state.Change, error)) tea.Cmd {
	return func() tea.Msg {
		loc := store.At(out)
		msg := stateMsg{out: out}
		if change != nil {
			c, err := change(loc)
			if err != nil {
				msg.cerr = err
			} else {
				msg.did = &c
			}
		}
		msg.view, msg.err = state.Show(loc)
		return msg
	}
}

func (s stateScreen) Update(msg tea.Msg, c *ctx) (stateScreen, tea.Cmd) {
	switch msg := msg.(type) {
	case stateMsg:
		if msg.out != s.out {
			return s, nil
		}
		s.view, s.err = msg.view, msg.err
		switch {
		case msg.cerr != nil:
			s.done = ""
			return s, say("refused: "+oneLine(msg.cerr.Error()), true)
		case msg.did != nil:
			s.done = termsafe.Line(strings.Join(append([]string{msg.did.Did}, msg.did.Notes...), "; "))
			return s, say(msg.did.Did, false)
		}
	case tea.KeyMsg:
		return s.onKey(msg)
	}
	return s, nil
}

func (s stateScreen) onKey(msg tea.KeyMsg) (stateScreen, tea.Cmd) {
	k := s.env.keys
	switch s.step {
	case stateTyping:
		switch {
		case key.Matches(msg, k.Back):
			s.step = stateViewing
			return s, nil
		case key.Matches(msg, k.Enter):
			return s.typed()
		}
		var cmd tea.Cmd
		s.input, cmd = s.input.Update(msg)
		return s, cmd
	case stateAsking:
		switch {
		case key.Matches(msg, k.Yes):
			s.step = stateViewing
			return s, readState(s.out, s.op.change())
		case key.Matches(msg, k.No):
			s.step = stateViewing
			return s, say("nothing changed", false)
		}
		return s, nil
	}
	switch {
	case key.Matches(msg, k.Back):
		return s, pop()
	case key.Matches(msg, k.Rewind):
		return s.ask("rewind", "rewind how many pages? ")
	case key.Matches(msg, k.HighWater):
		return s.ask("high_water", "high-water mark: ")
	}
	return s, nil
}

// ask opens the input for a correction's count or value.
func (s stateScreen) ask(kind, prompt string) (stateScreen, tea.Cmd) {
	s.op, s.step = stateOp{kind: kind}, stateTyping
	s.input.Prompt = prompt
	s.input.SetValue("")
	return s, s.input.Focus()
}

// typed checks what was typed and asks for the confirmation.
func (s stateScreen) typed() (stateScreen, tea.Cmd) {
	v := strings.TrimSpace(s.input.Value())
	if s.op.kind == "rewind" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return s, say("rewind takes a number of pages, 1 or more", true)
		}
		s.op.n = n
	} else if v == "" {
		return s, say("type the high-water mark to set", true)
	}
	s.op.value = v
	s.step = stateAsking
	s.input.Blur()
	return s, nil
}

// change is the correction the engine makes.
func (o stateOp) change() func(store.Location) (state.Change, error) {
	switch o.kind {
	case "rewind":
		return func(l store.Location) (state.Change, error) { return state.Rewind(l, o.n) }
	case "high_water":
		return func(l store.Location) (state.Change, error) { return state.Set(l, "high_water", o.value) }
	}
	return func(l store.Location) (state.Change, error) { return state.ResetPartition(l, o.value) }
}

// question names what the correction will do.
func (s stateScreen) question() string {
	name := termsafe.Line(s.name)
	switch s.op.kind {
	case "rewind":
		return fmt.Sprintf("Rewind %s of %s? The records they wrote move to %s; the next run fetches them again. (y/n)",
			counted(s.op.n, "page", "pages"), name, "aside/")
	case "high_water":
		return fmt.Sprintf("Set %s's high-water mark to %s? The next run starts after it. (y/n)", name, termsafe.Line(s.op.value))
	}
	return fmt.Sprintf("Start partition %s of %s over? Its files move to %s; the next run walks it from the start, the others are left. (y/n)",
		termsafe.Line(s.op.value), name, "aside/")
}

func (s stateScreen) prompt() string {
	if s.step == stateAsking {
		return s.question()
	}
	return ""
}

func (s stateScreen) typing() bool { return s.step != stateViewing }

func (s stateScreen) View() string {
	st, w := s.env.styles, s.width
	var lines []string
	switch {
	case s.err != nil:
		lines = append(lines, st.Error.Render(cut(oneLine(s.err.Error()), w)))
	case s.view == nil:
		lines = append(lines, "reading the state…")
	default:
		lines = append(lines, stateLines(s.view, w)...)
	}
	if s.done != "" {
		lines = append(lines, "", st.Subtle.Render(cut(s.done, w)))
	}
	if s.step == stateTyping {
		lines = append(lines, "", inputView(s.input))
	}
	return strings.Join(lines, "\n")
}

// stateLines is what `siphon state show` says, a field a line.
func stateLines(v *state.View, w int) []string {
	pos := v.Position
	var posText []string
	for _, f := range []struct{ k, v string }{{"cursor", pos.Cursor}, {"next_url", pos.NextURL}, {"high_water", pos.HighWater}} {
		if f.v != "" {
			posText = append(posText, f.k+" "+f.v)
		}
	}
	if pos.Offset > 0 {
		posText = append(posText, fmt.Sprintf("offset %d", pos.Offset))
	}
	if pos.Page > 0 {
		posText = append(posText, fmt.Sprintf("page %d", pos.Page))
	}
	if len(posText) == 0 {
		posText = append(posText, "the start")
	}
	done := "resumable"
	if v.Done {
		done = "done: " + v.StopReason
	}
	lines := []string{
		"profile     " + v.Profile + " (" + v.Pagination + ")",
		"output      " + v.Out,
		"next from   " + strings.Join(posText, ", "),
		fmt.Sprintf("pages       %d", v.Pages),
		"records     " + formatCount(v.Records),
		"high water  " + orDash(v.HighWater),
		"state       " + done,
	}
	for _, p := range v.Partitions {
		pd := p.State
		if p.Done {
			pd = "done"
		}
		lines = append(lines, fmt.Sprintf("partition   %s: %s, %d pages, %s records", p.Key, orDash(pd), p.Pages, formatCount(p.Records)))
	}
	for i, l := range lines {
		lines[i] = cut(termsafe.Line(l), w) // the folder's words
	}
	return lines
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func (s stateScreen) SetSize(width, _ int) stateScreen {
	s.width = width
	s.input.Width = max(width-len(s.input.Prompt)-2, 1)
	return s
}

func (s stateScreen) update(msg tea.Msg, c *ctx) (screen, tea.Cmd) { return s.Update(msg, c) }
func (s stateScreen) resize(w, h int) screen                       { return s.SetSize(w, h) }
func (s stateScreen) crumbs(p []string) []string                   { return append(p, s.name+" state") }
func (s stateScreen) ShortHelp() []key.Binding                     { return s.help().ShortHelp() }
func (s stateScreen) FullHelp() [][]key.Binding                    { return s.help().FullHelp() }

func (s stateScreen) help() bindings {
	switch s.step {
	case stateTyping:
		return s.env.keys.InputHelp()
	case stateAsking:
		return s.env.keys.ConfirmHelp()
	}
	return s.env.keys.StateHelp()
}
