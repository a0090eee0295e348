package tui

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// lineInput is a one-line text field: type, move, delete. (bubbles'
// textinput would pull a clipboard module this build does not carry.)
type lineInput struct {
	prompt      string
	placeholder string
	value       []rune
	pos         int
	focused     bool
}

func (in *lineInput) setValue(s string) { in.value, in.pos = []rune(s), len([]rune(s)) }
func (in lineInput) text() string       { return string(in.value) }

// update handles editing keys; it reports whether it used the key.
func (in lineInput) update(msg tea.KeyMsg) (lineInput, bool) {
	switch msg.Type {
	case tea.KeyRunes, tea.KeySpace:
		runes := msg.Runes
		if msg.Type == tea.KeySpace {
			runes = []rune{' '}
		}
		in.value = append(in.value[:in.pos], append(append([]rune(nil), runes...), in.value[in.pos:]...)...)
		in.pos += len(runes)
	case tea.KeyBackspace:
		if in.pos > 0 {
			in.value = append(in.value[:in.pos-1], in.value[in.pos:]...)
			in.pos--
		}
	case tea.KeyDelete:
		if in.pos < len(in.value) {
			in.value = append(in.value[:in.pos], in.value[in.pos+1:]...)
		}
	case tea.KeyLeft:
		in.pos = max(in.pos-1, 0)
	case tea.KeyRight:
		in.pos = min(in.pos+1, len(in.value))
	case tea.KeyHome, tea.KeyCtrlA:
		in.pos = 0
	case tea.KeyEnd, tea.KeyCtrlE:
		in.pos = len(in.value)
	case tea.KeyCtrlU:
		in.value, in.pos = append([]rune(nil), in.value[in.pos:]...), 0
	case tea.KeyCtrlW:
		start := in.pos
		for start > 0 && in.value[start-1] == ' ' {
			start--
		}
		for start > 0 && in.value[start-1] != ' ' {
			start--
		}
		in.value, in.pos = append(in.value[:start], in.value[in.pos:]...), start
	default:
		return in, false
	}
	return in, true
}

// view shows the prompt and the text, the cursor as a block, scrolled so
// the cursor stays in width.
func (in lineInput) view(st Styles, width int) string {
	if len(in.value) == 0 && !in.focused {
		return in.prompt + st.Faint.Render(in.placeholder)
	}
	before, at, after := string(in.value[:in.pos]), " ", ""
	if in.pos < len(in.value) {
		at, after = string(in.value[in.pos]), string(in.value[in.pos+1:])
	}
	room := max(width-ansi.StringWidth(in.prompt)-1, 1)
	if w := ansi.StringWidth(before); w > room {
		before = "…" + ansi.TruncateLeft(before, w-room+1, "")
	}
	cursor := at
	if in.focused {
		cursor = st.Selected.Render(at)
		if at == " " {
			cursor = "█"
		}
	}
	line := in.prompt + before + cursor + after
	if len(in.value) == 0 {
		line += st.Faint.Render(strings.TrimSpace(" " + in.placeholder))
	}
	return cut(line, width)
}
