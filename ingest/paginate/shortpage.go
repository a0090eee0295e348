package paginate

import (
	"fmt"

	"siphon/ingest/spec"
)

// Counted walks (offset, page numbers) must tell the end of the data from
// a page the API filled less than the rest. By default only an empty page
// ends them (pagination.end_on: empty_page): a short page is noted, and
// the walk goes on. With end_on: short_page a page shorter than an earlier
// one ends the walk, for APIs known to fill every page.

func checkEndOn(v string) error {
	switch v {
	case "", spec.EndOnEmptyPage, spec.EndOnShortPage:
		return nil
	}
	return fmt.Errorf("pagination.end_on %q: expected %s or %s", v, spec.EndOnEmptyPage, spec.EndOnShortPage)
}

// shortPages remembers a short page until the next page shows whether it
// was the end (the next is empty) or records were held back (it is not).
type shortPages struct {
	endsWalk bool   // end_on: short_page
	pending  string // the note on the last page, if it was short
}

// short reads a page with records: whether it ends the walk (end_on:
// short_page), and the note of a short page before it that was not the end.
func (sp *shortPages) short(r *Response, limit int) (stop bool, notes []string) {
	if sp.pending != "" {
		notes = append(notes, sp.pending)
		sp.pending = ""
	}
	if sp.endsWalk {
		return r.Short, notes
	}
	full := max(r.Largest, limit)
	if r.Fetched < full {
		sp.pending = fmt.Sprintf("short page %d: %d of %d records, and more followed (the API may hide records on some pages); the walk went on, as pagination.end_on: empty_page says", r.PageNo, r.Fetched, full)
	}
	return false, notes
}

// empty is an empty page: a short page before it was the end after all.
func (sp *shortPages) empty() { sp.pending = "" }
