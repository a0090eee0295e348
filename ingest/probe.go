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
	"strings"
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
	Params          map[string]string

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
	o := rn.attempt(ctx, &u, nil)
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
	cursorKey  = regexp.MustCompile(`(?i)^_?(next_?cursor|next_?page_?token|next_?token|cursor|after|end_?cursor|continuation(_?token)?|next_?key|scroll_?id|starting_?after|next_?marker|marker)$`)
	nextURLKey = regexp.MustCompile(`(?i)^(next|next_?page|@odata\.nextlink|next.*(url|uri|link|href))$`)
	hasMoreKey = regexp.MustCompile(`(?i)^(has_?more|has_?next(_?page)?|more)$`)
	limitKey   = regexp.MustCompile(`(?i)^(limit|per_?page|page_?size|size|count|max_?results)$`)
	timeField  = regexp.MustCompile(`(?i)^(updated|modified|changed)_?(at|on|time)?$|^(updated|modified)$|^last_?modified$`)
)

// guessPagination reads the evidence for each style, strongest first.
func (c *Client) guessPagination(ctx context.Context, rep *ProbeReport, f *fetched, doc any, recs []map[string]any, u *url.URL) {
	p := PaginationConfig{Type: PageNone}
	q := u.Query()
	defer func() { rep.Pagination = p }()
	if next, ok := httphdr.FindLink(f.header, "next"); ok {
		p.Type = PageLinkHeader
		rep.Evidence = append(rep.Evidence, fmt.Sprintf("a Link header with rel=\"next\": %s", c.redact().URL(next)))
		return
	}
	top, _ := doc.(map[string]any)
	paths := scalarPaths(doc, ".", 0)
	for _, sp := range paths {
		if s, ok := sp.value.(string); ok && nextURLKey.MatchString(sp.key) && (strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "/") || strings.HasPrefix(s, "?")) {
			p.Type, p.NextURLPath = PageNextURL, sp.path
			rep.Evidence = append(rep.Evidence, fmt.Sprintf("%s holds the next page's URL: %s", sp.path, c.redact().URL(s)))
			return
		}
	}
	for _, sp := range paths {
		if s, ok := sp.value.(string); ok && s != "" && cursorKey.MatchString(sp.key) {
			p.Type, p.CursorPath = PageCursor, sp.path
			p.CursorParam = cursorParamFor(sp.key, q)
			rep.Evidence = append(rep.Evidence, fmt.Sprintf("%s looks like a cursor (%q); it is sent back as ?%s=", sp.path, c.redact().Cut(s, 40), p.CursorParam))
			c.confirm(ctx, rep, u, p.CursorParam, s, recs)
			return
		}
	}
	// Stripe-style lists say only has_more: true; the next page starts
	// after the last record's id.
	for _, sp := range paths {
		if more, ok := sp.value.(bool); ok && more && hasMoreKey.MatchString(sp.key) && rep.PrimaryKey != "" && len(recs) > 0 {
			p.Type, p.CursorParam = PageCursor, "starting_after"
			for _, name := range []string{"starting_after", "after", "since_id", "from_id"} {
				if q.Has(name) {
					p.CursorParam = name
				}
			}
			p.CursorPath = fmt.Sprintf("if %s then %s[-1].%s else null end", sp.path, rep.Records, rep.PrimaryKey)
			rep.Evidence = append(rep.Evidence, fmt.Sprintf("%s is true and nothing names the next page: the next page is asked for after the last record's %s (?%s=)", sp.path, rep.PrimaryKey, p.CursorParam))
			last := recs[len(recs)-1][rep.PrimaryKey]
			c.confirm(ctx, rep, u, p.CursorParam, fmt.Sprint(last), recs)
			return
		}
	}
	if top != nil {
		_, hasOffset := top["offset"]
		total := firstKey(top, "total", "total_count", "totalCount", "count", "total_results", "totalResults")
		if hasOffset || q.Has("offset") || q.Has("skip") {
			p.Type, p.OffsetParam = PageOffset, "offset"
			if q.Has("skip") {
				p.OffsetParam = "skip"
			}
			if total != "" {
				p.TotalPath = "." + total
			}
			p.LimitParam, p.Limit = limitOf(top, q)
			rep.Evidence = append(rep.Evidence, fmt.Sprintf("offset paging (%s%s)", strings.Join(present(top, q, "offset", "skip", "limit"), ", "), orTotal(total)))
			return
		}
		pageKey := firstKey(top, "page", "current_page", "page_number", "pageNumber")
		pages := firstKey(top, "total_pages", "totalPages", "last_page", "pages", "page_count", "pageCount")
		if pageKey != "" || q.Has("page") {
			p.Type, p.PageParam = PagePage, "page"
			if pages != "" {
				p.TotalPagesPath = "." + pages
			} else if total != "" {
				p.TotalPath = "." + total
			}
			p.LimitParam, p.Limit = limitOf(top, q)
			if n, err := strconv.Atoi(q.Get("page")); err == nil {
				p.StartPage = n
			}
			rep.Evidence = append(rep.Evidence, fmt.Sprintf("page-number paging (%s%s)", strings.Join(present(top, q, "page", pageKey, pages), ", "), orTotal(total)))
			return
		}
	}
	// No hints in the body: ascending ids or timestamps suit keyset or
	// timestamp paging, if the API filters on them; the query may say how.
	for name := range q {
		lower := strings.ToLower(name)
		switch {
		case strings.Contains(lower, "updated") || strings.Contains(lower, "modified") || strings.HasSuffix(lower, "_since") || lower == "since":
			field := ascendingField(recs, timeField)
			if field == "" {
				field = "updated_at"
			}
			p = PaginationConfig{Type: PageTimestamp, Param: name, Field: field, Inclusive: !strings.Contains(lower, "after")}
			rep.Evidence = append(rep.Evidence, fmt.Sprintf("the query filters on ?%s= and records come in ascending %s", name, field))
			return
		case strings.Contains(lower, "since_id") || strings.HasPrefix(lower, "after_id") || lower == "min_id" || strings.HasSuffix(lower, "_gt"):
			p = PaginationConfig{Type: PageKeyset, Param: name, Field: orDefault(rep.PrimaryKey, "id")}
			rep.Evidence = append(rep.Evidence, fmt.Sprintf("the query filters on ?%s= and records come in ascending %s", name, p.Field))
			return
		}
	}
	if rep.PrimaryKey != "" && ascending(recs, rep.PrimaryKey) && len(recs) > 1 {
		rep.Evidence = append(rep.Evidence, fmt.Sprintf("records come in ascending %s, which would suit keyset paging if the API filters on it (add e.g. ?since_id=0 to the URL and probe again)", rep.PrimaryKey))
	}
	rep.Evidence = append(rep.Evidence, "no next link, cursor, offset or page fields: one request gets everything")
}

