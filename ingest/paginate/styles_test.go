package paginate

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"siphon/ingest/page"
	"siphon/ingest/spec"
)

// step is one page shown to a paginator and what it should make of it.
type step struct {
	body   string
	header http.Header
	url    string // the page's URL; default http://api.test/items

	stop string // the stop reason expected ("" to go on)
	err  string // part of the error expected
	note string // part of a note expected
	at   string // Describe after the page
	next string // the next request: its URL, or its query encoded
}

type styleCase struct {
	name  string
	cfg   spec.PaginationConfig
	first string // the first request, as next is written
	steps []step
}

// walk feeds the steps to a paginator built from cfg, as the run does.
func (tc styleCase) walk(t *testing.T) {
	t.Helper()
	c := spec.Config{Pagination: tc.cfg, PrimaryKey: []string{"id"}}
	c.ApplyDefaults()
	p, err := New(c.Pagination, c.PrimaryKey)
	if err != nil {
		t.Fatal(err)
	}
	if got := requestText(p.Request()); got != tc.first {
		t.Errorf("first request %q, want %q", got, tc.first)
	}
	records, _ := page.Compile(".data")
	for i, st := range tc.steps {
		u, _ := url.Parse(orDefault(st.url, "http://api.test/items"))
		pg := page.Parse(context.Background(), []byte(st.body))
		recs, err := pg.Records(records)
		if err != nil {
			t.Fatalf("page %d: %v", i+1, err)
		}
		before := p.Position()
		kept := p.Dedup(recs)
		stop, err := p.Advance(&Response{Status: 200, Header: st.header, URL: u, Page: pg, Records: kept, Fetched: len(recs), PageNo: i + 1})
		notes := strings.Join(p.TakeNotes(), "\n")
		if st.err != "" {
			if err == nil || !strings.Contains(err.Error(), st.err) {
				t.Fatalf("page %d: error %v, want one saying %q", i+1, err, st.err)
			}
			if p.Position().summary() != before.summary() {
				t.Errorf("page %d: the position moved on an error", i+1)
			}
			return
		}
		if err != nil {
			t.Fatalf("page %d: %v", i+1, err)
		}
		if stop != st.stop {
			t.Errorf("page %d: stop %q, want %q", i+1, stop, st.stop)
		}
		if (st.note == "") != (notes == "") || !strings.Contains(notes, st.note) {
			t.Errorf("page %d: notes %q, want %q", i+1, notes, st.note)
		}
		if got := p.Describe(); got != st.at {
			t.Errorf("page %d: at %q, want %q", i+1, got, st.at)
		}
		if stop == "" {
			if got := requestText(p.Request()); got != st.next {
				t.Errorf("page %d: next request %q, want %q", i+1, got, st.next)
			}
		}
	}
}

// summary is a position in one line, for comparing them in tests.
func (p Position) summary() string {
	return strings.Join([]string{p.Cursor, p.NextURL, p.HighWater, strings.Join(p.BoundaryKeys, ",")}, "|")
}

