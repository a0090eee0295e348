package tui

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest/termsafe"
	"siphon/profiles"
)

// ImportRequest asks for the proposals of an API description (OpenAPI,
// Postman collection or HAR file). With Only, just that proposal comes
// back, confirmed with the probe when the API answers (Verdict says how).
type ImportRequest struct {
	Source    string            // a file or URL
	BaseURL   string            // "": the description's
	BearerEnv string            // "": the description's auth
	Set       map[string]string // values of required parameters
	Only      string            // one proposal's name: probe it
}

// ImportProposal is one profile proposed for one operation.
type ImportProposal struct {
	Name, Method, Path, Summary, Tag string
	Records, Paging                  string
	Needs                            []string // required parameters without a value
	Notes                            []string
	Verdict                          string // what the probe said ("" before a probe)
	YAML                             []byte // the profile file, secrets as ${VAR}
}

// ImportResult is a description's proposals.
type ImportResult struct {
	Title     string // what was read, in a line ("petstore.yaml (OpenAPI 3.0.3)")
	Proposals []ImportProposal
	Skipped   int // operations that list no records
}

// Importer reads descriptions for the console; it runs in a command.
type Importer func(ctx context.Context, req ImportRequest) (ImportResult, error)

// importTimeout bounds reading a description and probing one proposal.
const importTimeout = 2 * time.Minute

// importStep is where the import screen is.
type importStep int

const (
	importForm   importStep = iota // which description
	importList                     // its operations
	importParams                   // values for the chosen one's parameters
	importReview                   // the probed proposal, to save
)

// importScreen opens an API description, lists the operations that list
// records, probes the one chosen (asking first for the parameters it
// needs) and saves it as a profile.
type importScreen struct {
	plain
	env   *env
	taken []string // profile names in the picker

	step   importStep
	fields []textinput.Model // the form: source, base URL, bearer env var
	focus  int

	result ImportResult
	cursor int
	top    int

	params []textinput.Model // importParams: one per needed parameter
	names  []string
	set    map[string]string // values given so far

	chosen *ImportProposal // importReview: the probed proposal
	scroll int

	busy string // "reading…", "probing…", "saving…": a command is out
	seq  int64
	err  string

	width, height int
}

// importedMsg is a description read, or one proposal probed.
type importedMsg struct {
	seq    int64
	only   string
	result ImportResult
	err    error
}

const (
	importSource = iota
	importBase
	importBearer
)

func newImportScreen(e *env, taken []string) importScreen {
	s := importScreen{env: e, taken: taken, set: map[string]string{}}
	s.fields = []textinput.Model{
		importSource: e.newInput(fmt.Sprintf("%-18s ", "description"), "openapi.yaml, https://api.example.com/openapi.json, a .postman_collection.json or .har"),
		importBase:   e.newInput(fmt.Sprintf("%-18s ", "base URL"), "optional: the description's server"),
		importBearer: e.newInput(fmt.Sprintf("%-18s ", "bearer token var"), "optional: API_TOKEN (its value is read, never saved)"),
	}
	s.fields[0].Focus()
	return s
}

func (s importScreen) request(only string) ImportRequest {
	v := func(i int) string { return strings.TrimSpace(s.fields[i].Value()) }
	bearer := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(v(importBearer), "$"), "{"), "}")
	set := make(map[string]string, len(s.set))
	for k, val := range s.set {
		set[k] = val
	}
	return ImportRequest{Source: v(importSource), BaseURL: v(importBase), BearerEnv: bearer, Set: set, Only: only}
}

// load reads the description (only == "") or probes one proposal, in a
// command.
func (s importScreen) load(only, busy string) (importScreen, tea.Cmd) {
	req := s.request(only)
	if req.Source == "" {
		s.err = "description: give a file or a URL"
		return s, nil
	}
	s.busy, s.err, s.seq = busy, "", evalSeq.Add(1)
	seq, imp := s.seq, s.env.opts.Import
	return s, func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), importTimeout)
		defer cancel()
		res, err := imp(ctx, req)
		return importedMsg{seq: seq, only: only, result: res, err: err}
	}
}

