package ingest

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"siphon/ingest/httphdr"
)

// Position is where a paginated walk stands: plain data, saved in the
// checkpoint so a run can resume from it.
type Position struct {
	Cursor  string `json:"cursor,omitempty"`   // cursor: the next cursor to send
	Offset  int64  `json:"offset,omitempty"`   // offset: the next offset
	Page    int    `json:"page,omitempty"`     // page: the next page number
	NextURL string `json:"next_url,omitempty"` // next_url, link_header: the next URL (credentials redacted)
	// HighWater is keyset's and timestamp's mark: the largest field value
	// seen, sent as the parameter of the next request.
	HighWater string `json:"high_water,omitempty"`
	// BoundaryKeys are the primary keys of the records at HighWater, for
	// timestamp paging with inclusive: true (those records come again).
	BoundaryKeys []string `json:"boundary_keys,omitempty"`
	// MaxPageSize is the largest page seen: a page shorter than it is the last.
	MaxPageSize int `json:"max_page_size,omitempty"`
}

// Stop reasons: why a walk ended.
const (
	StopSingle       = "single request"
	StopNoCursor     = "no next cursor"
	StopNoNextURL    = "no next URL"
	StopNoLink       = "no next link"
	StopEmptyPage    = "empty page"
	StopShortPage    = "short page"
	StopTotalReached = "total reached"
	StopLastPage     = "last page"
	StopMaxPages     = "max_pages"
	StopNoNewer      = "no newer records"
	StopRepeatedPage = "last page repeated"
)

// request is what the next page asks for.
type request struct {
	url   string     // absolute URL; empty: base_url + path with query
	query url.Values // added to the profile's params (ignored with url)
}

// paginator is the state machine of one pagination style.
type paginator struct {
	cfg        PaginationConfig
	pos        Position
	cursorPath *expr
	nextPath   *expr
	totalPath  *expr
	pagesPath  *expr
	seen       map[[32]byte]int // cursor or URL → the page that produced it
	seenOrder  [][32]byte       // the same keys, oldest first, to bound memory
	primaryKey []string
	tieWarned  bool
	emptyRun   int      // empty pages in a row that had a next cursor or link
	notes      []string // anomalies worth reporting that do not stop the walk

	// What the API says the whole walk holds (0: unknown), for progress bars.
	totalRecords int64
	totalPages   int64
}

func newPaginator(cfg PaginationConfig, pos Position, primaryKey []string) (*paginator, error) {
	p := &paginator{cfg: cfg, pos: pos, seen: map[[32]byte]int{}, primaryKey: primaryKey}
	var err error
	compile := func(dst **expr, src string) {
		if src != "" && err == nil {
			*dst, err = compileExpr(src)
		}
	}
	compile(&p.cursorPath, cfg.CursorPath)
	compile(&p.nextPath, cfg.NextURLPath)
	compile(&p.totalPath, cfg.TotalPath)
	compile(&p.pagesPath, cfg.TotalPagesPath)
	if err != nil {
		return nil, err
	}
	if cfg.Type == PageCursor && p.cursorPath == nil {
		return nil, fmt.Errorf("pagination: cursor needs cursor_path")
	}
	if cfg.Type == PageNextURL && p.nextPath == nil {
		return nil, fmt.Errorf("pagination: next_url needs next_url_path")
	}
	return p, nil
}

// initialPosition is where a fresh walk starts.
func initialPosition(cfg PaginationConfig) (Position, error) {
	var pos Position
	switch cfg.Type {
	case PageOffset:
		if cfg.Start != "" {
			n, err := strconv.ParseInt(cfg.Start, 10, 64)
			if err != nil || n < 0 {
				return pos, fmt.Errorf("pagination.start: %q is not a non-negative integer", cfg.Start)
			}
			pos.Offset = n
		}
	case PagePage:
		pos.Page = cfg.StartPage
	case PageKeyset, PageTimestamp:
		pos.HighWater = cfg.Start
	}
	return pos, nil
}

// request builds the request for the current position.
func (p *paginator) request() request {
	q := url.Values{}
	if p.cfg.Limit > 0 && p.cfg.Type != PageNone {
		q.Set(p.cfg.LimitParam, strconv.Itoa(p.cfg.Limit))
	}
	switch p.cfg.Type {
	case PageOffset:
		q.Set(p.cfg.OffsetParam, strconv.FormatInt(p.pos.Offset, 10))
	case PagePage:
		q.Set(p.cfg.PageParam, strconv.Itoa(p.pos.Page))
	case PageCursor:
		if p.pos.Cursor != "" {
			q.Set(p.cfg.CursorParam, p.pos.Cursor)
		}
	case PageNextURL, PageLinkHeader:
		if p.pos.NextURL != "" {
			return request{url: p.pos.NextURL}
		}
	case PageKeyset, PageTimestamp:
		if p.pos.HighWater != "" {
			q.Set(p.cfg.Param, p.pos.HighWater)
		}
	}
	return request{query: q}
}

