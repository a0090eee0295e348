package tui

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest/bodyformat"
	"siphon/ingest/page"
	"siphon/ingest/replay"
	"siphon/ingest/spec"
	"siphon/ingest/termsafe"
	"siphon/profiles"
)

// selectorField is one editable profile field, by its dotted key in the
// profile file ("records", "pagination.cursor_path").
type selectorField struct {
	key   string
	input textinput.Model
	was   string // its value when the editor opened, to save only changes
}

// selectorEditor tries a records expression and pagination fields on a
// saved page body: what the run would extract, and where it would go next,
// recomputed as the user types.
type selectorEditor struct {
	env     *env
	body    []byte
	header  http.Header
	pageURL string
	note    string // where the body came from, and whether it is whole
	base    spec.PaginationConfig
	fields  []selectorField
	focus   int
	typeKey bool // the pagination type is a field too (new profiles)

	seq     int64 // the evaluation on show; older results are dropped
	pending bool
	result  selectorResultMsg
}

// selectorResultMsg is an evaluation of the fields on the body.
type selectorResultMsg struct {
	seq        int64
	count      int
	first      []string // the first records, compact
	recordsErr string
	next, stop string
	nextErr    string
}

// evalSeq numbers evaluations across editors, so a late result never lands
// in the wrong one.
var evalSeq atomic.Int64

const (
	keyRecords        = "records"
	keyPaginationType = "pagination.type"
	selectorSamples   = 3
)

// selectorConfig is what the editor's fields set: a profile's records
// expression and pagination. Fields are read and set by their key in the
// profile file through the profile field table, the one map from file
// keys to configuration.
func selectorConfig(records string, pag spec.PaginationConfig) spec.Config {
	return spec.Config{Records: records, Pagination: pag}
}

// maxSelectorJSON bounds the JSON an XML or CSV page converts to for the
// editor.
const maxSelectorJSON = 64 << 20

// selectorBody is the body the selectors are tried on: an XML, CSV or TSV
// page (or a packed one) converted to the JSON a run reads, as the profile's
// format or the page's Content-Type says; the note says so.
func selectorBody(body []byte, header http.Header, note, format string) ([]byte, string) {
	json, read, converted, err := bodyformat.Bytes(body, bodyformat.Options{Format: format, ContentType: header.Get("Content-Type")}, maxSelectorJSON)
	switch {
	case err != nil:
		return body, note + " · does not convert: " + oneLine(err.Error())
	case converted:
		return json, note + " · read as " + read + ", shown as the JSON a run reads"
	}
	return body, note
}

// newSelectorEditor opens an editor on a body with a profile's records
// and pagination; withType adds the pagination type as a field.
func newSelectorEditor(env *env, body []byte, header http.Header, pageURL, note, format, records string, pag spec.PaginationConfig, withType bool) selectorEditor {
	body, note = selectorBody(body, header, note, format)
	e := selectorEditor{env: env, body: body, header: header, pageURL: pageURL, note: note, base: pag, typeKey: withType}
	e.fields = append(e.fields, e.newField(keyRecords, records))
	if withType {
		e.fields = append(e.fields, e.newField(keyPaginationType, pag.Type))
	}
	e.fields = append(e.fields, e.paginationFields(pag)...)
	e.fields[0].input.Focus()
	return e
}

func (e selectorEditor) newField(key, value string) selectorField {
	f := selectorField{key: key, was: value, input: e.env.newInput(fmt.Sprintf("%-28s ", key), "")}
	f.input.SetValue(value)
	return f
}

func (e selectorEditor) paginationFields(pag spec.PaginationConfig) []selectorField {
	cfg := selectorConfig("", pag)
	var out []selectorField
	for _, k := range profiles.SelectorKeys(pag.Type) {
		text, _ := profiles.FieldText(&cfg, k) // the table's own keys: always readable
		out = append(out, e.newField(k, text))
	}
	return out
}

// setWidth fits the fields to the screen, so a long value scrolls.
func (e selectorEditor) setWidth(width int) selectorEditor {
	e.fields = slices.Clone(e.fields)
	for i := range e.fields {
		e.fields[i].input.Width = max(width-len(e.fields[i].input.Prompt)-1, 1)
	}
	return e
}

// saved marks the fields' values as those in the file now.
func (e selectorEditor) saved() selectorEditor {
	e.fields = slices.Clone(e.fields)
	for i := range e.fields {
		e.fields[i].was = strings.TrimSpace(e.fields[i].input.Value())
	}
	return e
}

// config is the records expression and pagination the fields say, and
// the first field whose text the profile would refuse (checked as the
// loader checks it).
func (e selectorEditor) config() (string, spec.PaginationConfig, error) {
	cfg := selectorConfig("", e.base)
	var first error
	for _, f := range e.fields {
		if err := (profiles.Loader{CheckExpr: page.Check}).SetField(&cfg, f.key, strings.TrimSpace(f.input.Value())); err != nil && first == nil {
			first = err
		}
	}
	return cfg.Records, cfg.Pagination, first
}

// changes are the fields edited since the editor opened, for saving.
func (e selectorEditor) changes() map[string]string {
	set := map[string]string{}
	for _, f := range e.fields {
		if v := strings.TrimSpace(f.input.Value()); v != f.was {
			set[f.key] = v
		}
	}
	return set
}

