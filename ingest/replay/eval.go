package replay

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"siphon/ingest/page"
	"siphon/ingest/paginate"
	"siphon/ingest/spec"
)

// The console's selector playground tries expressions on one saved page.

// EvalRecords runs a records expression on a saved body, as a run would:
// for trying selectors on archived pages without a request.
// ctx bounds the evaluation: a jq expression may never end.
func EvalRecords(ctx context.Context, expression string, body []byte) ([]json.RawMessage, error) {
	e, err := page.Compile(expression)
	if err != nil {
		return nil, err
	}
	return page.Parse(ctx, body, e).Records(e)
}

// EvalNext works out what the page after a saved one would be: the next
// cursor, URL or position in words, or the reason the walk would stop.
// pageURL is the saved page's URL (for relative next links).
func EvalNext(ctx context.Context, cfg spec.PaginationConfig, records string, body []byte, header http.Header, pageURL string) (next, stop string, err error) {
	cfg.MaxPages = 0
	c := spec.Config{Records: records, Pagination: cfg}
	c.ApplyDefaults()
	recs, err := EvalRecords(ctx, c.Records, body)
	if err != nil {
		return "", "", fmt.Errorf("records: %w", err)
	}
	pag, err := paginate.New(c.Pagination, nil)
	if err != nil {
		return "", "", err
	}
	u, err := url.Parse(pageURL)
	if err != nil || pageURL == "" {
		u = &url.URL{Scheme: "http", Host: "localhost", Path: "/"}
	}
	// The saved page's own position, read back from its URL, so "next"
	// follows that page rather than the first.
	pag.Seek(u.Query())
	stop, err = pag.Advance(&paginate.Response{Status: http.StatusOK, Header: header, URL: u, Page: page.Parse(ctx, body), Records: recs, Fetched: len(recs), PageNo: 1})
	if err != nil {
		return "", "", err
	}
	return pag.Describe(), stop, nil
}
