package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"siphon/ingest"
	"siphon/ingest/probe"
	"siphon/ingest/spec"
	"siphon/ingest/store"
	"siphon/ingest/termsafe"
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
type Prober func(ctx context.Context, req ProbeRequest) (spec.Config, *probe.Report, error)

// probeTimeout bounds the form's request.
const probeTimeout = 30 * time.Second

// authTypes are the form's sign-in choices.
var authTypes = []string{spec.AuthNone, spec.AuthBearer, spec.AuthAPIKey, spec.AuthBasic}

// formField is one line of the form.
type formField struct {
	input textinput.Model
	when  func(auth string) bool // shown for these auth types; nil: always
}

// newProfile asks for an endpoint, probes it, and shows what came back
// with the selector editor until the user saves.
type newProfile struct {
	plain
	env    *env
	taken  []string // the names in the picker
	fields []formField
	focus  int

	probing bool
	seq     int64 // the probe on show
	err     string

	probed *probeResultMsg // the probe's answer: then the editor is on
	editor selectorEditor

	width, height int
}

// probeResultMsg is a probe's answer.
type probeResultMsg struct {
	seq    int64
	cfg    spec.Config
	report *probe.Report
	err    error
}

// profileSavedMsg says how saving a new profile went.
type profileSavedMsg struct {
	profile Profile
	err     error
}

const (
	fieldURL = iota
	fieldAuth
	fieldSecret
	fieldKeyName
	fieldUser
	fieldName
)

func newProfileForm(e *env, taken []string) newProfile {
	field := func(label, placeholder string, when func(string) bool) formField {
		return formField{input: e.newInput(fmt.Sprintf("%-18s ", label), placeholder), when: when}
	}
	f := newProfile{env: e, taken: taken, fields: []formField{
		fieldURL:     field("URL", "https://api.example.com/v1/orders?limit=100", nil),
		fieldAuth:    field("auth", "none · bearer · api_key · basic", nil),
		fieldSecret:  field("secret in env var", "ORDERS_TOKEN (its value is read, never saved)", func(a string) bool { return a != spec.AuthNone && a != "" }),
		fieldKeyName: field("api key header", "X-API-Key", func(a string) bool { return a == spec.AuthAPIKey }),
		fieldUser:    field("user name", "basic auth user", func(a string) bool { return a == spec.AuthBasic }),
		fieldName:    field("profile name", "from the URL's path", nil),
	}}
	f.fields[fieldAuth].input.SetValue(spec.AuthNone)
	f.fields[fieldKeyName].input.SetValue("X-API-Key")
	f.fields[0].input.Focus()
	return f
}

func (f newProfile) value(i int) string { return strings.TrimSpace(f.fields[i].input.Value()) }

// visible are the fields that apply to the auth type chosen.
func (f newProfile) visible() []int {
	auth := f.value(fieldAuth)
	var out []int
	for i, fl := range f.fields {
		if fl.when == nil || fl.when(auth) {
			out = append(out, i)
		}
	}
	return out
}

func (f newProfile) request() ProbeRequest {
	r := ProbeRequest{URL: f.value(fieldURL), Auth: f.value(fieldAuth), Name: f.value(fieldName)}
	if r.Auth != spec.AuthNone {
		// People write the variable as they would in a profile: $X, ${X}.
		r.SecretEnv = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(f.value(fieldSecret), "$"), "{"), "}")
	}
	switch r.Auth {
	case spec.AuthAPIKey:
		r.KeyName = f.value(fieldKeyName)
	case spec.AuthBasic:
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
	case r.Auth != spec.AuthNone && r.Auth != spec.AuthBasic && r.SecretEnv == "":
		return fmt.Errorf("secret in env var: name the environment variable that holds the %s", map[string]string{spec.AuthBearer: "token", spec.AuthAPIKey: "API key"}[r.Auth])
	case r.Auth == spec.AuthAPIKey && r.KeyName == "":
		return fmt.Errorf("api key header: name the header that carries the key")
	case r.Auth == spec.AuthBasic && r.Username == "":
		return fmt.Errorf("user name: basic auth needs one")
	}
	return nil
}

