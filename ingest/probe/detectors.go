package probe

import (
	"fmt"

	"siphon/ingest/spec"
)

// The probe proposes only what it confirmed: a cursor parameter, an offset
// or a filter is proposed when a further request with it succeeded and
// brought records the first page did not have. When nothing confirms, it
// says so and proposes no pagination rather than a broken one.

// A detector looks for one kind of pagination evidence on the first page.
// It may send further requests through the session (fetch) to confirm
// what it saw. Its finding says what it saw and, when it proposes
// pagination (none included), no later detector is asked.
type detector func(s *session) finding

// detectors, strongest evidence first: what the API says outright (a next
// link or URL), then named conventions confirmed by a second request,
// then what only trying can tell.
var detectors = []detector{
	linkHeader,        // Link: <…>; rel="next"
	headerCursor,      // X-Next-Cursor and kin: a URL or a cursor
	nextURLField,      // next, @odata.nextLink, nextRecordsUrl…
	graphQLConnection, // pageInfo { endCursor hasNextPage }
	elasticScroll,     // _scroll_id
	offsetPaging,      // offset and limit, startAt and maxResults… as numbers
	bodyCursor,        // next_cursor, nextPageToken, offset as a token…
	hasMoreAfterLast,  // has_more: true alone: ask after the last id
	pageNumber,        // page, total_pages
	queryFilter,       // ?since_id= or ?updated_since= already in the query
	keysetTrial,       // ascending ids: since_id=<last id> and kin
	timestampTrial,    // ascending update times: updated_since=<last> and kin
	counterTrial,      // ?offset=, ?skip=, ?start=, ?startAt=, ?page=, ?p= tried
	nothingConfirmed,  // says why no pagination is proposed
}

// Unknown is what the probe says when a page shows there is more but no
// way to it was found: it then proposes no pagination at all, not none.
const Unknown = "full page and no way to the next: pagination unknown"

// nothingConfirmed ends the search: no pagination, and why. A page that
// is full (of the limit asked for) or declares more records than it has
// is no single page: the pagination is then unknown, not none.
func nothingConfirmed(s *session) (f finding) {
	if s.cursorSeen {
		f.saw("no pagination could be confirmed: the profile fetches one page only")
	} else {
		f.saw("no next link, cursor, offset or page fields found")
	}
	if s.triedCounters != "" {
		f.saw("%s", s.triedCounters)
	}
	_, limit := limitOf(s.top, s.q)
	if full := limit > 0 && len(s.recs) >= limit; full || s.declaresMore() {
		s.rep.Unknown = Unknown
		f.saw("%s", Unknown)
	}
	return f.propose(spec.PaginationConfig{Type: spec.PageNone})
}

// finding is what one detector saw and what it proposes.
type finding struct {
	evidence   []string               // what it saw, in words
	confirmed  string                 // what a confirming request showed
	pagination *spec.PaginationConfig // nil: no proposal, the next detector looks
	cursorSeen bool                   // it tried a cursor it found on the page
}

func (f *finding) saw(format string, args ...any) {
	f.evidence = append(f.evidence, fmt.Sprintf(format, args...))
}

// propose ends the search with p.
func (f finding) propose(p spec.PaginationConfig) finding {
	f.pagination = &p
	return f
}
