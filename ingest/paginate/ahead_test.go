package paginate

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"siphon/ingest/page"
	"siphon/ingest/spec"
)

// TestAhead: the pages after the next one are known only once the API has
// declared its size, and never past it.
func TestAhead(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   spec.PaginationConfig
		body  string // page 1
		ahead []string
	}{
		{"offset with a total", spec.PaginationConfig{Type: "offset", Limit: 2, TotalPath: ".total"},
			`{"data":[{"id":1},{"id":2}],"total":7}`, []string{"limit=2&offset=4", "limit=2&offset=6"}},
		{"offset steps by the page the API served", spec.PaginationConfig{Type: "offset", Limit: 5, TotalPath: ".total"},
			`{"data":[{"id":1},{"id":2}],"total":6}`, []string{"limit=5&offset=4"}},
		{"offset without a total", spec.PaginationConfig{Type: "offset", Limit: 2},
			`{"data":[{"id":1},{"id":2}]}`, nil},
		{"page numbers with a page count", spec.PaginationConfig{Type: "page", Limit: 2, TotalPagesPath: ".pages"},
			`{"data":[{"id":1},{"id":2}],"pages":4}`, []string{"limit=2&page=3", "limit=2&page=4"}},
		{"page numbers with a record count", spec.PaginationConfig{Type: "page", Limit: 2, TotalPath: ".total"},
			`{"data":[{"id":1},{"id":2}],"total":5}`, []string{"limit=2&page=3"}},
		{"cursors cannot be guessed", spec.PaginationConfig{Type: "cursor", Limit: 2, CursorPath: ".next"},
			`{"data":[{"id":1},{"id":2}],"next":"b"}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := spec.Config{Pagination: tc.cfg}
			c.ApplyDefaults()
			p, err := New(c.Pagination, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := p.Ahead(1); ok {
				t.Fatal("a page ahead before the API said anything")
			}
			records, _ := page.Compile(".data")
			pg := page.Parse(context.Background(), []byte(tc.body))
			recs, _ := pg.Records(records)
			u, _ := url.Parse("http://api.test/items")
			if stop, err := p.Advance(&Response{Status: 200, URL: u, Page: pg, Records: recs, Fetched: len(recs), PageNo: 1}); stop != "" || err != nil {
				t.Fatalf("page 1 ended the walk: %q %v", stop, err)
			}
			var got []string
			for k := 1; k < 10; k++ {
				req, ok := p.Ahead(k)
				if !ok {
					break
				}
				got = append(got, req.Query.Encode())
			}
			if strings.Join(got, " ") != strings.Join(tc.ahead, " ") {
				t.Errorf("pages ahead %q, want %q", got, tc.ahead)
			}
		})
	}
}
