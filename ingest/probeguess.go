package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"siphon/ingest/httphdr"
	"siphon/ingest/paginate"
)

// The probe proposes only what it confirmed: a cursor parameter, an offset
// or a filter is proposed when a second request with it succeeded and
// brought records the first page did not have. When nothing confirms, it
// says so and proposes no pagination rather than a broken one.

// cursorFamilies are the parameter names to try for a cursor found under a
// key: the key's own family first, then the common names.
var cursorFamilies = map[string][]string{
	"next_cursor":     {"cursor", "start_cursor", "next_cursor", "after"},
	"nextcursor":      {"cursor", "nextCursor", "after"},
	"after_cursor":    {"cursor", "after_cursor", "after"},
	"cursor":          {"cursor", "after"},
	"next_token":      {"pagination_token", "page_token", "next_token", "token"},
	"nexttoken":       {"nextToken", "pagination_token", "page_token"},
	"next_page_token": {"page_token", "pageToken", "next_page_token"},
	"nextpagetoken":   {"pageToken", "page_token", "nextPageToken"},
	"endcursor":       {"after"},
	"end_cursor":      {"after"},
	"after":           {"after", "starting_after"},
	"offset":          {"offset"},
	"next_offset":     {"offset"},
	"page_info":       {"page_info"},
	"next_page_info":  {"page_info"},
	"marker":          {"marker"},
	"next_marker":     {"marker"},
	"continuation":    {"continuation", "continuation_token"},
}

var commonCursorParams = []string{"cursor", "next_token", "pagination_token", "page_token", "starting_after", "start_cursor", "after", "page_info", "offset"}

// offsetPairs are offset paging's names: the position and the page size.
var offsetPairs = []struct{ offset, limit string }{
	{"offset", "limit"}, {"startAt", "maxResults"}, {"start", "limit"}, {"skip", "top"}, {"skip", "limit"},
	{"$skip", "$top"}, {"from", "size"}, {"start_index", "count"}, {"startIndex", "count"},
}

// Filter names tried for keyset and timestamp paging.
var (
	keysetParams    = []string{"since_id", "after_id", "min_id", "id_gt", "starting_after", "after"}
	timestampParams = []string{"updated_after", "updated_since", "modified_since", "since", "updated_at_gt", "start_time"}
)

// probeCtx is what the guesser knows of the first page.
type probeCtx struct {
	c     *Client
	ctx   context.Context
	rep   *ProbeReport
	u     *url.URL
	q     url.Values
	top   map[string]any
	doc   any
	recs  []map[string]any
	first map[string]bool // the first page's records, by text
	body  map[string]any  // the probed POST's JSON body, nil for none
}

// guessPagination reads the evidence for each style, strongest first, and
// confirms what needs confirming.
func (c *Client) guessPagination(ctx context.Context, rep *ProbeReport, f *fetched, doc any, recs []map[string]any, u *url.URL) {
	g := &probeCtx{c: c, ctx: ctx, rep: rep, u: u, q: u.Query(), doc: doc, recs: recs, first: map[string]bool{}}
	g.top, _ = doc.(map[string]any)
	for _, r := range recs {
		g.first[recordText(r)] = true
	}
	if len(c.cfg.Body) > 0 && c.cfg.Method == "POST" {
		_ = json.Unmarshal(c.cfg.Body, &g.body)
	}
	p := g.guess(f)
	if p.StopWhen == "" && p.Type != PageNone {
		p.StopWhen = g.stopWhen()
	}
	rep.Pagination = p
	g.proposeErrors()
	g.checkTotal()
}

func recordText(r map[string]any) string {
	b, _ := json.Marshal(r)
	return string(b)
}

func (g *probeCtx) evidence(format string, args ...any) {
	g.rep.Evidence = append(g.rep.Evidence, fmt.Sprintf(format, args...))
}

