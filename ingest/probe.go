package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"time"

	"siphon/ingest/httphdr"
	"siphon/ingest/page"
	"siphon/ingest/paginate"
)

// ProbeReport is what one request (two, when pagination needs confirming)
// says about an API: enough to write a profile that runs.
type ProbeReport struct {
	Method          string
	URL             string // redacted
	Status          int
	Duration        time.Duration
	RequestHeaders  map[string]string // redacted
	ResponseHeaders map[string]string // redacted
	ContentType     string
	Bytes           int
	RateLimit       *httphdr.RateLimit
	Arrays          []ArrayCandidate // largest array of objects first
	Records         string           // the records expression chosen
	RecordCount     int
	PrimaryKey      string // "" when no field identifies every record
	Pagination      PaginationConfig
	Evidence        []string // why that pagination style, in words
	Confirmed       string   // what the confirming request showed, if one was sent
	Warnings        []string // what the proposal will not do (a declared total it cannot reach)
	// ErrorWhen and ErrorMessage, proposed when the body has the fields by
	// which its API reports errors in a 200 (ok, errors).
	ErrorWhen, ErrorMessage string
	Params                  map[string]string

	// The first page as received, for trying selectors on it.
	Body   []byte
	Header http.Header
}

// Apply takes the probe's findings into cfg: records, pagination, primary
// key; the query parameters the paginator now sends itself leave
// cfg.Params (a page size found there becomes pagination.limit, a keyset or
// timestamp filter becomes pagination.start).
func (r *ProbeReport) Apply(cfg Config) Config {
	cfg.Records, cfg.Pagination = r.Records, r.Pagination
	if cfg.ErrorWhen == "" && r.ErrorWhen != "" {
		cfg.ErrorWhen, cfg.ErrorMessage = r.ErrorWhen, r.ErrorMessage
	}
	if r.PrimaryKey != "" {
		cfg.PrimaryKey = []string{r.PrimaryKey}
	}
	params := make(map[string]string, len(cfg.Params))
	for k, v := range cfg.Params {
		params[k] = v
	}
	cfg.Params = params
	p := &cfg.Pagination
	pag, err := paginate.New(*p, nil)
	if err != nil {
		return cfg
	}
	if param := pag.Param(); param != "" {
		for _, name := range []string{param, p.LimitParam} {
			v, ok := params[name]
			if name == "" || !ok {
				continue
			}
			if name == p.LimitParam && p.Limit == 0 {
				p.Limit, _ = strconv.Atoi(v)
			}
			if name == param && pag.Incremental() {
				p.Start = v
			}
			delete(params, name)
		}
	}
	if p.Start != "" && !startMatters(*p) {
		p.Start = ""
	}
	return cfg
}

// startMatters reports whether pagination.start moves where a walk begins:
// a style that ignores it, or a start equal to the style's own, is left
// out of the profile.
func startMatters(p PaginationConfig) bool {
	with, err := paginate.New(p, nil)
	if err != nil {
		return true // keep what the user will have to correct
	}
	p.Start = ""
	without, err := paginate.New(p, nil)
	return err != nil || !reflect.DeepEqual(with.Position(), without.Position())
}

// ArrayCandidate is an array in the body that may hold the records.
type ArrayCandidate struct {
	Path    string // jq path, e.g. .data or .result.items
	Count   int
	Objects bool // every element is an object
	Fields  []string
}

