package tui

import (
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest"
)

// pickerItem is a profile with its checkpoint, as the picker shows it.
type pickerItem struct {
	profile Profile
	cp      *ingest.Checkpoint
	cpErr   error
}

// picker is the filterable list of profiles.
type picker struct {
	items    []pickerItem
	shown    []int // indexes of items matching the filter
	cursor   int   // index into shown
	top      int   // first shown item on screen
	input    lineInput
	filter   string
	filterOn bool // typing a filter
}

func newPicker(profiles []Profile) picker {
	p := picker{input: lineInput{prompt: "filter: ", placeholder: "name, description, pagination or auth"}}
	for _, prof := range profiles {
		p.items = append(p.items, pickerItem{profile: prof})
	}
	return p.refresh()
}

// refresh re-reads every profile's checkpoint (after a run, say).
func (p picker) refresh() picker {
	for i := range p.items {
		p.items[i].cp, p.items[i].cpErr = nil, nil
		if out := p.items[i].profile.Out; out != "" {
			p.items[i].cp, p.items[i].cpErr = ingest.ReadCheckpoint(out)
		}
	}
	return p.applyFilter(p.filter)
}

// applyFilter keeps the profiles whose words contain the filter's, in any
// case; the cursor stays on the same profile when it still shows.
func (p picker) applyFilter(filter string) picker {
	current := -1
	if p.cursor < len(p.shown) {
		current = p.shown[p.cursor]
	}
	p.filter, p.shown, p.cursor = filter, nil, 0
	needle := strings.ToLower(strings.TrimSpace(filter))
	for i, it := range p.items {
		hay := strings.ToLower(strings.Join([]string{it.profile.Name, it.profile.Description, it.profile.Pagination, it.profile.Auth}, " "))
		if needle == "" || strings.Contains(hay, needle) {
			if i == current {
				p.cursor = len(p.shown)
			}
			p.shown = append(p.shown, i)
		}
	}
	return p
}

// selected is the profile under the cursor.
func (p picker) selected() (pickerItem, bool) {
	if p.cursor < 0 || p.cursor >= len(p.shown) {
		return pickerItem{}, false
	}
	return p.items[p.shown[p.cursor]], true
}

const pickerItemHeight = 2

func (p picker) update(msg tea.KeyMsg, k KeyMap, height int) (picker, tea.Cmd) {
	if p.filterOn {
		switch {
		case msg.Type == tea.KeyEnter:
			p.filterOn, p.input.focused = false, false
			return p, nil
		case msg.Type == tea.KeyEsc:
			p.filterOn, p.input.focused = false, false
			p.input.setValue("")
			return p.applyFilter(""), nil
		}
		p.input, _ = p.input.update(msg)
		return p.applyFilter(p.input.text()), nil
	}
	perPage := max(height/pickerItemHeight, 1)
	switch {
	case keyMatches(msg, k.Up):
		p.cursor--
	case keyMatches(msg, k.Down):
		p.cursor++
	case keyMatches(msg, k.PageUp):
		p.cursor -= perPage
	case keyMatches(msg, k.PageDown):
		p.cursor += perPage
	case keyMatches(msg, k.Top):
		p.cursor = 0
	case keyMatches(msg, k.Bottom):
		p.cursor = len(p.shown) - 1
	case keyMatches(msg, k.Filter):
		p.filterOn, p.input.focused = true, true
		return p, nil
	case keyMatches(msg, k.Back) && p.filter != "":
		p.input.setValue("")
		return p.applyFilter(""), nil
	}
	p.cursor = min(max(p.cursor, 0), max(len(p.shown)-1, 0))
	p.top = scrollTop(p.top, p.cursor, perPage)
	return p, nil
}

// scrollTop moves a window of size rows so that cursor is in it.
func scrollTop(top, cursor, size int) int {
	if cursor < top {
		return cursor
	}
	if cursor >= top+size {
		return cursor - size + 1
	}
	return max(top, 0)
}

func (p picker) view(st Styles, width, height int, now time.Time) string {
	var lines []string
	if p.filterOn || p.filter != "" {
		lines = append(lines, p.input.view(st, width))
		height--
	}
	if len(p.shown) == 0 {
		msg := "No profiles."
		if p.filter != "" {
			msg = fmt.Sprintf("No profile matches %q (esc clears the filter).", p.filter)
		} else if len(p.items) == 0 {
			msg = "No saved profiles. Press a to add one from a URL, write one (see README.md), or try the built-in ones with: siphon demo"
		}
		return strings.Join(append(lines, st.Subtle.Render(msg)), "\n")
	}
	perPage := max(height/pickerItemHeight, 1)
	top := scrollTop(p.top, p.cursor, perPage)
	for i := top; i < len(p.shown) && i < top+perPage; i++ {
		lines = append(lines, p.itemLines(st, p.items[p.shown[i]], i == p.cursor, width, now)...)
	}
	return strings.Join(lines, "\n")
}

func (p picker) itemLines(st Styles, it pickerItem, selected bool, width int, now time.Time) []string {
	marker := "  "
	if selected {
		marker = "› "
	}
	prof := it.profile
	state := checkpointText(it.cp, it.cpErr, now)
	stateStyle := st.Subtle
	switch {
	case prof.Err != nil:
		state, stateStyle = "invalid", st.Error
	case prof.NeedsLogin:
		state, stateStyle = "needs sign-in (enter)", st.Warn
	case it.cpErr != nil:
		stateStyle = st.Error
	case it.cp != nil && !it.cp.Done:
		stateStyle = st.Warn
	}
	kind := prof.Pagination + " · " + prof.Auth
	nameW := max(min(22, width/4), 8)
	kindW := 20
	stateW := max(width-2-nameW-kindW-2, 0)
	name := fit(prof.Name, nameW)
	if selected {
		name = st.Selected.Render(name)
	} else {
		name = st.Title.Render(name)
	}
	line1 := marker + name + " " + st.Faint.Render(fit(kind, kindW)) + " " + stateStyle.Render(cut(state, stateW))
	desc := prof.Description
	if prof.Err != nil {
		desc = "cannot run: " + oneLine(prof.Err.Error())
		return []string{line1, "  " + st.Error.Render(cut(desc, width-2))}
	}
	return []string{line1, "  " + st.Subtle.Render(cut(desc, width-2))}
}