// cursorText describes the position a request starts from, for events.
func (p *paginator) cursorText() string {
	switch p.cfg.Type {
	case PageOffset:
		return "offset=" + strconv.FormatInt(p.pos.Offset, 10)
	case PagePage:
		return "page=" + strconv.Itoa(p.pos.Page)
	case PageCursor:
		return p.pos.Cursor
	case PageNextURL, PageLinkHeader:
		return p.pos.NextURL
	case PageKeyset, PageTimestamp:
		return p.pos.HighWater
	}
	return ""
}

// response is what the paginator looks at after a page.
type response struct {
	page    *page
	header  http.Header
	url     *url.URL          // the URL the page came from
	records []json.RawMessage // after deduplication
	fetched int               // records on the page before deduplication
}

// anomalyError stops a walk because pagination went wrong.
type anomalyError struct{ what string }

func (e *anomalyError) Error() string { return e.what }

// advance moves to the next position after a page, or says why the walk
// ends. It returns the stop reason ("" to go on).
func (p *paginator) advance(r *response, pageNo int) (string, error) {
	n := r.fetched
	prevMax := p.pos.MaxPageSize
	if n > p.pos.MaxPageSize {
		p.pos.MaxPageSize = n
	}
	short := n < prevMax // shorter than an earlier page: the last one
	switch p.cfg.Type {
	case PageNone:
		return StopSingle, nil

	case PageOffset:
		total, hasTotal, err := p.total(r)
		if err != nil {
			return "", err
		}
		p.pos.Offset += int64(n)
		switch {
		case hasTotal && p.pos.Offset >= total:
			if p.pos.Offset > total {
				p.note("the API reported a total of %d but offset %d was reached", total, p.pos.Offset)
			}
			return StopTotalReached, nil
		case n == 0 || short:
			if hasTotal {
				p.note("the API reported a total of %d but the records ended at offset %d", total, p.pos.Offset)
			}
			if n == 0 {
				return StopEmptyPage, nil
			}
			return StopShortPage, nil
		}

	case PagePage:
		if n == 0 {
			return StopEmptyPage, nil
		}
		current := p.pos.Page
		p.pos.Page++
		if p.pagesPath != nil {
			v, err := p.pagesPath.first(r.page)
			if err != nil {
				return "", fmt.Errorf("total_pages_path: %w", err)
			}
			pages, ok := jsonInt(v)
			if ok {
				p.totalPages = pages
			}
			if ok && int64(current) >= pages {
				return StopLastPage, nil
			}
		} else if total, ok, err := p.total(r); err != nil {
			return "", err
		} else if ok && p.cfg.Limit > 0 && int64(current-p.cfg.StartPage+1)*int64(p.cfg.Limit) >= total {
			return StopTotalReached, nil
		}
		if short {
			return StopShortPage, nil
		}

	case PageCursor:
		v, err := p.cursorPath.first(r.page)
		if err != nil {
			return "", fmt.Errorf("cursor_path %s: %w", p.cfg.CursorPath, err)
		}
		next, err := scalarText(v)
		if err != nil {
			return "", fmt.Errorf("cursor_path %s: %w", p.cfg.CursorPath, err)
		}
		if next == "" {
			p.fullWithoutNext(n, pageNo, "cursor at cursor_path "+p.cfg.CursorPath)
			return StopNoCursor, nil
		}
		if err := p.emptyWithNext(n, pageNo, "cursor"); err != nil {
			return "", err
		}
		if err := p.remember("cursor "+strconv.Quote(next), next, pageNo); err != nil {
			return "", err
		}
		p.pos.Cursor = next

	case PageNextURL, PageLinkHeader:
		var next string
		if p.cfg.Type == PageNextURL {
			v, err := p.nextPath.first(r.page)
			if err != nil {
				return "", fmt.Errorf("next_url_path %s: %w", p.cfg.NextURLPath, err)
			}
			if next, err = scalarText(v); err != nil {
				return "", fmt.Errorf("next_url_path %s: %w", p.cfg.NextURLPath, err)
			}
		} else {
			next, _ = httphdr.FindLink(r.header, p.cfg.Rel)
		}
		if next == "" {
			if p.cfg.Type == PageNextURL {
				p.fullWithoutNext(n, pageNo, "URL at next_url_path "+p.cfg.NextURLPath)
				return StopNoNextURL, nil
			}
			p.fullWithoutNext(n, pageNo, `Link header with rel="`+p.cfg.Rel+`"`)
			return StopNoLink, nil
		}
		if err := p.emptyWithNext(n, pageNo, "link"); err != nil {
			return "", err
		}
		ref, err := url.Parse(next)
		if err != nil {
			return "", fmt.Errorf("next page URL %q: %w", next, err)
		}
		abs := r.url.ResolveReference(ref)
		if abs.Scheme != "http" && abs.Scheme != "https" {
			return "", fmt.Errorf("next page URL has scheme %q; only http and https are followed", abs.Scheme)
		}
		if err := p.remember("URL", abs.String(), pageNo); err != nil {
			return "", err
		}
		p.pos.NextURL = abs.String()

	case PageKeyset, PageTimestamp:
		if n == 0 {
			return StopNoNewer, nil
		}
		mark, keys, err := p.highWater(r.records)
		if err != nil {
			return "", err
		}
		c := 1
		if mark == "" {
			c = -1
		} else if p.pos.HighWater != "" {
			c = compareMarks(mark, p.pos.HighWater)
		}
		full := n >= max(prevMax, p.cfg.Limit)
		if c > 0 && full && p.cfg.Type == PageTimestamp && !p.cfg.Inclusive && !p.tieWarned {
			if tie := p.tie(r.records); tie != "" {
				p.tieWarned = true
				p.notes = append(p.notes, fmt.Sprintf("records share %s values (%s on page %d); with inclusive: false the API returns only later values, so records sharing the last value of a page with the next page are skipped. Set inclusive: true (and the API's >= parameter) to fetch them", p.cfg.Field, tie, pageNo))
			}
		}
		switch {
		case c > 0:
			p.pos.HighWater, p.pos.BoundaryKeys = mark, keys
		case c == 0:
			// New records at the old mark: remember them too, so that the
			// next request, which sends them again, skips them.
			p.pos.BoundaryKeys = appendNew(p.pos.BoundaryKeys, keys)
		}
		if c <= 0 && full {
			return "", &anomalyError{fmt.Sprintf("%s paging cannot advance past %s=%s: a full page brought no newer value (more records share it than fit in a page; raise pagination.limit)", p.cfg.Type, p.cfg.Field, p.pos.HighWater)}
		}
		if c <= 0 {
			return StopNoNewer, nil
		}
		if short {
			return StopShortPage, nil
		}
	default:
		return "", fmt.Errorf("unknown pagination type %q", p.cfg.Type)
	}
	return "", nil
}

