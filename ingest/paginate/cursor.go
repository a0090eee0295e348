package paginate

import (
	"fmt"
	"net/url"

	"siphon/ingest/page"
	"siphon/ingest/spec"
)

// cursor sends back a token the API gives on each page (cursor_path) as
// cursor_param; the walk ends when a page gives none.
type cursor struct {
	cfg  spec.PaginationConfig
	path *page.Expr
}

func newCursor(cfg spec.PaginationConfig, _ []string) (Style, error) {
	path, err := compile(cfg.CursorPath)
	if err != nil {
		return nil, err
	}
	if path == nil && cfg.CursorHeader == "" {
		return nil, fmt.Errorf("pagination: cursor needs cursor_path or cursor_header")
	}
	return &cursor{cfg: cfg, path: path}, nil
}

func (s *cursor) Start() Position { return Position{} }

func (s *cursor) Request(pos Position, q url.Values) Request {
	if pos.Cursor != "" {
		q.Set(s.cfg.CursorParam, pos.Cursor)
	}
	return Request{Query: q}
}

func (s *cursor) Next(pos *Position, r *Response) (Next, error) {
	next, err := s.next(r)
	if err != nil {
		return Next{}, err
	}
	if next == "" {
		return Next{Stop: StopNoCursor, Missing: "cursor at " + s.where()}, nil
	}
	pos.Cursor = next
	return Next{Follow: next, Noun: "cursor", Loop: "cursor", QuoteFollow: true}, nil
}

func (s *cursor) Describe(pos Position) string { return pos.Cursor }

func (s *cursor) Param() string { return s.cfg.CursorParam }

func (s *cursor) Seek(pos *Position, value string) { pos.Cursor = value }

// next reads the next cursor: from cursor_path, else cursor_header.
func (s *cursor) next(r *Response) (string, error) {
	if s.path != nil {
		return text(s.path, "cursor_path", r.Page)
	}
	return headerValue(r, s.cfg.CursorHeader), nil
}

// where names the place next reads, for messages.
func (s *cursor) where() string {
	if s.path != nil {
		return "cursor_path " + s.cfg.CursorPath
	}
	return "cursor_header " + s.cfg.CursorHeader
}
