// Package paginate walks an API's pages: one type per pagination style,
// each in a file of its own and registered by name (see registry.go), and
// a Paginator that wraps whichever style a profile names with the checks
// every walk needs (loops, empty pages that still point on, a full first
// page without a next one).
//
// A style sees a page only through Response (status, headers, URL, the
// page's body and records); its state is Position, plain data that goes
// into the checkpoint as it is.
package paginate

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"siphon/ingest/page"
	"siphon/ingest/spec"
)

// Position is where a walk stands: plain data, saved in the checkpoint so a
// run can resume from it. Each style uses the fields that fit it; the JSON
// names are the checkpoint's and must not change.
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
	// Followed is true once a page has led on: the next request is a
	// follow-up (pagination.next applies).
	Followed bool `json:"followed,omitempty"`
	// Restart is pagination.restart's state (restart.go); nil without.
	Restart *RestartState `json:"restart,omitempty"`
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
	StopWhen         = "stop_when"
	StopDeclaredEnd  = "the page declared the end"
)

// Request is what the next page asks for.
type Request struct {
	URL   string     // absolute URL to follow; empty: base_url + path with Query
	Query url.Values // added to the profile's params (query or body, per pagination.in)
	// Next is set on follow-up requests of a profile with pagination.next:
	// what they are instead of the first request (the cursor is already
	// under Next.CursorParam in Query).
	Next *spec.NextRequest
}

// Response is what a style sees of a page.
type Response struct {
	Status  int
	Header  http.Header
	URL     *url.URL          // the URL the page came from, for relative next links
	Page    *page.Page        // the body, for the style's jq expressions
	Records []json.RawMessage // the page's records, repeats of the last boundary dropped
	Fetched int               // records on the page before that
	PageNo  int               // 1 for the first page of a walk

	// Filled in by the Paginator from the position:
	Largest int  // the largest page before this one
	Short   bool // Fetched < Largest: shorter than an earlier page, so the last
}

// Next is what a page told a style.
type Next struct {
	Stop string // why the walk ends; "" to go on

	// Follow is the cursor or URL the next request follows, for the loop
	// check; empty for styles that count. Noun names it for the empty-page
	// check ("cursor", "link"), Loop for the loop check ("URL"; with
	// QuoteFollow, Follow quoted goes after it: `cursor "abc"`).
	Follow, Noun, Loop string
	QuoteFollow        bool

	// Missing names, when a walk stops, what the page lacked ("cursor at
	// cursor_path .next"), for the full-first-page check.
	Missing string

	Notes []string // anomalies worth reporting that do not stop the walk
}

// Style is one pagination style, built from a profile's pagination block.
// It may keep state that needs no checkpoint (a warning already given);
// everything a resumed walk needs lives in Position.
type Style interface {
	// Start is where a fresh walk begins.
	Start() Position
	// Request is the request at pos. q already holds what every paged
	// request sends (the page size); a style that pages adds to it.
	Request(pos Position, q url.Values) Request
	// Next reads a page: it moves pos to the next page, or says why the
	// walk ends. An error stops the walk (an *AnomalyError when the
	// pagination itself went wrong); pos is then thrown away.
	Next(pos *Position, r *Response) (Next, error)
	// Describe says where pos stands, for events: "offset=40", a cursor, a URL.
	Describe(pos Position) string
}

// Seeker is a style whose position travels in one request parameter.
type Seeker interface {
	// Param is that parameter's name.
	Param() string
	// Seek sets pos from the parameter's value in a request already made.
	Seek(pos *Position, value string)
}

// Deduper is a style whose requests fetch some records again (inclusive
// timestamp paging); Dedup drops them before they are written.
type Deduper interface {
	Dedup(pos Position, recs []json.RawMessage) []json.RawMessage
}

// Planner is a style that knows where the pages after the next one are,
// once the API has said how much there is.
type Planner interface {
	// Ahead is the position k ≥ 1 pages after pos; false when that is past
	// the declared end, or no end is declared yet.
	Ahead(pos Position, k int) (Position, bool)
}

// Totaler is a style that learns from the API how big the walk is.
type Totaler interface {
	// Totals is the record and page counts the API reported (0: unknown).
	Totals() (records, pages int64)
}

// AnomalyError stops a walk because pagination went wrong.
type AnomalyError struct{ What string }

func (e *AnomalyError) Error() string { return e.What }

// Paginator walks one profile's pages: its style, wrapped in the checks
// that apply to every style.
type Paginator struct {
	cfg       spec.PaginationConfig
	stopWhen  *page.Expr
	def       Def
	style     Style
	pos       Position
	seen      seenSet
	advancing Position // Advance's scratch: the position being moved on
	emptyRun  int      // empty pages in a row that had a next cursor or link
	notes     []string // anomalies worth reporting that do not stop the walk
	restart   *restarter
	// restarted is the restart the last page led to, until taken.
	restarted *Restarted
	limit     []string // cfg.Limit as sent, made once
}

