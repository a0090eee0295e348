package paginate

import (
	"fmt"
	"hash/maphash"
)

// The checks below wrap every style that follows cursors or URLs: the
// style says what it follows (Next.Follow) or what it missed
// (Next.Missing), and the Paginator looks at the walk as a whole.

// maxRemembered bounds the cursors and URLs kept for loop detection, so
// memory stays flat on endless backfills: a loop longer than this many pages
// goes unnoticed (about 3 MB at the bound).
const maxRemembered = 50_000

// seenSet is the cursors or URLs a walk followed, by hash, oldest first.
// A key is two 64-bit hashes under seeds of their own: a walk of 50,000
// pages mistakes a new cursor for one it followed with odds of about
// 2^-97, and hashing costs a small page a fraction of a cryptographic sum.
type seenSet struct {
	pages map[seenKey]int // cursor or URL → the page that produced it
	order []seenKey       // a ring: next is the oldest once it is full
	next  int
}

type seenKey [2]uint64

var seenSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

func newSeenSet() seenSet { return seenSet{pages: map[seenKey]int{}} }

// remember catches a cursor or URL seen before, a loop (A→B→A as well as
// A→A): seen, and the page that gave it first.
func (s *seenSet) remember(value string, pageNo int) (first int, seen bool) {
	key := seenKey{maphash.String(seenSeeds[0], value), maphash.String(seenSeeds[1], value)}
	if first, ok := s.pages[key]; ok {
		return first, true
	}
	s.pages[key] = pageNo
	if len(s.order) < maxRemembered {
		s.order = append(s.order, key)
		return 0, false
	}
	delete(s.pages, s.order[s.next]) // the oldest makes room
	s.order[s.next] = key
	s.next = (s.next + 1) % maxRemembered
	return 0, false
}

// maxEmptyWithNext is how many empty pages in a row that still point to a
// next page are followed before the walk stops: some APIs filter pages
// server-side and legitimately return empty ones, but an endless run of
// them is a loop in disguise.
const maxEmptyWithNext = 3

func (p *Paginator) emptyWithNext(r *Response, what string) error {
	if r.Fetched > 0 {
		p.emptyRun = 0
		return nil
	}
	p.emptyRun++
	if p.emptyRun >= maxEmptyWithNext {
		return &AnomalyError{fmt.Sprintf("%d empty pages in a row still had a next %s; stopping rather than following them forever", p.emptyRun, what)}
	}
	p.note("page %d is empty but has a next %s; following it (the run stops after %d such pages in a row)", r.PageNo, what, maxEmptyWithNext)
	return nil
}

// fullWithoutNext notes a first page that was full yet ended the walk:
// usually a wrong path to the next cursor or URL.
func (p *Paginator) fullWithoutNext(r *Response, what string) {
	if what != "" && r.PageNo == 1 && p.cfg.Limit > 0 && r.Fetched >= p.cfg.Limit {
		p.note("page 1 was full (%d records, the limit) but no next %s was found; if the API has more, that path is wrong", r.Fetched, what)
	}
}