func (g *probeCtx) guess(f *fetched) PaginationConfig {
	none := PaginationConfig{Type: PageNone}
	if next, ok := httphdr.FindLink(f.header, "next"); ok {
		g.evidence("a Link header with rel=\"next\": %s", g.c.redact().URL(next))
		return PaginationConfig{Type: PageLinkHeader}
	}
	for _, h := range []string{"X-Next-Cursor", "X-Continuation", "X-Next-Page-Cursor"} {
		if v := f.header.Get(h); v != "" {
			if strings.HasPrefix(v, "/") || strings.HasPrefix(v, "http") {
				g.evidence("the %s header holds the next page's URL", h)
				return PaginationConfig{Type: PageNextURL, NextURLHeader: h}
			}
			for _, param := range g.candidates(h) {
				if p, ok := g.tryCursor(PaginationConfig{Type: PageCursor, CursorHeader: h}, param, v); ok {
					g.evidence("the %s header holds a cursor, sent back as %s", h, param)
					return p
				}
			}
		}
	}
	paths := scalarPaths(g.doc, ".", 0)
	for _, sp := range paths {
		if s, ok := sp.value.(string); ok && nextURLKey.MatchString(sp.key) && (strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "/") || strings.HasPrefix(s, "?")) {
			g.evidence("%s holds the next page's URL: %s", sp.path, g.c.redact().URL(s))
			return PaginationConfig{Type: PageNextURL, NextURLPath: sp.path}
		}
	}
	if p, ok := g.graphQL(); ok {
		return p
	}
	if p, ok := g.scroll(); ok {
		return p
	}
	// An offset given as a number is offset paging; a string is a token.
	if p, ok := g.offset(); ok {
		return p
	}
	tried := false
	for _, sp := range paths {
		s, ok := sp.value.(string)
		if !ok || s == "" || !cursorKey.MatchString(sp.key) {
			continue
		}
		if _, err := strconv.ParseInt(s, 10, 64); err == nil && strings.Contains(strings.ToLower(sp.key), "offset") {
			continue
		}
		tried = true
		for _, param := range g.candidates(sp.key) {
			if p, ok := g.tryCursor(PaginationConfig{Type: PageCursor, CursorPath: sp.path}, param, s); ok {
				g.evidence("%s looks like a cursor (%q); sent back as %s it brought the next records", sp.path, g.c.redact().Cut(s, 40), g.where(param))
				return p
			}
		}
		g.evidence("%s looks like a cursor, but no parameter tried (%s) brought other records", sp.path, strings.Join(g.candidates(sp.key), ", "))
	}
	// Stripe-style lists say only has_more: true; the next page starts
	// after the last record's id.
	for _, sp := range paths {
		if more, ok := sp.value.(bool); ok && more && hasMoreKey.MatchString(sp.key) && g.rep.PrimaryKey != "" && len(g.recs) > 0 {
			last := fmt.Sprint(g.recs[len(g.recs)-1][g.rep.PrimaryKey])
			tried = true
			for _, param := range []string{"starting_after", "after", "since_id", "from_id", "cursor"} {
				base := PaginationConfig{Type: PageCursor, CursorPath: fmt.Sprintf("%s[-1].%s", g.rep.Records, g.rep.PrimaryKey)}
				if p, ok := g.tryCursor(base, param, last); ok {
					g.evidence("%s is true and nothing names the next page: the next page is asked for after the last record's %s (%s)", sp.path, g.rep.PrimaryKey, g.where(param))
					return p
				}
			}
			g.evidence("%s is true, but asking for the records after the last %s under the usual names brought nothing new", sp.path, g.rep.PrimaryKey)
		}
	}
	if g.top != nil && !tried {
		if p, ok := g.pageNumber(); ok {
			return p
		}
	}
	if p, ok := g.filters(); ok {
		return p
	}
	if tried {
		g.evidence("no pagination could be confirmed: the profile fetches one page only")
		return none
	}
	g.evidence("no next link, cursor, offset or page fields found")
	return none
}

// candidates are the parameter names to try for a cursor under key.
func (g *probeCtx) candidates(key string) []string {
	k := strings.ToLower(strings.TrimPrefix(key, "_"))
	var out []string
	for name := range g.q {
		if cursorKey.MatchString(name) {
			out = append(out, name)
		}
	}
	out = append(out, cursorFamilies[k]...)
	if strings.HasPrefix(k, "next_") {
		out = append(out, key[len("next_"):])
	} else if strings.HasPrefix(key, "next") && len(key) > 4 {
		out = append(out, strings.ToLower(key[4:5])+key[5:])
	}
	out = append(out, commonCursorParams...)
	seen := map[string]bool{}
	uniq := out[:0]
	for _, n := range out {
		if !seen[n] {
			seen[n] = true
			uniq = append(uniq, n)
		}
	}
	return uniq
}

// where says where a parameter goes, for evidence: ?name= or the body.
func (g *probeCtx) where(param string) string {
	if g.body != nil {
		return "body field " + param
	}
	return "?" + param + "="
}

// tryCursor confirms a cursor parameter: a request with it must succeed
// and bring records the first page did not have.
func (g *probeCtx) tryCursor(p PaginationConfig, param, value string) (PaginationConfig, bool) {
	recs, ok := g.try(url.Values{param: {value}}, nil)
	if !ok || !g.fresh(recs) {
		return p, false
	}
	p.CursorParam = param
	if g.body != nil {
		p.In = "body"
	}
	g.rep.Confirmed = fmt.Sprintf("a second request with %s brought %d different records", g.where(param), len(recs))
	return p, true
}