// maxRemembered bounds the cursors and URLs kept for loop detection, so
// memory stays flat on endless backfills: a loop longer than this many pages
// goes unnoticed (about 5 MB at the bound).
const maxRemembered = 50_000

// remember catches a cursor or URL seen before: a loop (A→B→A as well as A→A).
func (p *paginator) remember(what, value string, pageNo int) error {
	key := sha256.Sum256([]byte(value))
	if first, ok := p.seen[key]; ok {
		return &anomalyError{fmt.Sprintf("pagination loop: page %d gave the same next %s as page %d", pageNo, what, first)}
	}
	p.seen[key] = pageNo
	p.seenOrder = append(p.seenOrder, key)
	if len(p.seenOrder) > maxRemembered {
		delete(p.seen, p.seenOrder[0])
		p.seenOrder = p.seenOrder[1:]
	}
	return nil
}

func (p *paginator) total(r *response) (int64, bool, error) {
	if p.totalPath == nil {
		return 0, false, nil
	}
	v, err := p.totalPath.first(r.page)
	if err != nil {
		return 0, false, fmt.Errorf("total_path %s: %w", p.cfg.TotalPath, err)
	}
	n, ok := jsonInt(v)
	if ok {
		p.totalRecords = n
	}
	return n, ok, nil
}

// highWater is the largest field value on the page and, for inclusive
// timestamp paging, the primary keys of the records that carry it.
func (p *paginator) highWater(recs []json.RawMessage) (string, []string, error) {
	var mark string
	var keys []string
	for i, rec := range recs {
		v, err := recordField(rec, p.cfg.Field)
		if err != nil {
			return "", nil, fmt.Errorf("record %d: %w", i+1, err)
		}
		text, err := scalarText(v)
		if err != nil || text == "" {
			return "", nil, fmt.Errorf("record %d has no usable %s for %s paging: %s", i+1, p.cfg.Field, p.cfg.Type, snippet(rec, 80))
		}
		c := 1
		if mark != "" {
			c = compareMarks(text, mark)
		}
		if c > 0 {
			mark, keys = text, keys[:0]
		}
		if c >= 0 && p.cfg.Inclusive {
			keys = append(keys, recordKey(rec, p.primaryKey))
		}
	}
	return mark, keys, nil
}

func (p *paginator) note(format string, args ...any) {
	p.notes = append(p.notes, fmt.Sprintf(format, args...))
}