// update edits the focused field; tab and the arrows move between fields.
// It returns an evaluation to run when a field changed.
func (e selectorEditor) update(msg tea.KeyMsg) (selectorEditor, tea.Cmd) {
	k := e.env.keys
	switch {
	case key.Matches(msg, k.NextField):
		return e.focusOn(e.focus + 1), nil
	case key.Matches(msg, k.PrevField):
		return e.focusOn(e.focus - 1), nil
	}
	before := e.fields[e.focus].input.Value()
	e.fields = slices.Clone(e.fields) // the model is a value: share nothing
	f := &e.fields[e.focus]
	var cmd tea.Cmd
	f.input, cmd = f.input.Update(msg)
	if f.input.Value() == before {
		return e, cmd
	}
	if f.key == keyPaginationType {
		e = e.retype(strings.TrimSpace(f.input.Value()))
	}
	e, eval := e.evaluate()
	return e, tea.Batch(cmd, eval)
}

func (e selectorEditor) focusOn(i int) selectorEditor {
	e.fields = slices.Clone(e.fields)
	e.fields[e.focus].input.Blur()
	e.focus = (i + len(e.fields)) % len(e.fields)
	e.fields[e.focus].input.Focus()
	return e
}

// retype swaps the pagination fields for those of another style, keeping
// values typed for keys both share.
func (e selectorEditor) retype(style string) selectorEditor {
	_, pag, _ := e.config()
	pag.Type = style
	kept := slices.Clone(e.fields[:2]) // records and the type
	e.fields = append(kept, e.paginationFields(pag)...)
	return e
}

// evaluate starts an evaluation of the fields; its result replaces the
// one on show unless a newer one started meanwhile.
func (e selectorEditor) evaluate() (selectorEditor, tea.Cmd) {
	e.seq, e.pending = evalSeq.Add(1), true
	records, pag, fieldErr := e.config()
	seq, body, header, pageURL := e.seq, e.body, e.header, e.pageURL
	return e, func() tea.Msg { return evalSelectors(seq, records, pag, fieldErr, body, header, pageURL) }
}

// selectorTimeout stops a jq expression that would never end (repeat(.)).
const selectorTimeout = 2 * time.Second

// evalSelectors runs the records expression and the paginator on a body as
// a run would; an expression still running after selectorTimeout is stopped.
// fieldErr is a field the profile would refuse: shown where it belongs.
func evalSelectors(seq int64, records string, pag spec.PaginationConfig, fieldErr error, body []byte, header http.Header, pageURL string) selectorResultMsg {
	res := selectorResultMsg{seq: seq}
	if fieldErr != nil && strings.HasPrefix(fieldErr.Error(), keyRecords+":") {
		res.recordsErr = oneLine(fieldErr.Error())
		return res
	}
	ctx, cancel := context.WithTimeout(context.Background(), selectorTimeout)
	defer cancel()
	if records == "" {
		records = "."
	}
	recs, err := replay.EvalRecords(ctx, records, body)
	if err != nil {
		res.recordsErr = oneLine(err.Error())
	}
	res.count = len(recs)
	for _, r := range recs[:min(len(recs), selectorSamples)] {
		res.first = append(res.first, cellText(r))
	}
	if pag.Type == "" {
		pag.Type = spec.PageNone
	}
	if fieldErr != nil {
		res.nextErr = oneLine(fieldErr.Error())
		return res
	}
	if err == nil {
		res.next, res.stop, err = replay.EvalNext(ctx, pag, records, body, header, pageURL)
		if err != nil {
			res.nextErr = oneLine(err.Error())
		}
	}
	return res
}

// receive shows an evaluation's result if it is the latest.
func (e selectorEditor) receive(msg selectorResultMsg) selectorEditor {
	if msg.seq == e.seq {
		e.result, e.pending = msg, false
	}
	return e
}

// view lays out the fields, then what they give on the body.
func (e selectorEditor) view(width int) []string {
	st := e.env.styles
	var lines []string
	if e.note != "" {
		lines = append(lines, st.Faint.Render(cut(termsafe.Line(e.note), width))) // it names the page's URL
	}
	for _, f := range e.fields {
		lines = append(lines, cut(inputView(f.input), width))
	}
	lines = append(lines, "")
	r := e.result
	switch {
	case e.pending && r.seq == 0:
		lines = append(lines, st.Subtle.Render("evaluating…"))
		return lines
	case r.recordsErr != "":
		lines = append(lines, st.Error.Render(cut("records: "+r.recordsErr, width)))
	default:
		head := fmt.Sprintf("records: %d", r.count)
		if r.count > len(r.first) && len(r.first) > 0 {
			head += fmt.Sprintf(" (the first %d)", len(r.first))
		}
		lines = append(lines, st.Header.Render(head))
		for _, rec := range r.first {
			lines = append(lines, "  "+cut(rec, width-2))
		}
	}
	switch {
	case r.nextErr != "":
		lines = append(lines, st.Error.Render(cut("next: "+r.nextErr, width)))
	case r.recordsErr != "":
	case r.stop != "":
		lines = append(lines, st.Status.Render(cut("next: stop — "+termsafe.Line(r.stop), width)))
	default:
		lines = append(lines, st.Status.Render(cut("next: "+termsafe.Line(orQuoted(r.next)), width)))
	}
	if e.pending {
		lines = append(lines, st.Faint.Render("evaluating…"))
	}
	return lines
}

func orQuoted(s string) string {
	if s == "" {
		return "–"
	}
	return strconv.Quote(s)
}

// headerOf turns the inspector's flat headers back into an http.Header.
func headerOf(flat map[string]string) http.Header {
	h := http.Header{}
	for k, v := range flat {
		h.Set(k, v)
	}
	return h
}