func (s importScreen) Update(msg tea.Msg, c *ctx) (importScreen, tea.Cmd) {
	switch msg := msg.(type) {
	case importedMsg:
		return s.onImported(msg), nil
	case profileSavedMsg:
		if s.busy != "saving…" {
			return s, nil
		}
		s.busy = ""
		if msg.err != nil {
			s.err = "not saved: " + oneLine(msg.err.Error())
			return s, nil
		}
		s.taken = append(s.taken, msg.profile.Name)
		s.step, s.chosen = importList, nil
		return s, say(fmt.Sprintf("saved %s: esc and enter runs %s", msg.profile.Path, msg.profile.Name), false)
	case tea.KeyMsg:
		if s.busy != "" {
			if key.Matches(msg, s.env.keys.Back) {
				s.busy, s.seq = "", 0 // the late answer is dropped
			}
			return s, nil
		}
		switch s.step {
		case importForm:
			return s.formKey(msg)
		case importList:
			return s.listKey(msg)
		case importParams:
			return s.paramsKey(msg)
		case importReview:
			return s.reviewKey(msg)
		}
	}
	return s, nil
}

func (s importScreen) onImported(msg importedMsg) importScreen {
	if msg.seq != s.seq {
		return s
	}
	s.busy = ""
	if msg.err != nil {
		s.err = oneLine(msg.err.Error())
		return s
	}
	if msg.only == "" {
		s.result, s.cursor, s.top, s.step = msg.result, 0, 0, importList
		if len(msg.result.Proposals) == 0 {
			s.step, s.err = importForm, "nothing in it lists records"
		}
		return s
	}
	for _, p := range msg.result.Proposals {
		if p.Name == msg.only {
			p := p
			s.chosen, s.scroll, s.step = &p, 0, importReview
			if len(p.Needs) > 0 {
				s.step, s.err = importList, "still needs "+strings.Join(p.Needs, ", ")
			}
			return s
		}
	}
	s.err = msg.only + " is no longer proposed"
	return s
}

func (s importScreen) formKey(msg tea.KeyMsg) (importScreen, tea.Cmd) {
	k := s.env.keys
	switch {
	case key.Matches(msg, k.Back):
		return s, pop()
	case key.Matches(msg, k.Save):
		return s.load("", "reading…")
	case key.Matches(msg, k.NextField):
		return s.focusField((s.focus + 1) % len(s.fields)), nil
	case key.Matches(msg, k.PrevField):
		return s.focusField((s.focus + len(s.fields) - 1) % len(s.fields)), nil
	}
	s.fields = slices.Clone(s.fields)
	var cmd tea.Cmd
	s.fields[s.focus], cmd = s.fields[s.focus].Update(msg)
	return s, cmd
}

func (s importScreen) focusField(i int) importScreen {
	s.fields = slices.Clone(s.fields)
	s.fields[s.focus].Blur()
	s.focus = i
	s.fields[i].Focus()
	return s
}

func (s importScreen) listKey(msg tea.KeyMsg) (importScreen, tea.Cmd) {
	k := s.env.keys
	n := len(s.result.Proposals)
	switch {
	case key.Matches(msg, k.Back):
		s.step, s.err = importForm, ""
		return s, nil
	case key.Matches(msg, k.Up):
		s.cursor = max(s.cursor-1, 0)
	case key.Matches(msg, k.Down):
		s.cursor = min(s.cursor+1, n-1)
	case key.Matches(msg, k.Top):
		s.cursor = 0
	case key.Matches(msg, k.Bottom):
		s.cursor = n - 1
	case key.Matches(msg, k.PageDown):
		s.cursor = min(s.cursor+s.listRows(), n-1)
	case key.Matches(msg, k.PageUp):
		s.cursor = max(s.cursor-s.listRows(), 0)
	case key.Matches(msg, k.Edit) && n > 0:
		return s.askParams(s.missing(s.result.Proposals[s.cursor])), nil
	case key.Matches(msg, k.Enter) && n > 0:
		p := s.result.Proposals[s.cursor]
		if missing := s.missing(p); len(missing) > 0 {
			return s.askParams(missing), nil
		}
		return s.load(p.Name, "probing "+p.Name+"…")
	}
	s.top = scrollTop(s.top, s.cursor, s.listRows())
	return s, nil
}

// missing are the proposal's needed parameters not given yet.
func (s importScreen) missing(p ImportProposal) []string {
	var out []string
	for _, n := range p.Needs {
		if _, ok := s.set[strings.TrimPrefix(n, "--")]; !ok {
			out = append(out, n)
		}
	}
	return out
}

// moreParams is the last field of the parameters form: optional
// parameters the operation takes, NAME=VALUE separated by spaces.
const moreParams = "more parameters"

