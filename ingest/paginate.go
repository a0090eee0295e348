package ingest

import (
	"net/url"

	"siphon/ingest/paginate"
)

// Pagination lives in package paginate, one file per style; these names
// keep ingest's own vocabulary for the packages built on it.

// Position is where a paginated walk stands, as the checkpoint keeps it.
type Position = paginate.Position

// PaginationTypes lists every pagination style, in the documentation's order.
var PaginationTypes = paginate.Names()

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
)

// request is what fetchPage sends for a page.
type request struct {
	url   string     // absolute URL; empty: base_url + path with query
	query url.Values // added to the profile's params (ignored with url)
}

func requestOf(r paginate.Request) request { return request{url: r.URL, query: r.Query} }