// maxEmptyWithNext is how many empty pages in a row that still point to a
// next page are followed before the walk stops: some APIs filter pages
// server-side and legitimately return empty ones, but an endless run of
// them is a loop in disguise.
const maxEmptyWithNext = 3

func (p *paginator) emptyWithNext(n, pageNo int, what string) error {
	if n > 0 {
		p.emptyRun = 0
		return nil
	}
	p.emptyRun++
	if p.emptyRun >= maxEmptyWithNext {
		return &anomalyError{fmt.Sprintf("%d empty pages in a row still had a next %s; stopping rather than following them forever", p.emptyRun, what)}
	}
	p.note("page %d is empty but has a next %s; following it (the run stops after %d such pages in a row)", pageNo, what, maxEmptyWithNext)
	return nil
}

// fullWithoutNext notes a first page that was full yet ended the walk:
// usually a wrong path to the next cursor or URL.
func (p *paginator) fullWithoutNext(n, pageNo int, what string) {
	if pageNo == 1 && p.cfg.Limit > 0 && n >= p.cfg.Limit {
		p.note("page 1 was full (%d records, the limit) but no next %s was found; if the API has more, that path is wrong", n, what)
	}
}

// tie returns a field value that two records of the page share, or "".
func (p *paginator) tie(recs []json.RawMessage) string {
	seen := make(map[string]bool, len(recs))
	for _, rec := range recs {
		if v, err := recordField(rec, p.cfg.Field); err == nil {
			if text, err := scalarText(v); err == nil && text != "" {
				if seen[text] {
					return text
				}
				seen[text] = true
			}
		}
	}
	return ""
}

// takeNotes returns and clears the anomalies noted since the last call.
func (p *paginator) takeNotes() []string {
	notes := p.notes
	p.notes = nil
	return notes
}

// dedup drops the records that an inclusive timestamp request sent again:
// those at the high-water mark whose keys were written before.
func (p *paginator) dedup(recs []json.RawMessage) []json.RawMessage {
	if !p.cfg.Inclusive || len(p.pos.BoundaryKeys) == 0 {
		return recs
	}
	seen := make(map[string]bool, len(p.pos.BoundaryKeys))
	for _, k := range p.pos.BoundaryKeys {
		seen[k] = true
	}
	kept := recs[:0:0]
	for _, rec := range recs {
		if seen[recordKey(rec, p.primaryKey)] {
			if v, err := recordField(rec, p.cfg.Field); err == nil {
				if text, err := scalarText(v); err == nil && compareMarks(text, p.pos.HighWater) == 0 {
					continue
				}
			}
		}
		kept = append(kept, rec)
	}
	return kept
}

func appendNew(have, more []string) []string {
	for _, k := range more {
		if !slices.Contains(have, k) {
			have = append(have, k)
		}
	}
	return have
}

// recordField reads a field (a dotted path for nested ones) of a record.
func recordField(rec json.RawMessage, field string) (json.RawMessage, error) {
	cur := rec
	for _, name := range strings.Split(field, ".") {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(cur, &obj); err != nil {
			return nil, fmt.Errorf("reading %s: %w", field, err)
		}
		v, ok := obj[name]
		if !ok {
			return nil, nil
		}
		cur = v
	}
	return cur, nil
}

// recordKey identifies a record by its primary key fields, or by its whole
// text when the profile names none.
func recordKey(rec json.RawMessage, fields []string) string {
	if len(fields) == 0 {
		var buf bytes.Buffer
		if json.Compact(&buf, rec) == nil {
			return buf.String()
		}
		return string(rec)
	}
	parts := make([]string, len(fields))
	for i, f := range fields {
		v, _ := recordField(rec, f)
		parts[i] = string(bytes.TrimSpace(v))
	}
	return strings.Join(parts, "\x1f")
}

// compareMarks orders two high-water marks: numbers numerically, RFC 3339
// times as instants, anything else as text.
func compareMarks(a, b string) int {
	if x, ok := new(big.Rat).SetString(a); ok {
		if y, ok := new(big.Rat).SetString(b); ok {
			return x.Cmp(y)
		}
	}
	if ta, err := time.Parse(time.RFC3339Nano, a); err == nil {
		if tb, err := time.Parse(time.RFC3339Nano, b); err == nil {
			return ta.Compare(tb)
		}
	}
	return strings.Compare(a, b)
}

// jsonInt reads a JSON number or numeric string as an integer.
func jsonInt(v json.RawMessage) (int64, bool) {
	text, err := scalarText(v)
	if err != nil || text == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return n, true
	}
	if f, err := strconv.ParseFloat(text, 64); err == nil {
		return int64(f), true
	}
	return 0, false
}
