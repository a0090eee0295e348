package tui

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest"
	"siphon/profiles"
)

// ProbeRequest is the new-profile form: an endpoint and how to sign in.
type ProbeRequest struct {
	URL       string
	Auth      string // none, bearer, api_key or basic
	SecretEnv string // the environment variable holding the token, key or password
	KeyName   string // api_key: the header that carries it
	Username  string // basic
	Name      string // the profile's name; "" derives one from the URL
}

// Prober sends one request for the form and returns the profile it
// suggests (records, pagination, primary key filled in) with the report,
// whose Body and Header are the page the editor tries selectors on.
type Prober func(ctx context.Context, req ProbeRequest) (ingest.Config, *ingest.ProbeReport, error)

// probeTimeout bounds the form's request.
const probeTimeout = 30 * time.Second

// authTypes are the form's sign-in choices.
var authTypes = []string{ingest.AuthNone, ingest.AuthBearer, ingest.AuthAPIKey, ingest.AuthBasic}

// formField is one line of the form.
type formField struct {
	label string
	input lineInput
	when  func(auth string) bool // shown for these auth types; nil: always
}

// newProfileForm asks for an endpoint, probes it, and shows what came back
// with the selector editor until the user saves.
type newProfileForm struct {
	fields []formField
	focus  int

	probing bool
	seq     int64 // the probe on show
	err     string

	probed *probeResultMsg // the probe's answer: then the editor is on
	editor selectorEditor
}

// probeResultMsg is a probe's answer.
type probeResultMsg struct {
	seq    int64
	cfg    ingest.Config
	report *ingest.ProbeReport
	err    error
}

const (
	fieldURL = iota
	fieldAuth
	fieldSecret
	fieldKeyName
	fieldUser
	fieldName
)

func newNewProfileForm() *newProfileForm {
	input := func(placeholder string) lineInput {
		return lineInput{placeholder: placeholder}
	}
	f := &newProfileForm{fields: []formField{
		fieldURL:     {label: "URL", input: input("https://api.example.com/v1/orders?limit=100")},
		fieldAuth:    {label: "auth", input: input("none · bearer · api_key · basic")},
		fieldSecret:  {label: "secret in env var", input: input("ORDERS_TOKEN (its value is read, never saved)"), when: func(a string) bool { return a != ingest.AuthNone && a != "" }},
		fieldKeyName: {label: "api key header", input: input("X-API-Key"), when: func(a string) bool { return a == ingest.AuthAPIKey }},
		fieldUser:    {label: "user name", input: input("basic auth user"), when: func(a string) bool { return a == ingest.AuthBasic }},
		fieldName:    {label: "profile name", input: input("from the URL's path")},
	}}
	f.fields[fieldAuth].input.setValue(ingest.AuthNone)
	f.fields[fieldKeyName].input.setValue("X-API-Key")
	for i := range f.fields {
		f.fields[i].input.prompt = fmt.Sprintf("%-18s ", f.fields[i].label)
	}
	f.fields[0].input.focused = true
	return f
}

func (f *newProfileForm) value(i int) string { return strings.TrimSpace(f.fields[i].input.text()) }

// visible are the fields that apply to the auth type chosen.
func (f *newProfileForm) visible() []int {
	auth := f.value(fieldAuth)
	var out []int
	for i, fl := range f.fields {
		if fl.when == nil || fl.when(auth) {
			out = append(out, i)
		}
	}
	return out
}

func (f *newProfileForm) request() ProbeRequest {
	r := ProbeRequest{URL: f.value(fieldURL), Auth: f.value(fieldAuth), Name: f.value(fieldName)}
	if r.Auth != ingest.AuthNone {
		// People write the variable as they would in a profile: $X, ${X}.
		r.SecretEnv = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(f.value(fieldSecret), "$"), "{"), "}")
	}
	switch r.Auth {
	case ingest.AuthAPIKey:
		r.KeyName = f.value(fieldKeyName)
	case ingest.AuthBasic:
		r.Username = f.value(fieldUser)
	}
	return r
}

