package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
)

// filterLine is a list's filter: a text field that narrows what the list
// shows, typed after '/', kept with enter and dropped with esc. The
// picker, the runs list and the partition table share it.
type filterLine struct {
	input  textinput.Model
	typing bool // the field has the keys
}

func newFilterLine(e *env, prompt, placeholder string) filterLine {
	return filterLine{input: e.newInput(prompt, placeholder)}
}

// text is the filter as typed.
func (f filterLine) text() string { return f.input.Value() }

// needle is what rows are matched against: trimmed, in lower case.
func (f filterLine) needle() string { return strings.ToLower(strings.TrimSpace(f.input.Value())) }

// shown reports whether the filter takes a line above the list.
func (f filterLine) shown() bool { return f.typing || f.input.Value() != "" }

// start gives the field the keys.
func (f filterLine) start() (filterLine, tea.Cmd) {
	f.typing = true
	return f, f.input.Focus()
}

// clear drops the filter.
func (f filterLine) clear() filterLine {
	f.typing = false
	f.input.Blur()
	f.input.SetValue("")
	return f
}

// key edits the filter while typing: enter keeps it, esc drops it.
func (f filterLine) key(km tea.KeyMsg, k KeyMap) (filterLine, tea.Cmd) {
	switch {
	case key.Matches(km, k.Enter):
		f.typing = false
		f.input.Blur()
		return f, nil
	case key.Matches(km, k.Back):
		return f.clear(), nil
	}
	var cmd tea.Cmd
	f.input, cmd = f.input.Update(km)
	return f, cmd
}

func (f filterLine) setWidth(width int) filterLine {
	f.input.Width = max(width-len(f.input.Prompt)-1, 1)
	return f
}

func (f filterLine) View(width int) string { return cut(inputView(f.input), width) }

// rows is the screen lines the filter takes above a list: 1 when shown.
func (f filterLine) rows() int {
	if f.shown() {
		return 1
	}
	return 0
}

// lines is the filter's line above a list, none when it is not shown.
func (f filterLine) lines(width int) []string {
	if !f.shown() {
		return nil
	}
	return []string{f.View(width)}
}

// emptyText is what an empty list says: that nothing matches the filter
// (a noun's worth: "No run matches …"), or otherwise none.
func (f filterLine) emptyText(noun, none string) string {
	if f.text() != "" {
		return fmt.Sprintf("No %s matches %q (esc clears the filter).", noun, f.text())
	}
	return none
}
