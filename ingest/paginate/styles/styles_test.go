package styles_test

import (
	"slices"
	"testing"

	"siphon/ingest/paginate/styles"
	"siphon/ingest/spec"
)

// The shipped styles are known, in the documentation's order, with their
// defaults, to a program that does not link their walks (this test does
// not import paginate).
func TestShippedStyles(t *testing.T) {
	want := []string{"none", "offset", "page", "cursor", "next_url", "link_header", "keyset", "timestamp"}
	if got := styles.Names(); !slices.Equal(got, want) {
		t.Errorf("names %v, want %v", got, want)
	}
	if !styles.Incremental(spec.PageKeyset) || styles.Incremental(spec.PageCursor) || styles.Incremental("no-such-style") {
		t.Error("incremental styles are keyset and timestamp")
	}
	c := spec.Config{Pagination: spec.PaginationConfig{Type: spec.PageTimestamp}}
	c.ApplyDefaults()
	if c.Pagination.Param != "updated_after" || c.Pagination.Field != "updated_at" {
		t.Errorf("timestamp defaults: param %q, field %q", c.Pagination.Param, c.Pagination.Field)
	}
}