func (s importScreen) askParams(names []string) importScreen {
	s.step, s.err = importParams, ""
	s.names = append(slices.Clone(names), moreParams)
	s.params = make([]textinput.Model, len(s.names))
	for i, n := range names {
		s.params[i] = s.env.newInput(fmt.Sprintf("%-18s ", cut(n, 18)), "its value")
	}
	s.params[len(names)] = s.env.newInput(fmt.Sprintf("%-18s ", moreParams), "optional: state=all per_page=50")
	s.params[0].Focus()
	s.focus = 0
	return s
}

func (s importScreen) paramsKey(msg tea.KeyMsg) (importScreen, tea.Cmd) {
	k := s.env.keys
	switch {
	case key.Matches(msg, k.Back):
		s.step = importList
		return s, nil
	case key.Matches(msg, k.Save):
		s.set = cloneSet(s.set)
		for i, n := range s.names {
			v := strings.TrimSpace(s.params[i].Value())
			if n == moreParams {
				for _, kv := range strings.Fields(v) {
					name, val, ok := strings.Cut(kv, "=")
					if !ok || name == "" {
						s.err = fmt.Sprintf("%s: %q is not NAME=VALUE", moreParams, kv)
						return s, nil
					}
					s.set[name] = val
				}
				continue
			}
			if v == "" {
				s.err = n + ": give a value"
				return s, nil
			}
			if n == "--base-url" {
				s.fields = slices.Clone(s.fields)
				s.fields[importBase].SetValue(v)
				continue
			}
			s.set[n] = v
		}
		p := s.result.Proposals[s.cursor]
		s.step = importList
		return s.load(p.Name, "probing "+p.Name+"…")
	case key.Matches(msg, k.NextField), key.Matches(msg, k.PrevField):
		s.params = slices.Clone(s.params)
		s.params[s.focus].Blur()
		d := 1
		if key.Matches(msg, k.PrevField) {
			d = len(s.params) - 1
		}
		s.focus = (s.focus + d) % len(s.params)
		s.params[s.focus].Focus()
		return s, nil
	}
	s.params = slices.Clone(s.params)
	var cmd tea.Cmd
	s.params[s.focus], cmd = s.params[s.focus].Update(msg)
	return s, cmd
}

