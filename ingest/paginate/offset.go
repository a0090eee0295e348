package paginate

import (
	"fmt"
	"net/url"
	"strconv"

	"siphon/ingest/page"
	"siphon/ingest/spec"
)

// offset counts records: ?offset=0, then 0 + the records of each page.
// The walk ends at the total the API reports (total_path), on an empty
// page, or (end_on: short_page) on a page shorter than an earlier one.
type offset struct {
	cfg          spec.PaginationConfig
	start        int64
	totalPath    *page.Expr
	totalRecords int64
	totalExact   bool // totalRecords is the walk's size, not a lower bound
	shorts       shortPages
}

func newOffset(cfg spec.PaginationConfig, _ []string) (Style, error) {
	s := &offset{cfg: cfg, shorts: shortPages{endsWalk: cfg.EndOn == spec.EndOnShortPage}}
	if err := checkEndOn(cfg.EndOn); err != nil {
		return nil, err
	}
	if cfg.Start != "" {
		n, err := strconv.ParseInt(cfg.Start, 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("pagination.start: %q is not a non-negative integer", cfg.Start)
		}
		s.start = n
	}
	var err error
	s.totalPath, err = compile(cfg.TotalPath)
	return s, err
}

func (s *offset) Start() Position { return Position{Offset: s.start} }

func (s *offset) Request(pos Position, q url.Values) Request {
	q.Set(s.cfg.OffsetParam, strconv.FormatInt(pos.Offset, 10))
	return Request{Query: q}
}

func (s *offset) Next(pos *Position, r *Response) (Next, error) {
	var next Next
	count, hasTotal, err := total(s.totalPath, "total_path", r.Page)
	if err != nil {
		return next, err
	}
	if hasTotal {
		s.totalRecords, s.totalExact = count.N, !count.AtLeast
	}
	// A lower bound tells where the walk cannot end yet, never where it ends.
	hasTotal = hasTotal && !count.AtLeast
	total := count.N
	n := r.Fetched
	if hasTotal && pos.Offset+int64(n) >= count.N {
		pos.Offset += int64(n) // the declared end: no records hidden past it
	} else {
		pos.Offset += s.step(r)
	}
	var shortEnds bool
	if n > 0 {
		shortEnds, next.Notes = s.shorts.short(r, s.cfg.Limit)
	} else {
		s.shorts.empty()
	}
	switch {
	case hasTotal && pos.Offset >= total:
		if pos.Offset > total {
			next.Notes = append(next.Notes, fmt.Sprintf("the API reported a total of %d but offset %d was reached", total, pos.Offset))
		}
		next.Stop = StopTotalReached
	case n == 0 || shortEnds:
		if hasTotal {
			next.Notes = append(next.Notes, fmt.Sprintf("the API reported a total of %d but the records ended at offset %d", total, pos.Offset))
		}
		next.Stop = StopShortPage
		if n == 0 {
			next.Stop = StopEmptyPage
		}
	}
	return next, nil
}

// step is how far a page moves the offset: the records it brought, or,
// for a page short of limit from an API that has served full pages of
// limit before, limit itself. Such an API counts offsets in whole pages
// and hid some records of this one (permission filters, deleted rows);
// stepping by the records seen would ask for the rest of this page again.
// An API that never fills limit (it caps the page size lower) is stepped
// by what it serves.
func (s *offset) step(r *Response) int64 {
	n, limit := r.Fetched, s.cfg.Limit
	if n > 0 && limit > 0 && n < limit && r.Largest >= limit {
		return int64(limit)
	}
	return int64(n)
}

func (s *offset) Describe(pos Position) string {
	return "offset=" + strconv.FormatInt(pos.Offset, 10)
}

// Ahead steps by the largest page seen: the page size the API really
// serves, which may be less than the limit asked for.
func (s *offset) Ahead(pos Position, k int) (Position, bool) {
	size := int64(pos.MaxPageSize)
	if !s.totalExact || s.totalRecords <= 0 || size <= 0 {
		return pos, false
	}
	pos.Offset += int64(k) * size
	return pos, pos.Offset < s.totalRecords
}

func (s *offset) Totals() (int64, int64) { return s.totalRecords, 0 }

func (s *offset) Param() string { return s.cfg.OffsetParam }

func (s *offset) Seek(pos *Position, value string) {
	if n, err := strconv.ParseInt(value, 10, 64); err == nil {
		pos.Offset = n
	}
}

func (s *offset) exact() bool { return s.totalExact }