// check says what the form lacks before a probe.
func (r ProbeRequest) check() error {
	switch {
	case !strings.HasPrefix(r.URL, "http://") && !strings.HasPrefix(r.URL, "https://"):
		return fmt.Errorf("URL: want an http:// or https:// address, got %q", r.URL)
	case !slices.Contains(authTypes, r.Auth):
		return fmt.Errorf("auth: want one of %s, got %q", strings.Join(authTypes, ", "), r.Auth)
	case r.Auth != ingest.AuthNone && r.Auth != ingest.AuthBasic && r.SecretEnv == "":
		return fmt.Errorf("secret in env var: name the environment variable that holds the %s", map[string]string{ingest.AuthBearer: "token", ingest.AuthAPIKey: "API key"}[r.Auth])
	case r.Auth == ingest.AuthAPIKey && r.KeyName == "":
		return fmt.Errorf("api key header: name the header that carries the key")
	case r.Auth == ingest.AuthBasic && r.Username == "":
		return fmt.Errorf("user name: basic auth needs one")
	}
	return nil
}

// openForm opens the new-profile form over the picker.
func (m Model) openForm() (Model, tea.Cmd) {
	switch {
	case m.opts.Probe == nil:
		m.setStatus("this console cannot probe endpoints", true)
		return m, nil
	case m.opts.ProfilesDir == "":
		m.setStatus("no profiles folder to save into: give --profiles DIR or set $SIPHON_PROFILES", true)
		return m, nil
	}
	m.form = newNewProfileForm()
	return m, nil
}

func (m Model) formKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	f := *m.form
	m.form = &f
	if f.probed != nil {
		return m.reviewKey(msg)
	}
	vis := f.visible()
	at := max(slices.Index(vis, f.focus), 0)
	switch {
	case keyMatches(msg, m.keys.Back):
		m.form = nil
		return m, nil
	case msg.Type == tea.KeyEnter:
		req := f.request()
		if err := req.check(); err != nil {
			f.err = err.Error()
			return m, nil
		}
		f.probing, f.err, f.seq = true, "", evalSeq.Add(1)
		seq, probe := f.seq, m.opts.Probe
		return m, func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
			defer cancel()
			cfg, rep, err := probe(ctx, req)
			return probeResultMsg{seq: seq, cfg: cfg, report: rep, err: err}
		}
	case keyMatches(msg, m.keys.NextField):
		f.focusOn(vis[(at+1)%len(vis)])
		return m, nil
	case keyMatches(msg, m.keys.PrevField):
		f.focusOn(vis[(at-1+len(vis))%len(vis)])
		return m, nil
	}
	f.fields = slices.Clone(f.fields)
	f.fields[f.focus].input, _ = f.fields[f.focus].input.update(msg)
	return m, nil
}

func (f *newProfileForm) focusOn(i int) {
	f.fields = slices.Clone(f.fields)
	f.fields[f.focus].input.focused = false
	f.focus = i
	f.fields[i].input.focused = true
}

// onProbeResult opens the editor on the probed page, or says why not.
func (m Model) onProbeResult(msg probeResultMsg) (Model, tea.Cmd) {
	if m.form == nil || msg.seq != m.form.seq {
		return m, nil
	}
	f := *m.form
	m.form = &f
	f.probing = false
	if msg.err != nil {
		f.err = "probe: " + oneLine(msg.err.Error())
		return m, nil
	}
	rep := msg.report
	note := fmt.Sprintf("%s %s → HTTP %d in %s · %s", rep.Method, rep.URL, rep.Status, formatDuration(rep.Duration), formatBytes(int64(len(rep.Body))))
	f.probed = &msg
	var cmd tea.Cmd
	f.editor, cmd = newSelectorEditor(rep.Body, rep.Header, rep.URL, note, msg.cfg.Records, msg.cfg.Pagination, true).evaluate()
	return m, cmd
}

// reviewKey edits the probed profile's selectors; enter saves it.
func (m Model) reviewKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	f := m.form
	switch {
	case keyMatches(msg, m.keys.Back):
		f.probed = nil // back to the form, its values kept
		return m, nil
	case keyMatches(msg, m.keys.Save):
		return m.saveNewProfile(), nil
	}
	var cmd tea.Cmd
	f.editor, cmd = f.editor.update(msg, m.keys)
	if cmd != nil {
		f.err = "" // an edit answers the last complaint
	}
	return m, cmd
}