func requestText(r Request) string {
	if r.URL != "" {
		return r.URL
	}
	return r.Query.Encode()
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func link(u string) http.Header { return http.Header{"Link": {"<" + u + `>; rel="next"`}} }

func TestStyles(t *testing.T) {
	two := `{"data":[{"id":1},{"id":2}]}`
	cases := []styleCase{
		{name: "none", cfg: spec.PaginationConfig{Type: "none", Limit: 5}, first: "",
			steps: []step{{body: two, stop: StopSingle}}},

		{name: "offset to the total", cfg: spec.PaginationConfig{Type: "offset", Limit: 2, TotalPath: ".total"}, first: "limit=2&offset=0",
			steps: []step{
				{body: `{"data":[{"id":1},{"id":2}],"total":3}`, at: "offset=2", next: "limit=2&offset=2"},
				{body: `{"data":[{"id":3}],"total":3}`, at: "offset=3", stop: StopTotalReached},
			}},
		{name: "offset past the total", cfg: spec.PaginationConfig{Type: "offset", TotalPath: ".total"}, first: "offset=0",
			steps: []step{{body: `{"data":[{"id":1},{"id":2}],"total":1}`, at: "offset=2", stop: StopTotalReached, note: "total of 1 but offset 2 was reached"}}},
		// end_on: short_page keeps what was the default before empty_page.
		{name: "offset short page with end_on short_page", cfg: spec.PaginationConfig{Type: "offset", Start: "10", EndOn: spec.EndOnShortPage}, first: "offset=10",
			steps: []step{
				{body: two, at: "offset=12", next: "offset=12"},
				{body: `{"data":[{"id":3}]}`, at: "offset=13", stop: StopShortPage},
			}},
		// The default: a short page is no end; once more records follow it
		// is reported, and only an empty page ends the walk. An API that has
		// filled pages of limit counts offsets in whole pages: a short page
		// hid records, and the next starts a whole page on.
		{name: "offset short page goes on to an empty one", cfg: spec.PaginationConfig{Type: "offset", Start: "10", Limit: 2}, first: "limit=2&offset=10",
			steps: []step{
				{body: two, at: "offset=12", next: "limit=2&offset=12"},
				{body: `{"data":[{"id":3}]}`, at: "offset=14", next: "limit=2&offset=14"},
				{body: two, at: "offset=16", next: "limit=2&offset=16", note: "short page 2: 1 of 2 records, and more followed"},
				{body: `{"data":[{"id":6}]}`, at: "offset=18", next: "limit=2&offset=18"},
				{body: `{"data":[]}`, at: "offset=18", stop: StopEmptyPage}, // page 4 was the end: no note
			}},
		// An API that never fills limit serves less than asked: offsets
		// count what it serves.
		{name: "offset under a lower page size counts records", cfg: spec.PaginationConfig{Type: "offset", Limit: 5}, first: "limit=5&offset=0",
			steps: []step{
				{body: two, at: "offset=2", next: "limit=5&offset=2"},
				{body: `{"data":[{"id":3}]}`, at: "offset=3", next: "limit=5&offset=3", note: "short page 1: 2 of 5 records"},
				{body: `{"data":[]}`, at: "offset=3", stop: StopEmptyPage},
			}},
		{name: "offset empty page before the total", cfg: spec.PaginationConfig{Type: "offset", TotalPath: ".total"}, first: "offset=0",
			steps: []step{{body: `{"data":[],"total":9}`, at: "offset=0", stop: StopEmptyPage, note: "total of 9 but the records ended at offset 0"}}},
		{name: "offset to an exact {value, relation} total", cfg: spec.PaginationConfig{Type: "offset", TotalPath: ".hits.total"}, first: "offset=0",
			steps: []step{{body: `{"data":[{"id":1},{"id":2}],"hits":{"total":{"value":2,"relation":"eq"}}}`, at: "offset=2", stop: StopTotalReached}}},
		{name: "offset past a lower-bound total", cfg: spec.PaginationConfig{Type: "offset", TotalPath: ".hits.total"}, first: "offset=0",
			steps: []step{
				// relation gte: at least 2, so reaching 2 is no end.
				{body: `{"data":[{"id":1},{"id":2}],"hits":{"total":{"value":2,"relation":"gte"}}}`, at: "offset=2", next: "offset=2"},
				{body: `{"data":[{"id":3}],"hits":{"total":{"value":2,"relation":"gte"}}}`, at: "offset=3", next: "offset=3"},
				{body: `{"data":[],"hits":{"total":{"value":2,"relation":"gte"}}}`, at: "offset=3", stop: StopEmptyPage},
			}},
		{name: "offset bad total path", cfg: spec.PaginationConfig{Type: "offset", TotalPath: ".total[]"}, first: "offset=0",
			steps: []step{{body: `{"data":[],"total":null}`, err: "total_path .total[]"}}},

		{name: "page to total_pages", cfg: spec.PaginationConfig{Type: "page", TotalPagesPath: ".pages"}, first: "page=1",
			steps: []step{
				{body: `{"data":[{"id":1}],"pages":2}`, at: "page=2", next: "page=2"},
				{body: `{"data":[{"id":2}],"pages":2}`, at: "page=3", stop: StopLastPage},
			}},
		{name: "page to the total", cfg: spec.PaginationConfig{Type: "page", Limit: 2, TotalPath: ".total", StartPage: 0}, first: "limit=2&page=1",
			steps: []step{
				{body: `{"data":[{"id":1},{"id":2}],"total":4}`, at: "page=2", next: "limit=2&page=2"},
				{body: `{"data":[{"id":3},{"id":4}],"total":4}`, at: "page=3", stop: StopTotalReached},
			}},
		{name: "page empty", cfg: spec.PaginationConfig{Type: "page", StartPage: 3}, first: "page=3",
			steps: []step{{body: `{"data":[]}`, at: "page=3", stop: StopEmptyPage}}},
		{name: "page short with end_on short_page", cfg: spec.PaginationConfig{Type: "page", EndOn: spec.EndOnShortPage}, first: "page=1",
			steps: []step{{body: two, at: "page=2", next: "page=2"}, {body: `{"data":[{"id":3}]}`, at: "page=3", stop: StopShortPage}}},
		{name: "page short goes on to an empty one", cfg: spec.PaginationConfig{Type: "page"}, first: "page=1",
			steps: []step{
				{body: two, at: "page=2", next: "page=2"},
				{body: `{"data":[{"id":3}]}`, at: "page=3", next: "page=3"},
				{body: two, at: "page=4", next: "page=4", note: "short page 2: 1 of 2 records"},
				{body: `{"data":[]}`, at: "page=4", stop: StopEmptyPage},
			}},

		{name: "cursor", cfg: spec.PaginationConfig{Type: "cursor", CursorPath: ".meta.next", CursorParam: "after", Limit: 2}, first: "limit=2",
			steps: []step{
				{body: `{"data":[{"id":1},{"id":2}],"meta":{"next":"c2"}}`, at: "c2", next: "after=c2&limit=2"},
				{body: `{"data":[{"id":3}],"meta":{"next":42}}`, at: "42", next: "after=42&limit=2"},
				{body: `{"data":[{"id":4}],"meta":{"next":null}}`, at: "42", stop: StopNoCursor},
			}},
		{name: "cursor full first page without one", cfg: spec.PaginationConfig{Type: "cursor", CursorPath: ".next", Limit: 2}, first: "limit=2",
			steps: []step{{body: two, at: "", stop: StopNoCursor, note: "page 1 was full (2 records, the limit) but no next cursor at cursor_path .next was found"}}},
		{name: "cursor loop", cfg: spec.PaginationConfig{Type: "cursor", CursorPath: ".next"}, first: "",
			steps: []step{
				{body: `{"data":[{"id":1}],"next":"a"}`, at: "a", next: "cursor=a"},
				{body: `{"data":[{"id":2}],"next":"b"}`, at: "b", next: "cursor=b"},
				{body: `{"data":[{"id":3}],"next":"a"}`, err: `page 3 gave the same next cursor "a" as page 1`},
			}},
		{name: "cursor empty pages with a next one", cfg: spec.PaginationConfig{Type: "cursor", CursorPath: ".next"}, first: "",
			steps: []step{
				{body: `{"data":[],"next":"a"}`, at: "a", next: "cursor=a", note: "page 1 is empty but has a next cursor"},
				{body: `{"data":[],"next":"b"}`, at: "b", next: "cursor=b", note: "page 2 is empty"},
				{body: `{"data":[],"next":"c"}`, err: "3 empty pages in a row still had a next cursor"},
			}},
		{name: "cursor that is an object", cfg: spec.PaginationConfig{Type: "cursor", CursorPath: ".next"}, first: "",
			steps: []step{{body: `{"data":[],"next":{"a":1}}`, err: "cursor_path .next: expected a string or number, got an object"}}},

		{name: "next_url relative", cfg: spec.PaginationConfig{Type: "next_url", NextURLPath: ".links.next", Limit: 1}, first: "limit=1",
			steps: []step{
				{body: `{"data":[{"id":1}],"links":{"next":"/items?page=2"}}`, at: "http://api.test/items?page=2", next: "http://api.test/items?page=2"},
				{body: `{"data":[{"id":2}],"links":{"next":""}}`, url: "http://api.test/items?page=2", at: "http://api.test/items?page=2", stop: StopNoNextURL},
			}},
		{name: "next_url scheme", cfg: spec.PaginationConfig{Type: "next_url", NextURLPath: ".next"}, first: "",
			steps: []step{{body: `{"data":[{"id":1}],"next":"file:///etc/passwd"}`, err: `scheme "file"`}}},
		{name: "next_url loop", cfg: spec.PaginationConfig{Type: "next_url", NextURLPath: ".next"}, first: "",
			steps: []step{
				{body: `{"data":[{"id":1}],"next":"http://api.test/items?p=2"}`, at: "http://api.test/items?p=2", next: "http://api.test/items?p=2"},
				{body: `{"data":[{"id":2}],"next":"/items?p=2"}`, err: "page 2 gave the same next URL as page 1"},
			}},

		{name: "link_header", cfg: spec.PaginationConfig{Type: "link_header", Limit: 1}, first: "limit=1",
			steps: []step{
				{body: `{"data":[{"id":1}]}`, header: link("https://api.test/items?since=1"), at: "https://api.test/items?since=1", next: "https://api.test/items?since=1"},
				{body: `{"data":[{"id":2}]}`, at: "https://api.test/items?since=1", stop: StopNoLink, url: "https://api.test/items?since=1"},
			}},
		{name: "link_header full first page without one", cfg: spec.PaginationConfig{Type: "link_header", Limit: 1, Rel: "more"}, first: "limit=1",
			steps: []step{{body: `{"data":[{"id":1}]}`, header: link("/x"), stop: StopNoLink, note: `no next Link header with rel="more"`}}},

		{name: "keyset", cfg: spec.PaginationConfig{Type: "keyset", Limit: 2}, first: "limit=2",
			steps: []step{
				{body: `{"data":[{"id":1},{"id":2}]}`, at: "2", next: "limit=2&since_id=2"},
				{body: `{"data":[{"id":3}]}`, at: "3", stop: StopShortPage},
			}},
		{name: "keyset from a start, nothing newer", cfg: spec.PaginationConfig{Type: "keyset", Start: "10", Param: "after_id"}, first: "after_id=10",
			steps: []step{
				{body: `{"data":[{"id":11}]}`, at: "11", next: "after_id=11"},
				{body: `{"data":[]}`, at: "11", stop: StopNoNewer},
			}},
		{name: "keyset stuck on a full page", cfg: spec.PaginationConfig{Type: "keyset", Limit: 2, Start: "5"}, first: "limit=2&since_id=5",
			steps: []step{{body: `{"data":[{"id":5},{"id":4}]}`, err: "keyset paging cannot advance past id=5"}}},
		{name: "keyset record without the field", cfg: spec.PaginationConfig{Type: "keyset", Field: "seq"}, first: "",
			steps: []step{{body: two, err: "record 1 has no usable seq for keyset paging"}}},

		{name: "timestamp tie warning", cfg: spec.PaginationConfig{Type: "timestamp", Limit: 2}, first: "limit=2",
			steps: []step{
				{body: `{"data":[{"id":1,"updated_at":"2026-01-01T00:00:00Z"},{"id":2,"updated_at":"2026-01-01T00:00:00Z"}]}`,
					at: "2026-01-01T00:00:00Z", next: "limit=2&updated_after=2026-01-01T00%3A00%3A00Z", note: "records share updated_at values (2026-01-01T00:00:00Z on page 1)"},
				{body: `{"data":[{"id":3,"updated_at":"2026-01-02T00:00:00Z"},{"id":4,"updated_at":"2026-01-02T00:00:00Z"}]}`,
					at: "2026-01-02T00:00:00Z", next: "limit=2&updated_after=2026-01-02T00%3A00%3A00Z"}, // warned once
			}},
		{name: "timestamp inclusive drops what it wrote", cfg: spec.PaginationConfig{Type: "timestamp", Inclusive: true, Param: "since", Limit: 3}, first: "limit=3",
			steps: []step{
				{body: `{"data":[{"id":1,"updated_at":"2026-01-01T00:00:00Z"},{"id":2,"updated_at":"2026-01-02T00:00:00Z"},{"id":3,"updated_at":"2026-01-02T00:00:00Z"}]}`,
					at: "2026-01-02T00:00:00Z", next: "limit=3&since=2026-01-02T00%3A00%3A00Z"},
				// 2 and 3 come again and are dropped; 4 shares the mark and joins the boundary.
				{body: `{"data":[{"id":2,"updated_at":"2026-01-02T00:00:00Z"},{"id":3,"updated_at":"2026-01-02T00:00:00Z"},{"id":4,"updated_at":"2026-01-02T00:00:00Z"}]}`,
					err: "timestamp paging cannot advance past updated_at=2026-01-02T00:00:00Z"},
			}},
		{name: "timestamp inclusive, the last page", cfg: spec.PaginationConfig{Type: "timestamp", Inclusive: true, Start: "2026-01-02T00:00:00Z"}, first: "updated_after=2026-01-02T00%3A00%3A00Z",
			steps: []step{
				{body: `{"data":[{"id":2,"updated_at":"2026-01-02T00:00:00Z"},{"id":5,"updated_at":"2026-01-03T00:00:00Z"}]}`, at: "2026-01-03T00:00:00Z", next: "updated_after=2026-01-03T00%3A00%3A00Z"},
				{body: `{"data":[{"id":5,"updated_at":"2026-01-03T00:00:00Z"}]}`, at: "2026-01-03T00:00:00Z", stop: StopNoNewer},
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, tc.walk)
	}
}

func TestBadBlocksAreRefused(t *testing.T) {
	cases := []struct {
		cfg  spec.PaginationConfig
		want string
	}{
		{spec.PaginationConfig{Type: "cursor"}, "cursor needs cursor_path"},
		{spec.PaginationConfig{Type: "next_url"}, "next_url needs next_url_path"},
		{spec.PaginationConfig{Type: "offset", Start: "-1"}, `pagination.start: "-1" is not a non-negative integer`},
		{spec.PaginationConfig{Type: "page", TotalPath: ".a["}, `jq expression ".a["`},
		{spec.PaginationConfig{Type: "scroll"}, `unknown pagination type "scroll"`},
		{spec.PaginationConfig{Type: "page", EndOn: "full_page"}, `pagination.end_on "full_page": expected empty_page or short_page`},
	}
	for _, tc := range cases {
		if _, err := New(tc.cfg, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.cfg.Type, err, tc.want)
		}
	}
}

// TestSeek reads a saved page's position back from its URL, as the
// selector playground does.
func TestSeek(t *testing.T) {
	cases := []struct {
		cfg   spec.PaginationConfig
		query string
		want  string
	}{
		{spec.PaginationConfig{Type: "offset", OffsetParam: "skip"}, "skip=40", "offset=40"},
		{spec.PaginationConfig{Type: "offset", OffsetParam: "skip"}, "skip=x", "offset=0"},
		{spec.PaginationConfig{Type: "page", PageParam: "p", StartPage: 1}, "p=7", "page=7"},
		{spec.PaginationConfig{Type: "cursor", CursorPath: ".n", CursorParam: "after"}, "after=abc", "abc"},
		{spec.PaginationConfig{Type: "keyset", Param: "since_id", Start: "3"}, "", ""},
		{spec.PaginationConfig{Type: "next_url", NextURLPath: ".n"}, "page=3", ""},
	}
	for _, tc := range cases {
		p, err := New(tc.cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		q, _ := url.ParseQuery(tc.query)
		p.Seek(q)
		if got := p.Describe(); got != tc.want {
			t.Errorf("%s ?%s: at %q, want %q", tc.cfg.Type, tc.query, got, tc.want)
		}
	}
}

func TestDefaultsComeWithTheStyle(t *testing.T) {
	for style, want := range map[string]string{"keyset": "since_id id", "timestamp": "updated_after updated_at", "cursor": " "} {
		c := spec.Config{Pagination: spec.PaginationConfig{Type: style}}
		c.ApplyDefaults()
		if got := c.Pagination.Param + " " + c.Pagination.Field; got != want {
			t.Errorf("%s: param and field %q, want %q", style, got, want)
		}
	}
}