// Probe sends one request with the profile's auth and reports what came
// back, guessing where the records are and how the API paginates. The
// profile's own records and pagination are ignored: probing is for finding
// them. A second request is sent only to confirm a guess.
func (c *Client) Probe(ctx context.Context) (*ProbeReport, error) {
	rn := c.probeRunner()
	u := *c.endpoint
	q := u.Query()
	for k, v := range c.cfg.Params {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	start := time.Now()
	o := rn.attempt(ctx, &u, c.cfg.Method, c.cfg.Body, nil)
	rep := &ProbeReport{Method: c.cfg.Method, URL: c.redact().URL(u.String()), Duration: time.Since(start), Params: map[string]string{}}
	for k, v := range c.cfg.Params {
		rep.Params[k] = v
	}
	if o.f == nil {
		return rep, &PageError{Page: 1, Method: c.cfg.Method, URL: rep.URL, Status: o.status, ContentType: o.ctype, Attempts: 1, Cause: c.redact().String(o.cause), Snippet: c.redact().String(o.snippet), err: o.err}
	}
	f := o.f
	rep.Status, rep.Bytes = f.status, len(f.body)
	rep.Body, rep.Header = f.body, f.header
	rep.ContentType = f.header.Get("Content-Type")
	rep.ResponseHeaders = flatHeaders(c.redact().Header(f.header))
	rep.RequestHeaders = flatHeaders(c.redact().Header(f.sent))
	if rl, ok := httphdr.ParseRateLimit(f.header, time.Now()); ok {
		rep.RateLimit = &rl
	}
	doc, err := f.page.Decoded()
	if err != nil {
		return rep, &PageError{Page: 1, Method: c.cfg.Method, URL: rep.URL, Status: f.status, ContentType: rep.ContentType, Cause: "the body is not JSON", Snippet: c.snippet(f.body, 200)}
	}
	rep.Arrays = findArrays(doc, ".", 0)
	if msg, ok := probeBodyError(f, rep.Arrays); ok {
		return rep, &PageError{Page: 1, Method: c.cfg.Method, URL: rep.URL, Status: f.status, ContentType: rep.ContentType, Cause: "the API reported an error in the body: " + c.redact().Cut(msg, 300), Snippet: c.snippet(f.body, 200)}
	}
	sort.SliceStable(rep.Arrays, func(i, j int) bool {
		a, b := rep.Arrays[i], rep.Arrays[j]
		if a.Objects != b.Objects {
			return a.Objects
		}
		return a.Count > b.Count
	})
	var records []map[string]any
	if len(rep.Arrays) > 0 && rep.Arrays[0].Objects {
		rep.Records = rep.Arrays[0].Path
		records = objectsAt(doc, rep.Records)
	} else if m, ok := doc.(map[string]any); ok {
		rep.Records = "."
		records = []map[string]any{m}
	} else {
		rep.Records = "."
	}
	rep.RecordCount = len(records)
	rep.PrimaryKey = primaryKeyOf(records)
	c.guessPagination(ctx, rep, f, doc, records, &u)
	return rep, nil
}

// probeRunner sends requests for Probe: same client, auth and rate
// limits, but it takes the whole body as the record (the profile's own
// records expression is what probing is for finding) and keeps no run.
func (c *Client) probeRunner() *runner {
	whole, _ := page.Compile(".")
	return &runner{c: c, run: &Run{events: make(chan Event, eventBuffer)}, records: whole}
}

// findArrays lists the arrays in a decoded body, to a small depth.
func findArrays(v any, path string, depth int) []ArrayCandidate {
	if depth > 4 {
		return nil
	}
	var out []ArrayCandidate
	switch x := v.(type) {
	case []any:
		cand := ArrayCandidate{Path: path, Count: len(x), Objects: len(x) > 0}
		fields := map[string]bool{}
		for _, el := range x {
			obj, ok := el.(map[string]any)
			if !ok {
				cand.Objects = false
				break
			}
			for k := range obj {
				fields[k] = true
			}
		}
		for k := range fields {
			cand.Fields = append(cand.Fields, k)
		}
		sort.Strings(cand.Fields)
		out = append(out, cand)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, findArrays(x[k], joinPath(path, k), depth+1)...)
		}
	}
	return out
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func joinPath(path, key string) string {
	if !plainKey.MatchString(key) {
		key = fmt.Sprintf("[%q]", key)
		if path == "." {
			return "." + key
		}
		return path + key
	}
	if path == "." {
		return "." + key
	}
	return path + "." + key
}

