package tui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest/page"
	"siphon/ingest/termsafe"
	"siphon/profiles"
)

// playground is the selector editor opened on a page in the inspector: it
// tries records and pagination expressions on the page's body and saves
// them into the profile's file.
type playground struct {
	plain
	env    *env
	sess   *runSession
	page   int
	editor selectorEditor
	width  int
	height int
}

// newPlayground opens the editor on a page: its whole body from the archive
// when it was read, else the preview the inspector holds.
func newPlayground(e *env, s *runSession, p pageInfo, name string, whole []byte, readErr error) playground {
	resp := p.Response
	body, note := resp.Body, ""
	switch {
	case readErr == nil:
		body, note = whole, fmt.Sprintf("page %d's whole body (%s) from the archive's %s", p.Page, formatBytes(int64(len(whole))), name)
	case int64(len(resp.Body)) < resp.BodyBytes:
		note = fmt.Sprintf("only the first %s of page %d's %s body (no %s in the output: raw_pages off?): results may be cut",
			formatBytes(int64(len(resp.Body))), p.Page, formatBytes(resp.BodyBytes), name)
	default:
		note = fmt.Sprintf("page %d's body (%s), as received", p.Page, formatBytes(int64(len(body))))
	}
	prof := s.profile
	ed := newSelectorEditor(e, body, headerOf(resp.Headers), p.Request.URL, note, prof.Format, prof.Records, prof.PaginationConfig, false)
	return playground{env: e, sess: s, page: p.Page, editor: ed}
}

func (g playground) evaluate() (playground, tea.Cmd) {
	var cmd tea.Cmd
	g.editor, cmd = g.editor.evaluate()
	return g, cmd
}

// selectorsSavedMsg says how saving edited selectors went.
type selectorsSavedMsg struct {
	profile Profile // with the saved values
	keys    []string
	err     error
}

func (g playground) Update(msg tea.Msg, c *ctx) (playground, tea.Cmd) {
	k := g.env.keys
	switch msg := msg.(type) {
	case selectorResultMsg:
		g.editor = g.editor.receive(msg)
	case selectorsSavedMsg:
		return g.onSaved(msg, c)
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, k.Back):
			g.keepTrial()
			return g, pop()
		case key.Matches(msg, k.Save):
			return g, g.save(c)
		}
		var cmd tea.Cmd
		g.editor, cmd = g.editor.update(msg)
		return g, cmd
	}
	return g, nil
}

// save writes the edited fields into the profile's file, keeping its
// comments, in a command; the next run uses them (the one on screen goes
// on as it started).
func (g playground) save(c *ctx) tea.Cmd {
	prof := g.sess.profile
	set := g.editor.changes()
	switch {
	case len(set) == 0:
		return say("nothing changed to save", false)
	case prof.Path == "":
		return say(prof.Name+" is built in: there is no file to save into; copy the values into a profile of your own", true)
	}
	prof.Records, prof.PaginationConfig, _ = g.editor.config() // UpdateFile checks each value as the loader does
	return func() tea.Msg {
		err := (profiles.Loader{CheckExpr: page.Check}).UpdateFile(prof.Path, set)
		return selectorsSavedMsg{profile: prof, keys: sortedKeys(set), err: err}
	}
}

func (g playground) onSaved(msg selectorsSavedMsg, c *ctx) (playground, tea.Cmd) {
	if msg.err != nil {
		return g, say("not saved: "+oneLine(msg.err.Error()), true)
	}
	g.sess.profile = msg.profile
	g.editor = g.editor.saved()
	return g, say(fmt.Sprintf("saved %s into %s; the next run of %s uses them", strings.Join(msg.keys, ", "), msg.profile.Path, msg.profile.Name), false)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (g playground) SetSize(width, height int) playground {
	g.width, g.height = width, height
	g.editor = g.editor.setWidth(width)
	return g
}

func (g playground) update(msg tea.Msg, c *ctx) (screen, tea.Cmd) { return g.Update(msg, c) }
func (g playground) resize(w, h int) screen                       { return g.SetSize(w, h) }
func (g playground) session() *runSession                         { return g.sess }
func (g playground) typing() bool                                 { return true }
func (g playground) crumbs(p []string) []string                   { return append(p, "selectors") }
func (g playground) ShortHelp() []key.Binding {
	return g.env.keys.EditorHelp("save to the profile").ShortHelp()
}
func (g playground) FullHelp() [][]key.Binding {
	return g.env.keys.EditorHelp("save to the profile").FullHelp()
}

func (g playground) View() string {
	st, w := g.env.styles, g.width
	title := st.Subtle.Render(cut(termsafe.Line(fmt.Sprintf("selectors on page %d of %s · tab next field · enter saves · esc back", g.page, g.sess.profile.Name)), w))
	lines := append([]string{title}, g.editor.view(w)...)
	if len(lines) > g.height {
		lines = lines[:g.height]
	}
	return strings.Join(lines, "\n")
}

// keepTrial leaves the edited selectors, when they changed and are valid,
// on the run for a replay from the pages view to walk with.
func (g playground) keepTrial() {
	if len(g.editor.changes()) == 0 {
		return
	}
	records, pag, err := g.editor.config()
	if err != nil {
		return
	}
	g.sess.trial = &trialSelectors{records: records, pagination: pag}
}