// New builds the paginator for a pagination block (defaults applied),
// at the style's start. primaryKey identifies records (inclusive
// timestamp paging needs it).
func New(cfg spec.PaginationConfig, primaryKey []string) (*Paginator, error) {
	def, ok := registry[cfg.Type]
	if !ok {
		return nil, fmt.Errorf("unknown pagination type %q", cfg.Type)
	}
	style, err := def.New(cfg, primaryKey)
	if err != nil {
		return nil, err
	}
	stopWhen, err := compile(cfg.StopWhen)
	if err != nil {
		return nil, fmt.Errorf("pagination.stop_when: %w", err)
	}
	if n := cfg.Next; n.IsSet() {
		if n.In != "" && n.In != "query" && n.In != "body" && n.In != "header" {
			return nil, fmt.Errorf("pagination.next.in %q: expected query, body or header", n.In)
		}
	}
	restart, err := newRestarter(cfg, primaryKey)
	if err != nil {
		return nil, err
	}
	return &Paginator{cfg: cfg, stopWhen: stopWhen, def: def, style: style, pos: style.Start(), seen: newSeenSet(), restart: restart, limit: []string{strconv.Itoa(cfg.Limit)}}, nil
}

// Position is where the walk stands.
func (p *Paginator) Position() Position { return p.pos }

// Restore puts the walk back at pos: a checkpoint's, or the one before a
// page that was not saved.
func (p *Paginator) Restore(pos Position) { p.pos = pos }

// Incremental reports whether the style's position is a filter on the
// data (newer than a mark), so a finished walk resumes for what came since.
func (p *Paginator) Incremental() bool { return p.def.Incremental }

// Request is the next page's request.
func (p *Paginator) Request() Request { return p.requestAt(p.pos) }

// Ahead is the request of the page k ≥ 1 after the next one, when the
// style can tell it: offset and page numbers, once the API has declared
// its total. Fetching ahead uses it; a wrong guess costs a request, never
// a record, since pages are still taken one after another.
func (p *Paginator) Ahead(k int) (Request, bool) {
	pl, ok := p.style.(Planner)
	if !ok || k < 1 {
		return Request{}, false
	}
	pos, ok := pl.Ahead(p.pos, k)
	if !ok || p.restart != nil && p.restart.due(pos) {
		return Request{}, false
	}
	pos.Followed = true // a page ahead of the next is a follow-up
	return p.requestAt(pos), true
}

func (p *Paginator) requestAt(pos Position) Request {
	q := url.Values{}
	if p.cfg.Limit > 0 {
		q[p.cfg.LimitParam] = p.limit // shared: a request's values are set, never changed in place
	}
	req := p.style.Request(pos, q)
	addParams(&req, pos)
	if n := &p.cfg.Next; n.IsSet() && pos.Followed {
		req.Next = n
		if from := p.Param(); from != "" && n.CursorParam != "" && from != n.CursorParam && req.Query.Has(from) {
			req.Query[n.CursorParam] = req.Query[from]
			delete(req.Query, from)
		}
	}
	return req
}

// Describe says where the walk stands, for events.
func (p *Paginator) Describe() string {
	d := p.style.Describe(p.pos)
	if st := p.pos.Restart; st != nil && st.N > 0 {
		d += fmt.Sprintf(" (restart %d: %s)", st.N, showParams(st.Params))
	}
	return d
}

// Param is the request parameter that carries the position, "" when the
// style follows whole URLs or sends nothing.
func (p *Paginator) Param() string {
	if s, ok := p.style.(Seeker); ok {
		return s.Param()
	}
	return ""
}

// Seek sets the position from a request already made: the page a saved
// URL asked for.
func (p *Paginator) Seek(q url.Values) {
	if s, ok := p.style.(Seeker); ok {
		s.Seek(&p.pos, q.Get(s.Param()))
	}
}

// Dedup drops records a request fetched again on purpose.
func (p *Paginator) Dedup(recs []json.RawMessage) []json.RawMessage {
	if d, ok := p.style.(Deduper); ok {
		recs = d.Dedup(p.pos, recs)
	}
	if p.restart != nil {
		recs = p.restart.dedup(p.pos, recs)
	}
	return recs
}

// ReadsRecords reports whether the walk decides on records after they are
// read (restart's boundary), so they cannot go to the output as read.
func (p *Paginator) ReadsRecords() bool { return p.restart != nil }

