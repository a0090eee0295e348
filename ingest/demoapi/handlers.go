package demoapi

import (
	"net/http"
	"net/url"
	"strconv"
)

// Each handler validates its parameters and returns the whole body; the
// caller decides whether to send it, truncate it or stall half-way.

func (a *API) serveNone(r *http.Request, _ http.Header) ([]byte, error) {
	page := newPage(`{"data":[`, a.data.snapshot(), 2)
	return append(page, "]}"...), nil
}

func (a *API) serveOffset(r *http.Request, _ http.Header) ([]byte, error) {
	q := r.URL.Query()
	offset, limit, err := positionAndLimit(q, "offset", 0, 0, "limit")
	if err != nil {
		return nil, err
	}
	if err := a.checkCap(offset, limit); err != nil {
		return nil, err
	}
	all, err := a.filtered(q)
	if err != nil {
		return nil, err
	}
	page := newPage(`{"data":[`, a.visible(window(all, offset, limit)), 64)
	page = append(page, ']')
	if a.opts.Faults.HideEvery == 0 {
		page = append(page, `,"total":`...)
		page = strconv.AppendInt(page, int64(len(all)), 10)
	}
	page = append(page, `,"offset":`...)
	page = strconv.AppendInt(page, int64(offset), 10)
	page = append(page, `,"limit":`...)
	page = strconv.AppendInt(page, int64(limit), 10)
	return append(page, '}'), nil
}

// pageWindow returns page number p (1-based) of size n, and the page count.
func pageWindow(all [][]byte, p, n int) ([][]byte, int) {
	total := (len(all) + n - 1) / n
	if p > total {
		return nil, total
	}
	return window(all, (p-1)*n, n), total
}

func (a *API) servePages(r *http.Request, _ http.Header) ([]byte, error) {
	q := r.URL.Query()
	p, perPage, err := positionAndLimit(q, "page", 1, 1, "per_page")
	if err != nil {
		return nil, err
	}
	if err := a.checkCap((p-1)*perPage, perPage); err != nil {
		return nil, err
	}
	all, err := a.filtered(q)
	if err != nil {
		return nil, err
	}
	recs, totalPages := pageWindow(all, p, perPage)
	page := newPage(`{"items":[`, a.visible(recs), 96)
	page = append(page, `],"page":`...)
	page = strconv.AppendInt(page, int64(p), 10)
	page = append(page, `,"per_page":`...)
	page = strconv.AppendInt(page, int64(perPage), 10)
	if a.opts.Faults.HideEvery > 0 {
		return append(page, '}'), nil
	}
	page = append(page, `,"total_pages":`...)
	page = strconv.AppendInt(page, int64(totalPages), 10)
	page = append(page, `,"total_count":`...)
	page = strconv.AppendInt(page, int64(len(all)), 10)
	return append(page, '}'), nil
}

// cursorTail closes a cursor-style page: {"data":[...],"pagination":{...}}.
func cursorTail(page []byte, next string, hasMore bool) []byte {
	page = append(page, `],"pagination":{"next_cursor":`...)
	if next == "" {
		page = append(page, "null"...)
	} else {
		page = appendJSONString(page, next)
	}
	if hasMore {
		return append(page, `,"has_more":true}}`...)
	}
	return append(page, `,"has_more":false}}`...)
}

const cursorTailSize = 96

func (a *API) serveCursor(r *http.Request, _ http.Header) ([]byte, error) {
	q := r.URL.Query()
	pos, err := decodeCursor(q.Get("cursor"))
	if err != nil {
		return nil, err
	}
	limit, err := limitParam(q, "limit", DefaultLimit)
	if err != nil {
		return nil, err
	}
	all, err := a.filtered(q)
	if err != nil {
		return nil, err
	}
	recs := window(all, pos.offset, limit)
	f := a.opts.Faults
	next := ""
	switch {
	case f.EmptyPageAt > 0 && pos.page == f.EmptyPageAt:
		// No records, yet a cursor onward: the next page starts where this one should have.
		recs = nil
		next = encodeCursor(cursorPos{pos.offset, pos.page + 1})
	case pos.offset+len(recs) < len(all):
		next = encodeCursor(cursorPos{pos.offset + len(recs), pos.page + 1})
	}
	if f.RepeatCursorAt > 0 && pos.page == f.RepeatCursorAt {
		// Back to the previous page's cursor: A -> B -> A. The previous page
		// held a full page of records, unless it was the empty one.
		prev := pos.offset - limit
		if pos.page-1 == f.EmptyPageAt {
			prev = pos.offset
		}
		next = encodeCursor(cursorPos{max(prev, 0), max(pos.page-1, 1)})
	}
	page := newPage(`{"data":[`, recs, cursorTailSize)
	return cursorTail(page, next, next != ""), nil
}