// saveNewProfile writes the profile into the profiles folder and puts it
// in the picker, selected and ready to run.
func (m Model) saveNewProfile() Model {
	f := m.form
	cfg := f.probed.cfg
	cfg.Records, cfg.Pagination = f.editor.config()
	if f.editor.result.recordsErr != "" || f.editor.result.nextErr != "" {
		f.err = "fix the errors first: the profile would not run"
		return m
	}
	for _, it := range m.picker.items {
		if it.profile.Name == cfg.Name {
			f.err = fmt.Sprintf("a profile named %s is in the list already: esc, and give another profile name", cfg.Name)
			return m
		}
	}
	cfg.ApplyDefaults() // what the picker shows is what the profile says: auth none, not ""
	path, err := profiles.Save(m.opts.ProfilesDir, &profiles.Profile{Config: cfg})
	if err != nil {
		f.err = "not saved: " + oneLine(err.Error())
		return m
	}
	prof := Profile{Name: cfg.Name, Description: cfg.Description, Pagination: cfg.Pagination.Type, Auth: cfg.Auth.Type,
		Path: path, Records: cfg.Records, PaginationConfig: cfg.Pagination, Out: filepath.Join("siphon-data", cfg.Name)}
	if m.opts.OutDir != nil {
		prof.Out = m.opts.OutDir(cfg)
	}
	if client, err := ingest.New(cfg); err == nil {
		prof.URL = client.Endpoint()
	}
	m.picker = m.picker.add(prof)
	m.form = nil
	m.setStatus(fmt.Sprintf("saved %s: enter runs %s", path, cfg.Name), false)
	return m
}

// add puts a new profile in the list, under the cursor.
func (p picker) add(prof Profile) picker {
	p.items = append(p.items, pickerItem{profile: prof})
	p.input.setValue("")
	p = p.refresh().applyFilter("")
	p.cursor = len(p.shown) - 1
	return p
}

func (f *newProfileForm) help(k KeyMap) help.KeyMap {
	switch {
	case f.probed != nil:
		return k.EditorHelp("save the profile")
	default:
		return k.EditorHelp("probe")
	}
}

func (f *newProfileForm) view(st Styles, width, height int) string {
	var lines []string
	if f.probed == nil {
		lines = append(lines, st.Title.Render("New profile")+st.Subtle.Render(cut(" · one request shows where the records are and how the API pages", width-11)), "")
		for _, i := range f.visible() {
			lines = append(lines, f.fields[i].input.view(st, width))
		}
		lines = append(lines, "")
		switch {
		case f.probing:
			lines = append(lines, st.Status.Render("probing…"))
		case f.err != "":
			lines = append(lines, st.Error.Render(cut(f.err, width)))
		default:
			lines = append(lines, st.Faint.Render(cut("auth is none, bearer, api_key or basic. Secrets stay in their environment", width)),
				st.Faint.Render(cut("variable: the profile saves ${VAR}, never the value.", width)))
		}
	} else {
		rep := f.probed.report
		lines = append(lines, st.Title.Render("New profile "+f.probed.cfg.Name)+st.Subtle.Render(cut(" · try the selectors, then enter saves", width-13-len(f.probed.cfg.Name))))
		what := "pagination " + rep.Pagination.Type
		if len(rep.Evidence) > 0 {
			what += ": " + strings.Join(rep.Evidence, "; ")
		}
		lines = append(lines, cut(what, width))
		if rep.Confirmed != "" {
			lines = append(lines, st.Subtle.Render(cut("checked: "+rep.Confirmed, width)))
		}
		if rep.PrimaryKey != "" {
			lines = append(lines, st.Subtle.Render(cut("primary key: "+rep.PrimaryKey, width)))
		}
		lines = append(lines, f.editor.view(st, width)...)
		if f.err != "" {
			lines = append(lines, st.Error.Render(cut(f.err, width)))
		}
	}
	if len(lines) > height {
		lines = lines[:height]
	}
	return strings.Join(lines, "\n")
}
