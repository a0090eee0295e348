package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// EvalRecords runs a records expression on a saved body, as a run would:
// for trying selectors on archived pages without a request.
// ctx bounds the evaluation: a jq expression may never end.
func EvalRecords(ctx context.Context, expression string, body []byte) ([]json.RawMessage, error) {
	e, err := compileExpr(expression)
	if err != nil {
		return nil, err
	}
	pg := newPage(body)
	pg.ctx = ctx
	vals, err := e.eval(pg)
	if err != nil {
		return nil, err
	}
	return splitRecords(vals)
}

// EvalNext works out what the page after a saved one would be: the next
// cursor, URL or position in words, or the reason the walk would stop.
// pageURL is the saved page's URL (for relative next links).
func EvalNext(ctx context.Context, cfg PaginationConfig, records string, body []byte, header http.Header, pageURL string) (next, stop string, err error) {
	cfg.MaxPages = 0
	c := Config{Records: records, Pagination: cfg}
	c.ApplyDefaults()
	recs, err := EvalRecords(ctx, c.Records, body)
	if err != nil {
		return "", "", fmt.Errorf("records: %w", err)
	}
	p, err := newPaginator(c.Pagination, Position{}, nil)
	if err != nil {
		return "", "", err
	}
	if p.pos, err = initialPosition(c.Pagination); err != nil {
		return "", "", err
	}
	u, err := url.Parse(pageURL)
	if err != nil || pageURL == "" {
		u = &url.URL{Scheme: "http", Host: "localhost", Path: "/"}
	}
	// The saved page's own position, read back from its URL, so "next"
	// follows that page rather than the first.
	q := u.Query()
	switch c.Pagination.Type {
	case PagePage:
		if n, err := strconv.Atoi(q.Get(c.Pagination.PageParam)); err == nil {
			p.pos.Page = n
		}
	case PageOffset:
		if n, err := strconv.ParseInt(q.Get(c.Pagination.OffsetParam), 10, 64); err == nil {
			p.pos.Offset = n
		}
	case PageCursor:
		p.pos.Cursor = q.Get(c.Pagination.CursorParam)
	case PageKeyset, PageTimestamp:
		p.pos.HighWater = q.Get(c.Pagination.Param)
	}
	pg := newPage(body)
	pg.ctx = ctx
	stop, err = p.advance(&response{page: pg, header: header, url: u, records: recs, fetched: len(recs)}, 1)
	if err != nil {
		return "", "", err
	}
	return p.cursorText(), stop, nil
}
