package demoapi

import (
	"fmt"
	"strconv"
)

// The faults of APIs that page deep: records a permission filter hides
// (Faults.HideEvery) and a cap on how deep offset paging goes
// (Faults.OffsetCap).

// capError is the answer past the offset cap: a 400 naming it.
type capError struct{ offset, limit, cap int }

func (e *capError) Error() string {
	return fmt.Sprintf("Pagination limit reached for offset model: offset + limit may not exceed %d (got offset %d, limit %d); filter with id_gte to go further", e.cap, e.offset, e.limit)
}

// checkCap refuses a request that reaches past the offset cap.
func (a *API) checkCap(offset, limit int) error {
	if c := a.opts.Faults.OffsetCap; c > 0 && offset+limit > c {
		return &capError{offset, limit, c}
	}
	return nil
}

// visible leaves out the hidden records of a page: those whose id is a
// multiple of HideEvery. Records are {"id":N,...}; their ids are 1..N in
// dataset order.
func (a *API) visible(recs [][]byte) [][]byte {
	every := a.opts.Faults.HideEvery
	if every <= 0 {
		return recs
	}
	out := make([][]byte, 0, len(recs))
	for _, r := range recs {
		if id, ok := recordID(r); ok && id%every == 0 {
			continue
		}
		out = append(out, r)
	}
	return out
}

// recordID reads the id a record starts with.
func recordID(rec []byte) (int, bool) {
	const prefix = `{"id":`
	if len(rec) <= len(prefix) || string(rec[:len(prefix)]) != prefix {
		return 0, false
	}
	end := len(prefix)
	for end < len(rec) && rec[end] >= '0' && rec[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(string(rec[len(prefix):end]))
	return n, err == nil
}