// confirm fetches the page a cursor leads to, to show it moves on.
func (c *Client) confirm(ctx context.Context, rep *ProbeReport, u *url.URL, param, value string, first []map[string]any) {
	next := *u
	q := next.Query()
	q.Set(param, value)
	next.RawQuery = q.Encode()
	o := c.probeRunner().attempt(ctx, &next, nil)
	if o.f == nil {
		rep.Confirmed = fmt.Sprintf("a second request with ?%s= failed: %s", param, o.cause)
		return
	}
	doc, err := o.f.page.Decoded()
	if err != nil {
		rep.Confirmed = "the second page is not JSON"
		return
	}
	recs := objectsAt(doc, rep.Records)
	same := len(recs) > 0 && len(first) > 0 && fmt.Sprint(recs[0]) == fmt.Sprint(first[0])
	if same {
		rep.Confirmed = fmt.Sprintf("a second request with ?%s= came back with the same first record: the API may expect the cursor under another parameter name", param)
		return
	}
	rep.Confirmed = fmt.Sprintf("a second request with ?%s= brought %d different records", param, len(recs))
}

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

func cursorParamFor(key string, q url.Values) string {
	for _, name := range []string{"cursor", "page_token", "pageToken", "after", "starting_after", "continuation", "marker", "next_token"} {
		if q.Has(name) {
			return name
		}
	}
	lower := strings.ToLower(key)
	switch {
	case strings.HasPrefix(lower, "next_"):
		return key[len("next_"):]
	case strings.HasPrefix(key, "next") && len(key) > 4:
		return strings.ToLower(key[4:5]) + key[5:]
	case lower == "endcursor" || lower == "end_cursor":
		return "after"
	}
	return key
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
