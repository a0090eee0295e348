package ingest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"siphon/ingest/paginate"
)

// Pagination lives in package paginate, one file per style; these names
// keep ingest's own vocabulary for the packages built on it.

// Position is where a paginated walk stands, as the checkpoint keeps it.
type Position = paginate.Position

// Stop reasons: why a walk ended.
const (
	StopSingle       = paginate.StopSingle
	StopNoCursor     = paginate.StopNoCursor
	StopNoNextURL    = paginate.StopNoNextURL
	StopNoLink       = paginate.StopNoLink
	StopEmptyPage    = paginate.StopEmptyPage
	StopShortPage    = paginate.StopShortPage
	StopTotalReached = paginate.StopTotalReached
	StopLastPage     = paginate.StopLastPage
	StopMaxPages     = paginate.StopMaxPages
	StopNoNewer      = paginate.StopNoNewer
	StopRepeatedPage = paginate.StopRepeatedPage
	StopWhen         = paginate.StopWhen
	StopDeclaredEnd  = paginate.StopDeclaredEnd
)

// request is what fetchPage sends for a page.
type request struct {
	url   string     // absolute URL; empty: endpoint with params and query
	query url.Values // added to params (ignored with url)

	// What the request is: the profile's first request, or what
	// pagination.next says follow-ups are.
	method   string
	endpoint *url.URL
	params   map[string]string
	body     json.RawMessage   // nil: none
	in       string            // where query goes: query, body or header
	headers  map[string]string // added to the profile's
}

// requestOf is the request a paginator asks for, filled in from the profile
// (or from its pagination.next, for follow-ups).
func (c *Client) requestOf(r paginate.Request) (request, error) {
	cfg := &c.cfg
	req := request{url: r.URL, query: r.Query, method: cfg.Method, endpoint: c.endpoint, params: cfg.Params, body: cfg.Body, in: cfg.Pagination.In}
	n := r.Next
	if n == nil {
		return req, nil
	}
	if n.Path != "" {
		u, err := joinURL(cfg.BaseURL, n.Path)
		if err != nil {
			return req, err
		}
		req.endpoint = u
	}
	if n.Method != "" {
		req.method = n.Method
	}
	if n.Params != nil {
		req.params = n.Params
	}
	if n.Body != nil {
		req.body = n.Body
	}
	if n.In != "" {
		req.in = n.In
	}
	req.headers = n.Headers
	return req, nil
}

// headersWith adds the pagination parameters (a cursor with
// pagination.next.in: header) to a request's extra headers.
func headersWith(base map[string]string, params url.Values) map[string]string {
	out := make(map[string]string, len(base)+len(params))
	for k, v := range base {
		out[k] = v
	}
	for k, vs := range params {
		out[k] = vs[0]
	}
	return out
}

// positionExtras is what a saved position also depends on among the
// pagination keys for APIs as they are (header cursors, a repeating
// cursor, pagination.next), for the checkpoint's identity; "" when none is
// set.
func positionExtras(cfg *Config, redactURL func(string) string) string {
	p := cfg.Pagination
	var parts []string
	if p.CursorHeader != "" || p.NextURLHeader != "" || p.CursorRepeats {
		parts = append(parts, fmt.Sprintf("cursor_header=%s next_url_header=%s cursor_repeats=%t", p.CursorHeader, p.NextURLHeader, p.CursorRepeats))
	}
	if n := p.Next; n.IsSet() {
		keys := make([]string, 0, len(n.Params))
		for k := range n.Params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var params []string
		for _, k := range keys {
			params = append(params, k+"="+n.Params[k])
		}
		parts = append(parts, fmt.Sprintf("next: path=%s method=%s in=%s cursor_param=%s body=%s params=%s", n.Path, n.Method, n.In, n.CursorParam, n.Body, redactURL("?"+strings.Join(params, "&"))))
	}
	return strings.Join(parts, "; ")
}
