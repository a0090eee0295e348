package ingest

import (
	"context"
	"strings"

	"siphon/ingest/jqguard"
	"siphon/ingest/spec"
)

// WithJQMemoryLimit sets the heap size at which a running jq expression
// (records, cursor, next URL, total, filters) is stopped (default 512 MiB;
// 0 or less: no bound). An expression like repeat(.) or def f: [f]; f grows
// without end; the request timeout alone would let it take gigabytes first.
func WithJQMemoryLimit(bytes int64) Option { return func(c *Client) { c.jqMemory = bytes } }

// guardJQ is jqguard.Guard at the client's bound.
func (c *Client) guardJQ(parent context.Context, what string) (ctx context.Context, stop func()) {
	return jqguard.Guard(parent, c.jqMemory, what)
}

// paginationExprs names the jq expressions a paginator runs, for messages.
func paginationExprs(p spec.PaginationConfig) string {
	var names []string
	for _, e := range []struct{ key, src string }{{"cursor_path", p.CursorPath}, {"next_url_path", p.NextURLPath}, {"total_path", p.TotalPath}, {"total_pages_path", p.TotalPagesPath}, {"stop_when", p.StopWhen}} {
		if e.src != "" {
			names = append(names, e.key+" "+e.src)
		}
	}
	if len(names) == 0 {
		return "pagination"
	}
	return strings.Join(names, ", ")
}
