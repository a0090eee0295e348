package demoapi

import "net/http"

// Endpoint describes one data endpoint, for the demo server's banner.
type Endpoint struct {
	Name        string // short name, e.g. "cursor"
	Path        string // e.g. /v1/cursor
	Query       string // the paging parameters with their defaults
	Pagination  string // the siphon pagination type that walks it
	Description string // one line
}

// endpoint pairs the description with the code that builds the body.
type endpoint struct {
	Endpoint
	serve func(a *API, r *http.Request, h http.Header) ([]byte, error)
}

var endpointTable = []endpoint{
	{Endpoint{"none", "/v1/none", "", "none", `every record in one response: {"data":[...]}`}, (*API).serveNone},
	{Endpoint{"offset", "/v1/offset", "offset=0&limit=100", "offset", `{"data":[...],"total":N,"offset":o,"limit":l}; filters id_gte, id_lt, updated_gte, updated_lt`}, (*API).serveOffset},
	{Endpoint{"pages", "/v1/pages", "page=1&per_page=100", "page", `{"items":[...],"page":p,"per_page":n,"total_pages":T,"total_count":N}`}, (*API).servePages},
	{Endpoint{"cursor", "/v1/cursor", "cursor=&limit=100", "cursor", `opaque cursor at .pagination.next_cursor, null on the last page; filters like offset`}, (*API).serveCursor},
	{Endpoint{"loop", "/v1/loop", "cursor=&limit=20", "cursor", `cursors cycle A->B->C->A forever, for loop detection`}, (*API).serveLoop},
	{Endpoint{"next", "/v1/next", "after=0&limit=100", "next_url", `absolute URL of the next page at .next, null on the last page`}, (*API).serveNext},
	{Endpoint{"link", "/v1/link", "page=1&per_page=100", "link_header", `bare JSON array; Link header with rel="next", "first", "last"`}, (*API).serveLink},
	{Endpoint{"keyset", "/v1/keyset", "since_id=0&limit=100", "keyset", `records with id > since_id, ascending; no paging hints`}, (*API).serveKeyset},
	{Endpoint{"timestamp", "/v1/timestamp", "updated_after=RFC3339&limit=100", "timestamp", `updated_at > updated_after (or >= updated_since), by (updated_at, id)`}, (*API).serveTimestamp},
	{Endpoint{"groups", "/v1/groups", "offset=0&limit=100", "offset", `the groups: {"data":[{"id":"g001","name":...}],"total":G}`}, (*API).serveGroups},
	{Endpoint{"group-items", "/v1/group-items", "group=g001&offset=0&limit=100", "offset", `one group's records, like /v1/offset`}, (*API).serveGroupItems},
}

// Endpoints lists the data endpoints in a fixed order.
func Endpoints() []Endpoint {
	out := make([]Endpoint, len(endpointTable))
	for i, ep := range endpointTable {
		out[i] = ep.Endpoint
	}
	return out
}
