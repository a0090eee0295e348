package paginate

import (
	"fmt"
	"net/url"
	"strconv"

	"siphon/ingest/page"
	"siphon/ingest/spec"
)

// pageNumber counts pages: ?page=1, 2, ... The walk ends on an empty page,
// at the page count the API reports (total_pages_path) or the record count
// (total_path, with limit), or (end_on: short_page) on a page shorter than
// an earlier one.
type pageNumber struct {
	cfg                      spec.PaginationConfig
	totalPath, pagesPath     *page.Expr
	totalRecords, totalPages int64
	totalExact               bool // totalRecords is the walk's size, not a lower bound
	shorts                   shortPages
}

func newPageNumber(cfg spec.PaginationConfig, _ []string) (Style, error) {
	s := &pageNumber{cfg: cfg, shorts: shortPages{endsWalk: cfg.EndOn == spec.EndOnShortPage}}
	if err := checkEndOn(cfg.EndOn); err != nil {
		return nil, err
	}
	var err error
	if s.totalPath, err = compile(cfg.TotalPath); err != nil {
		return nil, err
	}
	s.pagesPath, err = compile(cfg.TotalPagesPath)
	return s, err
}

func (s *pageNumber) Start() Position { return Position{Page: s.cfg.StartPage} }

func (s *pageNumber) Request(pos Position, q url.Values) Request {
	q.Set(s.cfg.PageParam, strconv.Itoa(pos.Page))
	return Request{Query: q}
}

func (s *pageNumber) Next(pos *Position, r *Response) (Next, error) {
	if r.Fetched == 0 {
		s.shorts.empty()
		return Next{Stop: StopEmptyPage}, nil
	}
	shortEnds, notes := s.shorts.short(r, s.cfg.Limit)
	current := pos.Page
	pos.Page++
	if s.pagesPath != nil {
		v, err := r.Page.Value(s.pagesPath)
		if err != nil {
			return Next{}, fmt.Errorf("total_pages_path: %w", err)
		}
		pages, ok := page.Int(v)
		if ok {
			s.totalPages = pages
		}
		if ok && int64(current) >= pages {
			return Next{Stop: StopLastPage, Notes: notes}, nil
		}
	} else if count, ok, err := total(s.totalPath, "total_path", r.Page); err != nil {
		return Next{}, err
	} else {
		if ok {
			s.totalRecords, s.totalExact = count.N, !count.AtLeast
		}
		if ok && !count.AtLeast && s.cfg.Limit > 0 && int64(current-s.cfg.StartPage+1)*int64(s.cfg.Limit) >= count.N {
			return Next{Stop: StopTotalReached, Notes: notes}, nil
		}
	}
	if shortEnds {
		return Next{Stop: StopShortPage, Notes: notes}, nil
	}
	return Next{Notes: notes}, nil
}

func (s *pageNumber) Describe(pos Position) string { return "page=" + strconv.Itoa(pos.Page) }

// Ahead counts pages up to the declared page count, or to the declared
// record count at limit records a page.
func (s *pageNumber) Ahead(pos Position, k int) (Position, bool) {
	pos.Page += k
	nth := int64(pos.Page - s.cfg.StartPage) // 0 for the first page
	switch {
	case s.totalPages > 0:
		return pos, nth < s.totalPages
	case s.totalExact && s.totalRecords > 0 && s.cfg.Limit > 0:
		return pos, nth*int64(s.cfg.Limit) < s.totalRecords
	}
	return pos, false
}

func (s *pageNumber) Totals() (int64, int64) { return s.totalRecords, s.totalPages }

func (s *pageNumber) Param() string { return s.cfg.PageParam }

func (s *pageNumber) Seek(pos *Position, value string) {
	if n, err := strconv.Atoi(value); err == nil {
		pos.Page = n
	}
}

func (s *pageNumber) exact() bool { return s.totalExact }
