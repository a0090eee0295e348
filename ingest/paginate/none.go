package paginate

import (
	"net/url"

	"siphon/ingest/spec"
)

// none is one request that gets everything.
type none struct{}

func newNone(spec.PaginationConfig, []string) (Style, error) { return none{}, nil }

func (none) Start() Position { return Position{} }

// Request sends no page size either: the API is not paged.
func (none) Request(Position, url.Values) Request { return Request{} }

func (none) Next(*Position, *Response) (Next, error) { return Next{Stop: StopSingle}, nil }

func (none) Describe(Position) string { return "" }
