package ingest

import (
	"encoding/json"
	"net/url"

	"siphon/ingest/paginate"
	"siphon/ingest/transport"
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
		u, err := transport.JoinURL(cfg.BaseURL, n.Path)
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