func (a *API) serveLoop(r *http.Request, _ http.Header) ([]byte, error) {
	q := r.URL.Query()
	k, err := decodeLoopCursor(q.Get("cursor"))
	if err != nil {
		return nil, err
	}
	limit, err := limitParam(q, "limit", 20)
	if err != nil {
		return nil, err
	}
	recs := window(a.data.snapshot(), k*limit, limit)
	page := newPage(`{"data":[`, recs, cursorTailSize)
	return cursorTail(page, encodeLoopCursor(k%loopCycle+1), true), nil
}

func (a *API) serveNext(r *http.Request, _ http.Header) ([]byte, error) {
	q := r.URL.Query()
	after, limit, err := positionAndLimit(q, "after", 0, 0, "limit")
	if err != nil {
		return nil, err
	}
	all := a.data.snapshot()
	recs := window(all, after, limit) // ids are 1..N, so id > after starts at index after
	page := newPage(`{"results":[`, recs, 64+len(r.Host))
	page = append(page, `],"next":`...)
	if last := after + len(recs); len(recs) > 0 && last < len(all) {
		page = appendJSONString(page, nextURL(r, last, limit))
	} else {
		page = append(page, "null"...)
	}
	return append(page, '}'), nil
}

// nextURL is the absolute URL of the page after id last, on the host the
// client asked for.
func nextURL(r *http.Request, last, limit int) string {
	u := url.URL{Scheme: "http", Host: r.Host, Path: "/v1/next",
		RawQuery: "after=" + strconv.Itoa(last) + "&limit=" + strconv.Itoa(limit)}
	if r.TLS != nil {
		u.Scheme = "https"
	}
	if u.Host == "" {
		u.Host = "localhost"
	}
	return u.String()
}

func (a *API) serveLink(r *http.Request, h http.Header) ([]byte, error) {
	q := r.URL.Query()
	p, perPage, err := positionAndLimit(q, "page", 1, 1, "per_page")
	if err != nil {
		return nil, err
	}
	recs, totalPages := pageWindow(a.data.snapshot(), p, perPage)
	last := max(totalPages, 1)
	link := func(page int, rel string) string {
		return "</v1/link?page=" + strconv.Itoa(page) + "&per_page=" + strconv.Itoa(perPage) + `>; rel="` + rel + `"`
	}
	links := ""
	if p < totalPages {
		links = link(p+1, "next") + ", "
	}
	if p > 1 && p <= last {
		links += link(p-1, "prev") + ", "
	}
	h.Set("Link", links+link(1, "first")+", "+link(last, "last"))
	page := newPage("[", recs, 1)
	return append(page, ']'), nil
}

func (a *API) serveKeyset(r *http.Request, _ http.Header) ([]byte, error) {
	q := r.URL.Query()
	since, limit, err := positionAndLimit(q, "since_id", 0, 0, "limit")
	if err != nil {
		return nil, err
	}
	page := newPage(`{"data":[`, window(a.data.snapshot(), since, limit), 2)
	return append(page, "]}"...), nil
}

func (a *API) serveTimestamp(r *http.Request, _ http.Header) ([]byte, error) {
	q := r.URL.Query()
	after, hasAfter, err := timeParam(q, "updated_after")
	if err != nil {
		return nil, err
	}
	since, hasSince, err := timeParam(q, "updated_since")
	if err != nil {
		return nil, err
	}
	if hasAfter && hasSince {
		return nil, &paramError{"updated_since", q.Get("updated_since"), "give updated_after or updated_since, not both"}
	}
	limit, err := limitParam(q, "limit", DefaultLimit)
	if err != nil {
		return nil, err
	}
	start, all := 0, a.data.snapshot()
	switch {
	case hasAfter:
		start, all = a.data.firstAfter(after, false)
	case hasSince:
		start, all = a.data.firstAfter(since, true)
	}
	page := newPage(`{"data":[`, window(all, start, limit), 2)
	return append(page, "]}"...), nil
}
