package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest/termsafe"
)

// approvalScreen shows what a stranger's profile would read, run, write
// and send where before its first run, and asks whether to approve it.
type approvalScreen struct {
	plain
	env           *env
	item          pickerItem
	width, height int
}

// approvedMsg is how an approval ended: the profile loaded again, or why not.
type approvedMsg struct {
	name    string
	profile Profile
	err     error
}

func newApprovalScreen(e *env, it pickerItem) approvalScreen {
	return approvalScreen{env: e, item: it}
}

func (a approvalScreen) Update(msg tea.Msg, c *ctx) (approvalScreen, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return a, nil
	}
	k := a.env.keys
	switch {
	case key.Matches(km, k.Yes):
		approve, prof := a.env.opts.Approve, a.item.profile
		if approve == nil {
			return a, then(pop(), say("this console cannot approve profiles: run siphon profiles trust "+termsafe.Line(prof.Path), true))
		}
		return a, then(pop(), say("approving "+termsafe.Line(prof.Name)+"…", false), func() tea.Msg {
			p, err := approve(prof)
			return approvedMsg{name: prof.Name, profile: p, err: err}
		})
	case key.Matches(km, k.No), key.Matches(km, k.Back):
		return a, pop()
	}
	return a, nil
}

func (a approvalScreen) update(msg tea.Msg, c *ctx) (screen, tea.Cmd) { return a.Update(msg, c) }
func (a approvalScreen) SetSize(w, h int) approvalScreen {
	a.width, a.height = w, h
	return a
}
func (a approvalScreen) resize(w, h int) screen { return a.SetSize(w, h) }
func (a approvalScreen) typing() bool           { return true } // y and n are its own
func (a approvalScreen) crumbs(p []string) []string {
	return append(p, a.item.profile.Name, "approve")
}
func (a approvalScreen) ShortHelp() []key.Binding  { return a.env.keys.ConfirmHelp().ShortHelp() }
func (a approvalScreen) FullHelp() [][]key.Binding { return a.env.keys.ConfirmHelp().FullHelp() }

func (a approvalScreen) View() string {
	st, w := a.env.styles, max(a.width, 20)
	prof := a.item.profile
	lines := []string{
		st.Title.Render(cut(termsafe.Line(prof.Name)+" is not your profile yet", w)),
		"",
	}
	for _, l := range wrap("Before it runs, it would do what follows, outside its own folder and siphon's. Approve it only if you trust where it came from; a changed profile asks again.", w) {
		lines = append(lines, st.Subtle.Render(l))
	}
	lines = append(lines, "")
	for _, l := range prof.Approval {
		for i, part := range wrap(termsafe.Line(l), w-4) {
			prefix := "  • "
			if i > 0 {
				prefix = "    "
			}
			lines = append(lines, prefix+part)
		}
	}
	lines = append(lines, "", st.Question.Render(cut("Approve "+termsafe.Line(prof.Name)+" as it is now? (y/n)", w)))
	if a.height > 0 && len(lines) > a.height {
		lines = append(lines[:a.height-1], st.Faint.Render(cut("… (more: widen the terminal)", w)))
	}
	return strings.Join(lines, "\n")
}

// wrap breaks text into lines of at most width cells, at spaces where it can.
func wrap(text string, width int) []string {
	if width < 8 {
		width = 8
	}
	var out []string
	line := ""
	for _, word := range strings.Fields(text) {
		for len([]rune(word)) > width { // a path longer than the line: cut it
			if line != "" {
				out = append(out, line)
				line = ""
			}
			r := []rune(word)
			out = append(out, string(r[:width]))
			word = string(r[width:])
		}
		switch {
		case line == "":
			line = word
		case len([]rune(line))+1+len([]rune(word)) <= width:
			line += " " + word
		default:
			out = append(out, line)
			line = word
		}
	}
	if line != "" {
		out = append(out, line)
	}
	return out
}
