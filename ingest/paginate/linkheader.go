package paginate

import (
	"net/url"

	"siphon/ingest/httphdr"
	"siphon/ingest/spec"
)

// linkHeader follows the Link response header's URL with rel (default
// "next"), as GitHub's API pages; the walk ends when a page has none.
type linkHeader struct{ rel string }

func newLinkHeader(cfg spec.PaginationConfig, _ []string) (Style, error) {
	return linkHeader{rel: cfg.Rel}, nil
}

func (linkHeader) Start() Position { return Position{} }

func (linkHeader) Request(pos Position, q url.Values) Request { return followRequest(pos, q) }

func (s linkHeader) Next(pos *Position, r *Response) (Next, error) {
	next, _ := httphdr.FindLink(r.Header, s.rel)
	if next == "" {
		return Next{Stop: StopNoLink, Missing: `Link header with rel="` + s.rel + `"`}, nil
	}
	return follow(pos, r, next)
}

func (linkHeader) Describe(pos Position) string { return pos.NextURL }