// TakeRestart returns and clears the restart the last page led to.
func (p *Paginator) TakeRestart() *Restarted {
	r := p.restarted
	p.restarted = nil
	return r
}

// RestartOnError restarts the walk when a failed request's answer is the
// API's pagination cap (pagination.restart.on_error, or the common ones).
// It returns nil, nil when the error is no cap, or the profile has no
// restart; an error when the walk cannot restart.
func (p *Paginator) RestartOnError(status int, text string) (*Restarted, error) {
	if p.restart == nil || !p.restart.capError(status, text) {
		return nil, nil
	}
	pos := p.pos
	r, err := p.restart.begin(&pos, p.style.Start(), p.style.Describe(p.pos), fmt.Sprintf("the API's pagination cap: HTTP %d", status))
	if err != nil {
		return nil, err
	}
	p.pos = pos
	return r, nil
}

// Totals is what the API says the whole walk holds (0: unknown).
func (p *Paginator) Totals() (records, pages int64) {
	if t, ok := p.style.(Totaler); ok {
		return t.Totals()
	}
	return 0, 0
}

// DeclaredRecords is the record count the API declared at total_path
// (N 0: none), a lower bound when it said so.
func (p *Paginator) DeclaredRecords() Count {
	records, _ := p.Totals()
	c := Count{N: records}
	if b, ok := p.style.(interface{ exact() bool }); ok {
		c.AtLeast = records > 0 && !b.exact()
	}
	return c
}

// TakeNotes returns and clears the anomalies noted since the last call.
func (p *Paginator) TakeNotes() []string {
	notes := p.notes
	p.notes = nil
	return notes
}

// Advance moves to the next position after a page, or says why the walk
// ends: it returns the stop reason ("" to go on). On an error the position
// stays where it was.
func (p *Paginator) Advance(r *Response) (string, error) {
	pos := &p.advancing // a copy of the position, kept in the Paginator: not one on the heap a page
	*pos = p.pos
	r.Largest = pos.MaxPageSize
	r.Short = r.Fetched < r.Largest
	pos.MaxPageSize = max(pos.MaxPageSize, r.Fetched)
	last, err := p.lastByStopWhen(r)
	if err != nil {
		return "", err
	}
	next, err := p.style.Next(pos, r)
	if last {
		// The page says it is the last: what the style makes of it (a
		// cursor that repeats, a bad next link) no longer matters.
		p.pos = *pos
		return StopWhen, nil
	}
	if err != nil {
		return "", err
	}
	p.notes = append(p.notes, next.Notes...)
	switch {
	case next.Stop != "":
		p.fullWithoutNext(r, next.Missing)
	case next.Follow != "" && p.cfg.CursorRepeats:
		// A scroll id: the same on every page, so progress is judged by
		// records. A page without any is the end.
		if r.Fetched == 0 {
			p.pos = *pos
			return StopEmptyPage, nil
		}
		pos.Followed = true
	case next.Follow != "":
		if err := p.emptyWithNext(r, next.Noun); err != nil {
			return "", err
		}
		if first, seen := p.seen.remember(next.Follow, r.PageNo); seen {
			if declaredEnd(r.Page) {
				// Zendesk's last page carries its own cursor again and
				// end_of_stream: true. That is the end, not a loop.
				p.pos = *pos
				return StopDeclaredEnd, nil
			}
			what := next.Loop
			if next.QuoteFollow {
				what += " " + strconv.Quote(next.Follow)
			}
			return "", &AnomalyError{fmt.Sprintf("pagination loop: page %d gave the same next %s as page %d", r.PageNo, what, first)}
		}
		pos.Followed = true
	default:
		pos.Followed = true
	}
	if p.restart != nil {
		if err := p.restart.observe(pos, r); err != nil {
			return "", err
		}
		if next.Stop == "" && p.restart.due(*pos) {
			rs, err := p.restart.begin(pos, p.style.Start(), p.style.Describe(*pos), p.restart.describeCap())
			if err != nil {
				return "", err
			}
			p.restarted = rs
		}
	}
	p.pos = *pos
	return next.Stop, nil
}

// lastByStopWhen evaluates pagination.stop_when on a page.
func (p *Paginator) lastByStopWhen(r *Response) (bool, error) {
	if p.stopWhen == nil || r.Page == nil {
		return false, nil
	}
	v, err := r.Page.Value(p.stopWhen)
	if err != nil {
		return false, fmt.Errorf("pagination.stop_when %s: %w", p.stopWhen, err)
	}
	return truthy(v), nil
}

func (p *Paginator) note(format string, args ...any) {
	p.notes = append(p.notes, fmt.Sprintf(format, args...))
}
