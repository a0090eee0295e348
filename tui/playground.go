package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"siphon/profiles"
)

// playground is the selector editor opened on a page in the inspector.
type playground struct {
	page   int
	editor selectorEditor
}

// bodyFile is where a run archives a page's body (output.raw_pages).
func bodyFile(out string, page int) string {
	return filepath.Join(out, "pages", fmt.Sprintf("%06d.body", page))
}

// openPlayground opens the selector editor on the page in the detail view:
// its whole body from the archive when there is one, else the preview.
func (m Model) openPlayground() (Model, tea.Cmd) {
	p := m.pages.detailPage
	resp := p.Response
	body, note := resp.Body, ""
	name := bodyFile("", p.Page)
	if whole, err := os.ReadFile(bodyFile(m.run.out, p.Page)); err == nil {
		body, note = whole, fmt.Sprintf("page %d's whole body (%s) from the archive's %s", p.Page, formatBytes(int64(len(whole))), name)
	} else if int64(len(resp.Body)) < resp.BodyBytes {
		note = fmt.Sprintf("only the first %s of page %d's %s body (no %s in the output: raw_pages off?): results may be cut",
			formatBytes(int64(len(resp.Body))), p.Page, formatBytes(resp.BodyBytes), name)
	} else {
		note = fmt.Sprintf("page %d's body (%s), as received", p.Page, formatBytes(int64(len(body))))
	}
	prof := m.run.profile
	ed := newSelectorEditor(body, headerOf(resp.Headers), p.Request.URL, note, prof.Records, prof.PaginationConfig, false)
	ed, cmd := ed.evaluate()
	m.play = &playground{page: p.Page, editor: ed}
	return m, cmd
}

func (m Model) playgroundKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	switch {
	case keyMatches(msg, m.keys.Back):
		m.play = nil
		return m, nil
	case keyMatches(msg, m.keys.Save):
		return m.saveSelectors(), nil
	}
	play := *m.play
	var cmd tea.Cmd
	play.editor, cmd = play.editor.update(msg, m.keys)
	m.play = &play
	return m, cmd
}

// saveSelectors writes the edited fields into the profile's file, keeping
// its comments; the next run uses them (the one on screen goes on as it
// started).
func (m Model) saveSelectors() Model {
	prof := m.run.profile
	set := m.play.editor.changes()
	switch {
	case len(set) == 0:
		m.setStatus("nothing changed to save", false)
		return m
	case prof.Path == "":
		m.setStatus(prof.Name+" is built in: there is no file to save into; copy the values into a profile of your own", true)
		return m
	}
	if err := profiles.UpdateFile(prof.Path, set); err != nil {
		m.setStatus("not saved: "+oneLine(err.Error()), true)
		return m
	}
	records, pag := m.play.editor.config()
	prof.Records, prof.PaginationConfig = records, pag
	m.run.profile = prof
	m.picker = m.picker.replace(prof)
	play := *m.play
	for i := range play.editor.fields {
		play.editor.fields[i].was = strings.TrimSpace(play.editor.fields[i].input.text())
	}
	m.play = &play
	m.setStatus(fmt.Sprintf("saved %s into %s; the next run of %s uses them", strings.Join(sortedKeys(set), ", "), prof.Path, prof.Name), false)
	return m
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (m Model) playgroundView(height int) string {
	st, w := m.styles, m.width
	title := st.Subtle.Render(cut(fmt.Sprintf("selectors on page %d of %s · tab next field · enter saves · esc back", m.play.page, m.run.profile.Name), w))
	lines := append([]string{title}, m.play.editor.view(st, w)...)
	if len(lines) > height {
		lines = lines[:height]
	}
	return strings.Join(lines, "\n")
}

// replace swaps a profile for its edited self, by name.
func (p picker) replace(prof Profile) picker {
	for i := range p.items {
		if p.items[i].profile.Name == prof.Name {
			p.items[i].profile = prof
		}
	}
	return p
}

// onSelectorResult hands an evaluation to the editor on show.
func (m Model) onSelectorResult(msg selectorResultMsg) Model {
	switch {
	case m.play != nil:
		play := *m.play
		play.editor = play.editor.receive(msg)
		m.play = &play
	case m.form != nil && m.form.probed != nil:
		f := *m.form
		f.editor = f.editor.receive(msg)
		m.form = &f
	}
	return m
}