func (f newProfile) Update(msg tea.Msg, c *ctx) (newProfile, tea.Cmd) {
	switch msg := msg.(type) {
	case probeResultMsg:
		return f.onProbeResult(msg)
	case selectorResultMsg:
		if f.probed != nil {
			f.editor = f.editor.receive(msg)
		}
	case profileSavedMsg:
		if msg.err != nil {
			f.err = "not saved: " + oneLine(msg.err.Error())
			return f, nil
		}
		return f, then(pop(), say(fmt.Sprintf("saved %s: enter runs %s", msg.profile.Path, msg.profile.Name), false))
	case tea.KeyMsg:
		if f.probed != nil {
			return f.reviewKey(msg, c)
		}
		return f.formKey(msg, c)
	}
	return f, nil
}

func (f newProfile) formKey(msg tea.KeyMsg, c *ctx) (newProfile, tea.Cmd) {
	k := f.env.keys
	vis := f.visible()
	at := max(slices.Index(vis, f.focus), 0)
	switch {
	case key.Matches(msg, k.Back):
		return f, pop()
	case key.Matches(msg, k.Save):
		req := f.request()
		if err := req.check(); err != nil {
			f.err = err.Error()
			return f, nil
		}
		f.probing, f.err, f.seq = true, "", evalSeq.Add(1)
		seq, probe := f.seq, f.env.opts.Probe
		return f, func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
			defer cancel()
			cfg, rep, err := probe(ctx, req)
			return probeResultMsg{seq: seq, cfg: cfg, report: rep, err: err}
		}
	case key.Matches(msg, k.NextField):
		return f.focusOn(vis[(at+1)%len(vis)]), nil
	case key.Matches(msg, k.PrevField):
		return f.focusOn(vis[(at-1+len(vis))%len(vis)]), nil
	}
	f.fields = slices.Clone(f.fields)
	var cmd tea.Cmd
	f.fields[f.focus].input, cmd = f.fields[f.focus].input.Update(msg)
	return f, cmd
}

func (f newProfile) focusOn(i int) newProfile {
	f.fields = slices.Clone(f.fields)
	f.fields[f.focus].input.Blur()
	f.focus = i
	f.fields[i].input.Focus()
	return f
}

// onProbeResult opens the editor on the probed page, or says why not.
func (f newProfile) onProbeResult(msg probeResultMsg) (newProfile, tea.Cmd) {
	if msg.seq != f.seq {
		return f, nil
	}
	f.probing = false
	if msg.err != nil {
		f.err = "probe: " + oneLine(msg.err.Error())
		return f, nil
	}
	rep := msg.report
	note := fmt.Sprintf("%s %s → HTTP %d in %s · %s", rep.Method, rep.URL, rep.Status, formatDuration(rep.Duration), formatBytes(int64(len(rep.Body))))
	f.probed = &msg
	var cmd tea.Cmd
	f.editor, cmd = newSelectorEditor(f.env, rep.Body, rep.Header, rep.URL, note, msg.cfg.Format, msg.cfg.Records, msg.cfg.Pagination, true).setWidth(f.width).evaluate()
	return f, cmd
}

// reviewKey edits the probed profile's selectors; enter saves it.
func (f newProfile) reviewKey(msg tea.KeyMsg, c *ctx) (newProfile, tea.Cmd) {
	k := f.env.keys
	switch {
	case key.Matches(msg, k.Back):
		f.probed = nil // back to the form, its values kept
		return f, nil
	case key.Matches(msg, k.Save):
		return f.save()
	}
	var cmd tea.Cmd
	f.editor, cmd = f.editor.update(msg)
	if cmd != nil {
		f.err = "" // an edit answers the last complaint
	}
	return f, cmd
}

// save checks the profile and writes it into the profiles folder, in a
// command; the picker then lists it, selected and ready to run.
func (f newProfile) save() (newProfile, tea.Cmd) {
	cfg := f.probed.cfg
	cfg.Records, cfg.Pagination, _ = f.editor.config() // a refused field shows in the result, checked below
	if f.editor.result.recordsErr != "" || f.editor.result.nextErr != "" {
		f.err = "fix the errors first: the profile would not run"
		return f, nil
	}
	if slices.Contains(f.taken, cfg.Name) {
		f.err = fmt.Sprintf("a profile named %s is in the list already: esc, and give another profile name", cfg.Name)
		return f, nil
	}
	cfg.ApplyDefaults() // what the picker shows is what the profile says: auth none, not ""
	dir, outDir := f.env.opts.ProfilesDir, f.env.opts.OutDir
	return f, func() tea.Msg {
		path, err := profiles.Save(dir, &profiles.Profile{Config: cfg})
		if err != nil {
			return profileSavedMsg{err: err}
		}
		return profileSavedMsg{profile: pickerProfile(cfg, path, outDir)}
	}
}