// try sends the probed request again with extra parameters (in the query,
// or the JSON body of a POST) or to another request altogether (next), and
// returns its records at the records path.
func (g *probeCtx) try(extra url.Values, next *NextRequest) ([]map[string]any, bool) {
	c := g.c
	u := *g.u
	method, body := c.cfg.Method, []byte(c.cfg.Body)
	in := "query"
	if g.body != nil {
		in = "body"
	}
	if next != nil {
		req, err := c.requestOf(paginate.Request{Query: extra, Next: next})
		if err != nil {
			return nil, false
		}
		u = *req.endpoint
		q := url.Values{}
		for k, v := range req.params {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
		method, body, in = req.method, req.body, req.in
	}
	if in == "body" {
		b, err := bodyWith(body, extra)
		if err != nil {
			return nil, false
		}
		body = b
	} else {
		q := u.Query()
		for k, vs := range extra {
			q[k] = vs
		}
		u.RawQuery = q.Encode()
	}
	o := c.probeRunner().attempt(g.ctx, &u, method, body, nil)
	if o.f == nil {
		return nil, false
	}
	doc, err := o.f.page.Decoded()
	if err != nil {
		return nil, false
	}
	return objectsAt(doc, strings.TrimSuffix(g.rep.Records, "[].node")), true
}

// fresh reports whether recs holds a record the first page did not.
func (g *probeCtx) fresh(recs []map[string]any) bool {
	for _, r := range recs {
		if !g.first[recordText(r)] {
			return true
		}
	}
	return false
}

// offset recognises offset paging under its common names, by a number
// in the body or the query, and confirms it.
func (g *probeCtx) offset() (PaginationConfig, bool) {
	for _, pair := range offsetPairs {
		_, inBody := number(g.top[pair.offset])
		_, inQuery := g.q[pair.offset]
		if !inBody && !inQuery {
			continue
		}
		if inQuery {
			if _, err := strconv.ParseInt(g.q.Get(pair.offset), 10, 64); err != nil {
				continue
			}
		}
		n := len(g.recs)
		if n == 0 {
			continue
		}
		start, _ := strconv.ParseInt(g.q.Get(pair.offset), 10, 64)
		recs, ok := g.try(url.Values{pair.offset: {strconv.FormatInt(start+int64(n), 10)}}, nil)
		if !ok || !g.fresh(recs) {
			g.evidence("%s looks like an offset, but a request at %s=%d brought nothing new", pair.offset, pair.offset, start+int64(n))
			continue
		}
		p := PaginationConfig{Type: PageOffset, OffsetParam: pair.offset}
		if g.body != nil {
			p.In = "body"
		}
		if _, ok := g.top[pair.limit]; ok || g.q.Has(pair.limit) {
			p.LimitParam = pair.limit
			p.Limit, _ = strconv.Atoi(g.q.Get(pair.limit))
		} else {
			p.LimitParam, p.Limit = limitOf(g.top, g.q)
		}
		if total := firstKey(g.top, "total", "total_count", "totalCount", "total_results", "totalResults", "totalSize"); total != "" {
			p.TotalPath = "." + total
		}
		g.evidence("offset paging by %s (%s)", pair.offset, strings.Join(present(g.top, g.q, pair.offset, pair.limit, p.TotalPath), ", "))
		g.rep.Confirmed = fmt.Sprintf("a second request at %s=%d brought %d different records", pair.offset, start+int64(n), len(recs))
		return p, true
	}
	return PaginationConfig{}, false
}

// pageNumber recognises page-number paging.
func (g *probeCtx) pageNumber() (PaginationConfig, bool) {
	pageKey := firstKey(g.top, "page", "current_page", "page_number", "pageNumber")
	if pageKey == "" && !g.q.Has("page") {
		return PaginationConfig{}, false
	}
	p := PaginationConfig{Type: PagePage, PageParam: "page"}
	pages := firstKey(g.top, "total_pages", "totalPages", "last_page", "pages", "page_count", "pageCount")
	total := firstKey(g.top, "total", "total_count", "totalCount", "count", "total_results", "totalResults")
	if pages != "" {
		p.TotalPagesPath = "." + pages
	} else if total != "" {
		p.TotalPath = "." + total
	}
	p.LimitParam, p.Limit = limitOf(g.top, g.q)
	if n, err := strconv.Atoi(g.q.Get("page")); err == nil {
		p.StartPage = n
	}
	g.evidence("page-number paging (%s%s)", strings.Join(present(g.top, g.q, "page", pageKey, pages), ", "), orTotal(total))
	return p, true
}

// filters finds keyset or timestamp paging: a filter in the query, or one
// of the common filter names that, given the last id or time seen, brings
// newer records.
func (g *probeCtx) filters() (PaginationConfig, bool) {
	for name := range g.q {
		lower := strings.ToLower(name)
		switch {
		case strings.Contains(lower, "updated") || strings.Contains(lower, "modified") || strings.HasSuffix(lower, "_since") || lower == "since":
			field := ascendingField(g.recs, timeField)
			if field == "" {
				field = "updated_at"
			}
			g.evidence("the query filters on ?%s= and records come in ascending %s", name, field)
			return PaginationConfig{Type: PageTimestamp, Param: name, Field: field, Inclusive: !strings.Contains(lower, "after")}, true
		case strings.Contains(lower, "since_id") || strings.HasPrefix(lower, "after_id") || lower == "min_id" || strings.HasSuffix(lower, "_gt"):
			p := PaginationConfig{Type: PageKeyset, Param: name, Field: orDefault(g.rep.PrimaryKey, "id")}
			g.evidence("the query filters on ?%s= and records come in ascending %s", name, p.Field)
			return p, true
		}
	}
	if len(g.recs) < 2 {
		return PaginationConfig{}, false
	}
	last := g.recs[len(g.recs)-1]
	if pk := g.rep.PrimaryKey; pk != "" && ascending(g.recs, pk) {
		for _, name := range keysetParams {
			recs, ok := g.try(url.Values{name: {fmt.Sprint(last[pk])}}, nil)
			if ok && len(recs) > 0 && g.fresh(recs) && !g.anyOld(recs) {
				g.evidence("records come in ascending %s and ?%s=<last %s> brought only newer ones", pk, name, pk)
				g.rep.Confirmed = fmt.Sprintf("a second request with ?%s= brought %d newer records", name, len(recs))
				return PaginationConfig{Type: PageKeyset, Param: name, Field: pk}, true
			}
		}
	}
	if field := ascendingField(g.recs, timeField); field != "" {
		for _, name := range timestampParams {
			recs, ok := g.try(url.Values{name: {fmt.Sprint(last[field])}}, nil)
			if ok && len(recs) > 0 && g.fresh(recs) {
				g.evidence("records come in ascending %s and ?%s=<last %s> brought newer ones", field, name, field)
				g.rep.Confirmed = fmt.Sprintf("a second request with ?%s= brought %d records", name, len(recs))
				return PaginationConfig{Type: PageTimestamp, Param: name, Field: field, Inclusive: true}, true
			}
		}
	}
	return PaginationConfig{}, false
}

// anyOld reports whether recs repeats a record of the first page.
func (g *probeCtx) anyOld(recs []map[string]any) bool {
	for _, r := range recs {
		if g.first[recordText(r)] {
			return true
		}
	}
	return false
}

// graphQL recognises a connection: edges[].node records and a pageInfo
// with endCursor, the cursor going into the query's variables.
func (g *probeCtx) graphQL() (PaginationConfig, bool) {
	info, infoPath := findObject(g.doc, ".", "pageInfo", 0)
	if info == nil {
		return PaginationConfig{}, false
	}
	end, _ := info["endCursor"].(string)
	conn := strings.TrimSuffix(infoPath, ".pageInfo")
	if edges := objectsAt(g.doc, conn+".edges"); len(edges) > 0 {
		if _, ok := edges[0]["node"]; ok {
			g.rep.Records = conn + ".edges[].node"
			g.recs = nil
			for _, e := range edges {
				if n, ok := e["node"].(map[string]any); ok {
					g.recs = append(g.recs, n)
				}
			}
			g.rep.RecordCount = len(g.recs)
			g.rep.PrimaryKey = primaryKeyOf(g.recs)
			g.first = map[string]bool{}
			for _, e := range edges {
				g.first[recordText(e)] = true
			}
		}
	} else if nodes := objectsAt(g.doc, conn+".nodes"); len(nodes) > 0 {
		g.rep.Records = conn + ".nodes"
	}
	p := PaginationConfig{Type: PageCursor, CursorPath: infoPath + ".endCursor", StopWhen: infoPath + ".hasNextPage | not"}
	g.evidence("a GraphQL connection: records at %s, %s.hasNextPage and endCursor", g.rep.Records, infoPath)
	if end == "" {
		g.evidence("pageInfo has no endCursor on this page: the connection has one page")
		return p, true
	}
	param := "after"
	if _, ok := g.body["variables"]; ok {
		param = "variables.after"
		p.In = "body"
		if vars, _ := g.body["variables"].(map[string]any); vars != nil {
			if _, ok := vars["first"]; ok {
				p.LimitParam = "variables.first"
			}
		}
	}
	recs, ok := g.try(url.Values{param: {end}}, nil)
	if !ok || !g.fresh(recs) {
		g.evidence("but a request with %s=<endCursor> brought nothing new: the query must take an $after variable", param)
		return PaginationConfig{Type: PageNone}, true
	}
	p.CursorParam = param
	g.rep.Confirmed = fmt.Sprintf("a second request with %s=<endCursor> brought %d different records", param, len(recs))
	return p, true
}

// scroll recognises an Elasticsearch scroll (a _scroll_id): two-phase,
// the follow-ups going to /_search/scroll with the id in the body.
func (g *probeCtx) scroll() (PaginationConfig, bool) {
	id, _ := g.top["_scroll_id"].(string)
	if id == "" {
		return PaginationConfig{}, false
	}
	keep := g.q.Get("scroll")
	if keep == "" {
		keep = "1m"
	}
	next := NextRequest{Path: "/_search/scroll", Method: "POST", Params: map[string]string{}, Body: json.RawMessage(fmt.Sprintf(`{"scroll":%q}`, keep)), In: "body", CursorParam: "scroll_id"}
	recs, ok := g.try(url.Values{"scroll_id": {id}}, &next)
	if !ok || !g.fresh(recs) {
		g.evidence("._scroll_id is an Elasticsearch scroll, but POST /_search/scroll with it brought nothing new")
		return PaginationConfig{Type: PageNone}, true
	}
	g.evidence("._scroll_id is an Elasticsearch scroll: follow-ups are POST /_search/scroll with the id in the body; the id repeats, and an empty page ends it")
	g.rep.Confirmed = fmt.Sprintf("POST /_search/scroll brought %d different records", len(recs))
	return PaginationConfig{Type: PageCursor, CursorPath: "._scroll_id", CursorRepeats: true, Next: next}, true
}

// findObject finds the first object under key, to a small depth.
func findObject(v any, path, key string, depth int) (map[string]any, string) {
	m, ok := v.(map[string]any)
	if !ok || depth > 5 {
		return nil, ""
	}
	if o, ok := m[key].(map[string]any); ok {
		return o, joinPath(path, key)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if o, p := findObject(m[k], joinPath(path, k), key, depth+1); o != nil {
			return o, p
		}
	}
	return nil, ""
}

// stopWhen proposes pagination.stop_when from an end flag on the page.
func (g *probeCtx) stopWhen() string {
	for _, sp := range scalarPaths(g.doc, ".", 0) {
		if _, ok := sp.value.(bool); !ok || strings.Count(sp.path, ".") > 2 {
			continue
		}
		for _, f := range paginate.EndFlags {
			if sp.key == f.Field {
				if f.Last {
					return sp.path
				}
				return sp.path + " | not"
			}
		}
	}
	return ""
}

// proposeErrors proposes error_when and error_message when the body has
// the fields by which its API says it failed.
func (g *probeCtx) proposeErrors() {
	if g.top == nil {
		return
	}
	if _, ok := g.top["ok"].(bool); ok {
		g.rep.ErrorWhen, g.rep.ErrorMessage = ".ok == false", ".error"
		g.evidence("the body has ok: the API reports errors with ok: false and HTTP 200 (error_when)")
		return
	}
	if _, ok := g.top["errors"]; ok {
		g.rep.ErrorWhen, g.rep.ErrorMessage = "(.errors // []) | length > 0", `[.errors[] | .message // tostring] | join("; ")`
		g.evidence("the body has errors: the API reports errors there with HTTP 200 (error_when)")
	}
}

// checkTotal warns when the API declares more records than the proposal
// will fetch.
func (g *probeCtx) checkTotal() {
	total, at := int64(0), ""
	if g.top != nil {
		for _, k := range declaredTotalFields {
			if n, ok := number(g.top[k]); ok && n > 0 {
				total, at = int64(n), "."+k
				break
			}
		}
	}
	if total > int64(len(g.recs)) && g.rep.Pagination.Type == PageNone {
		g.rep.Warnings = append(g.rep.Warnings, fmt.Sprintf("the API declares %d records (%s) but this page has %d and no way to the next page was confirmed: a run of this profile will fail with total_mismatch", total, at, len(g.recs)))
	}
}

// number is a decoded JSON number, whichever way it was decoded.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	}
	return 0, false
}