// objectsAt evaluates a path found by findArrays on the decoded body.
func objectsAt(doc any, path string) []map[string]any {
	e, err := page.Compile(path + "[]")
	if err != nil {
		return nil
	}
	var out []map[string]any
	vals, _ := e.RunDecoded(context.Background(), doc) // a path found in the body: it ends
	for _, v := range vals {
		if m, ok := v.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// primaryKeyOf picks a field that every record has, with distinct values.
func primaryKeyOf(recs []map[string]any) string {
	if len(recs) == 0 {
		return ""
	}
	for _, name := range []string{"id", "ID", "Id", "uuid", "key", "_id", "number", "sys_id"} {
		seen := map[string]bool{}
		ok := true
		for _, r := range recs {
			v, has := r[name]
			if !has || v == nil {
				ok = false
				break
			}
			k := fmt.Sprint(v)
			if seen[k] {
				ok = false
				break
			}
			seen[k] = true
		}
		if ok {
			return name
		}
	}
	return ""
}

var (
	cursorKey  = regexp.MustCompile(`(?i)^_?(next_?cursor|next_?page_?token|next_?token|cursor|after|after_?cursor|end_?cursor|continuation(_?token)?|next_?key|scroll_?id|starting_?after|next_?marker|marker|offset|next_?offset|next_?page_?info|page_?info)$`)
	nextURLKey = regexp.MustCompile(`(?i)^(next|next_?page|@odata\.nextlink|next.*(url|uri|link|href))$`)
	hasMoreKey = regexp.MustCompile(`(?i)^(has_?more|has_?next(_?page)?|more)$`)
	limitKey   = regexp.MustCompile(`(?i)^\$?(limit|per_?page|page_?size|size|count|max_?results|top|first)$`)
	timeField  = regexp.MustCompile(`(?i)^(updated|modified|changed)_?(at|on|time)?$|^(updated|modified)$|^last_?modified$`)
)

type scalarPath struct {
	path, key string
	value     any
}

// scalarPaths lists the scalar fields of a body outside arrays.
func scalarPaths(v any, path string, depth int) []scalarPath {
	m, ok := v.(map[string]any)
	if !ok || depth > 3 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []scalarPath
	for _, k := range keys {
		p := joinPath(path, k)
		switch x := m[k].(type) {
		case map[string]any:
			out = append(out, scalarPaths(x, p, depth+1)...)
		case []any:
		default:
			out = append(out, scalarPath{path: p, key: k, value: x})
		}
	}
	return out
}

func firstKey(m map[string]any, names ...string) string {
	for _, n := range names {
		if _, ok := m[n]; ok {
			return n
		}
	}
	return ""
}

func present(m map[string]any, q url.Values, names ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		if _, ok := m[n]; ok {
			out = append(out, n+" in the body")
		} else if q.Has(n) {
			out = append(out, "?"+n+"=")
		}
	}
	return out
}

func orTotal(total string) string {
	if total == "" {
		return ""
	}
	return ", total at ." + total
}

// limitOf finds the page size parameter: from the query, else a field.
func limitOf(top map[string]any, q url.Values) (string, int) {
	for name := range q {
		if limitKey.MatchString(name) {
			n, _ := strconv.Atoi(q.Get(name))
			return name, n
		}
	}
	for k := range top {
		if limitKey.MatchString(k) && k != "count" {
			return k, 0
		}
	}
	return "", 0
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// ascendingField finds a field matching re whose values ascend.
func ascendingField(recs []map[string]any, re *regexp.Regexp) string {
	if len(recs) == 0 {
		return ""
	}
	keys := make([]string, 0, len(recs[0]))
	for k := range recs[0] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if re.MatchString(k) && ascending(recs, k) {
			return k
		}
	}
	return ""
}

// ascending reports whether a field never decreases across the records.
func ascending(recs []map[string]any, field string) bool {
	var prev string
	for i, r := range recs {
		v, ok := r[field]
		if !ok {
			return false
		}
		b, _ := json.Marshal(v)
		text, err := page.ScalarText(bytes.TrimSpace(b))
		if err != nil {
			return false
		}
		if i > 0 && paginate.CompareMarks(text, prev) < 0 {
			return false
		}
		prev = text
	}
	return true
}

// probeBodyError is the API's message when a 200 body is a common error
// shape with no records elsewhere (ok: false, errors with data: null).
func probeBodyError(f *fetched, arrays []ArrayCandidate) (string, bool) {
	for _, a := range arrays {
		if a.Objects && a.Path != ".errors" {
			return "", false
		}
	}
	if !CommonErrorShape(f.page) {
		return "", false
	}
	obj, _ := f.page.Object()
	return commonMessage(obj), true
}