// pickerProfile is a profile just saved, as the picker lists it.
func pickerProfile(cfg spec.Config, path string, outDir func(spec.Config) string) Profile {
	prof := Profile{Name: cfg.Name, Description: cfg.Description, Pagination: cfg.Pagination.Type, Auth: cfg.Auth.Type,
		Path: path, Records: cfg.Records, PaginationConfig: cfg.Pagination, Format: cfg.Format, Out: store.DefaultDir(cfg.Name),
		References: RequestReferences(cfg)}
	if outDir != nil {
		prof.Out = outDir(cfg)
	}
	if client, err := ingest.New(cfg); err == nil {
		prof.URL = client.Endpoint()
	}
	return prof
}

func (f newProfile) SetSize(width, height int) newProfile {
	f.width, f.height = width, height
	f.fields = slices.Clone(f.fields)
	for i := range f.fields {
		f.fields[i].input.Width = max(width-len(f.fields[i].input.Prompt)-1, 1)
	}
	if f.probed != nil {
		f.editor = f.editor.setWidth(width)
	}
	return f
}

func (f newProfile) update(msg tea.Msg, c *ctx) (screen, tea.Cmd) { return f.Update(msg, c) }
func (f newProfile) resize(w, h int) screen                       { return f.SetSize(w, h) }
func (f newProfile) typing() bool                                 { return true }
func (f newProfile) crumbs(p []string) []string                   { return append(p, "new") }
func (f newProfile) ShortHelp() []key.Binding                     { return f.help().ShortHelp() }
func (f newProfile) FullHelp() [][]key.Binding                    { return f.help().FullHelp() }

func (f newProfile) help() bindings {
	if f.probed != nil {
		return f.env.keys.EditorHelp("save the profile")
	}
	return f.env.keys.EditorHelp("probe")
}

func (f newProfile) View() string {
	st, width := f.env.styles, f.width
	var lines []string
	if f.probed == nil {
		lines = append(lines, st.Title.Render("New profile")+st.Subtle.Render(cut(" · one request shows where the records are and how the API pages", width-11)), "")
		for _, i := range f.visible() {
			lines = append(lines, cut(inputView(f.fields[i].input), width))
		}
		lines = append(lines, "")
		switch {
		case f.probing:
			lines = append(lines, st.Status.Render("probing…"))
		case f.err != "":
			lines = append(lines, st.Error.Render(cut(termsafe.Line(f.err), width)))
		default:
			lines = append(lines, st.Faint.Render(cut("auth is none, bearer, api_key or basic. Secrets stay in their environment", width)),
				st.Faint.Render(cut("variable: the profile saves ${VAR}, never the value.", width)))
		}
	} else {
		// The probe's findings name the API's fields and echo its words:
		// each is cleaned before it is measured.
		rep := f.probed.report
		name := termsafe.Line(f.probed.cfg.Name)
		lines = append(lines, st.Title.Render("New profile "+name)+st.Subtle.Render(cut(" · try the selectors, then enter saves", width-13-ansi.StringWidth(name))))
		what := "pagination " + rep.Pagination.Type
		if len(rep.Evidence) > 0 {
			what += ": " + strings.Join(rep.Evidence, "; ")
		}
		lines = append(lines, cut(termsafe.Line(what), width))
		if rep.Confirmed != "" {
			lines = append(lines, st.Subtle.Render(cut(termsafe.Line("checked: "+rep.Confirmed), width)))
		}
		if rep.PrimaryKey != "" {
			lines = append(lines, st.Subtle.Render(cut(termsafe.Line("primary key: "+rep.PrimaryKey), width)))
		}
		lines = append(lines, f.editor.view(width)...)
		if f.err != "" {
			lines = append(lines, st.Error.Render(cut(termsafe.Line(f.err), width)))
		}
	}
	if len(lines) > f.height {
		lines = lines[:f.height]
	}
	return strings.Join(lines, "\n")
}