func cloneSet(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (s importScreen) reviewKey(msg tea.KeyMsg) (importScreen, tea.Cmd) {
	k := s.env.keys
	switch {
	case key.Matches(msg, k.Back):
		s.step, s.chosen, s.err = importList, nil, ""
	case key.Matches(msg, k.Up):
		s.scroll = max(s.scroll-1, 0)
	case key.Matches(msg, k.Down):
		s.scroll++
	case key.Matches(msg, k.Save):
		return s.save()
	}
	return s, nil
}

// save writes the probed proposal into the profiles folder, in a command;
// the picker then lists it.
func (s importScreen) save() (importScreen, tea.Cmd) {
	p := *s.chosen
	if slices.Contains(s.taken, p.Name) {
		s.err = fmt.Sprintf("a profile named %s is in the list already", p.Name)
		return s, nil
	}
	dir, outDir := s.env.opts.ProfilesDir, s.env.opts.OutDir
	s.busy = "saving…"
	return s, func() tea.Msg {
		path := filepath.Join(dir, p.Name+".yaml")
		if err := profiles.WriteNew(path, p.YAML); err != nil {
			return profileSavedMsg{err: err}
		}
		loaded, err := profiles.Loader{SkipSecrets: true}.LoadBytes(path, p.YAML)
		if err != nil {
			return profileSavedMsg{err: err}
		}
		return profileSavedMsg{profile: pickerProfile(loaded.Config, path, outDir)}
	}
}

// listRows is how many operations show at once.
func (s importScreen) listRows() int { return max(s.height-5, 1) }

func (s importScreen) SetSize(width, height int) importScreen {
	s.width, s.height = width, height
	s.fields = slices.Clone(s.fields)
	for i := range s.fields {
		s.fields[i].Width = max(width-len(s.fields[i].Prompt)-1, 1)
	}
	return s
}

func (s importScreen) update(msg tea.Msg, c *ctx) (screen, tea.Cmd) { return s.Update(msg, c) }
func (s importScreen) resize(w, h int) screen                       { return s.SetSize(w, h) }
func (s importScreen) typing() bool                                 { return s.step == importForm || s.step == importParams }
func (s importScreen) crumbs(p []string) []string                   { return append(p, "import") }
func (s importScreen) ShortHelp() []key.Binding                     { return s.help().ShortHelp() }
func (s importScreen) FullHelp() [][]key.Binding                    { return s.help().FullHelp() }

func (s importScreen) scrolled() string {
	if s.step == importList && len(s.result.Proposals) > s.listRows() {
		return fmt.Sprintf("%d/%d", s.cursor+1, len(s.result.Proposals))
	}
	return ""
}

func (s importScreen) help() bindings {
	k := s.env.keys
	switch s.step {
	case importForm:
		return k.EditorHelp("read it")
	case importParams:
		return k.EditorHelp("probe")
	case importList:
		enter, edit, back := relabel(k.Enter, "probe"), relabel(k.Edit, "parameters"), relabel(k.Back, "back")
		return bindings{short: []key.Binding{k.Up, k.Down, enter, edit, back}, full: [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {enter, edit, back, k.ForceQuit}}}
	}
	save, back := relabel(k.Save, "save the profile"), relabel(k.Back, "back")
	return bindings{short: []key.Binding{save, k.Up, k.Down, back}, full: [][]key.Binding{{save, k.Up, k.Down, back, k.ForceQuit}}}
}

func (s importScreen) View() string {
	st, w := s.env.styles, s.width
	var lines []string
	status := func() {
		switch {
		case s.busy != "":
			lines = append(lines, st.Status.Render(cut(termsafe.Line(s.busy)+" (esc cancels)", w)))
		case s.err != "":
			lines = append(lines, st.Error.Render(cut(termsafe.Line(s.err), w)))
		}
	}
	switch s.step {
	case importForm:
		lines = append(lines, st.Title.Render("Import")+st.Subtle.Render(cut(" · an OpenAPI description, a Postman collection or a HAR file", w-6)), "")
		for _, f := range s.fields {
			lines = append(lines, cut(inputView(f), w))
		}
		lines = append(lines, "")
		status()
		if s.busy == "" && s.err == "" {
			lines = append(lines, st.Faint.Render(cut("One profile per operation that lists records; each is probed before you save it.", w)))
		}
	case importList:
		head := fmt.Sprintf("%s · %d list records", s.result.Title, len(s.result.Proposals))
		if s.result.Skipped > 0 {
			head += fmt.Sprintf(", %d others do not", s.result.Skipped)
		}
		lines = append(lines, st.Title.Render(cut(termsafe.Line(head), w)), st.Header.Render(cut(fmt.Sprintf("  %-12s %-6s %-30s %s", "TAG", "METHOD", "PATH", "SUMMARY"), w)))
		end := min(s.top+s.listRows(), len(s.result.Proposals))
		for i := s.top; i < end; i++ {
			p := s.result.Proposals[i]
			row := fmt.Sprintf("  %-12s %-6s %-30s %s", cut(termsafe.Line(p.Tag), 12), p.Method, cut(termsafe.Line(p.Path), 30), termsafe.Line(p.Summary))
			if m := s.missing(p); len(m) > 0 {
				row = fmt.Sprintf("  %-12s %-6s %-30s needs %s", cut(termsafe.Line(p.Tag), 12), p.Method, cut(termsafe.Line(p.Path), 30), termsafe.Line(strings.Join(m, ", ")))
			}
			row = cut(row, w)
			if i == s.cursor {
				row = st.Selected.Render(row)
			}
			lines = append(lines, row)
		}
		status()
	case importParams:
		p := s.result.Proposals[s.cursor]
		lines = append(lines, st.Title.Render(cut(termsafe.Line(p.Method+" "+p.Path), w)), st.Subtle.Render(cut("parameters for the probe and the profile:", w)), "")
		for _, in := range s.params {
			lines = append(lines, cut(inputView(in), w))
		}
		lines = append(lines, "")
		status()
	case importReview:
		p := s.chosen
		lines = append(lines, st.Title.Render(cut(termsafe.Line(p.Name+"  "+p.Method+" "+p.Path), w)),
			cut(termsafe.Line(p.Verdict), w),
			st.Subtle.Render(cut(termsafe.Line("records "+p.Records+" · pagination "+p.Paging), w)))
		for _, n := range p.Notes {
			lines = append(lines, st.Faint.Render(cut(termsafe.Line("note: "+n), w)))
		}
		status()
		lines = append(lines, st.Rule.Render(cut("--- "+p.Name+".yaml", w)))
		yaml := strings.Split(strings.TrimRight(termsafe.Text(string(p.YAML)), "\n"), "\n")
		room := max(s.height-len(lines), 0)
		from := min(s.scroll, max(len(yaml)-room, 0))
		for _, l := range yaml[from:min(from+room, len(yaml))] {
			lines = append(lines, cut(l, w))
		}
	}
	if len(lines) > s.height {
		lines = lines[:s.height]
	}
	return strings.Join(lines, "\n")
}
