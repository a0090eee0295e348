package demoapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const walkRecords = 250 // not a multiple of any page size below: the last page is short

// walker follows one endpoint's paging hints to the end and returns the ids
// in the order received.
type walker func(t *testing.T, c *http.Client, base string) []int64

// maxWalk stops a broken walker from running forever.
const maxWalk = 200

func walkOffset(t *testing.T, c *http.Client, base string) []int64 {
	var ids []int64
	for offset, n := 0, 0; n < maxWalk; n++ {
		_, body := getOK(t, c, base+"/v1/offset?limit=40&offset="+strconv.Itoa(offset))
		var page struct {
			Data                 []json.RawMessage
			Total, Offset, Limit int
		}
		decode(t, body, &page)
		if page.Total != walkRecords || page.Offset != offset || page.Limit != 40 {
			t.Fatalf("offset page %d: total %d offset %d limit %d", n, page.Total, page.Offset, page.Limit)
		}
		ids = append(ids, idsOf(t, page.Data)...)
		offset += len(page.Data)
		if offset >= page.Total {
			return ids
		}
	}
	t.Fatal("offset walk did not end")
	return nil
}

func walkPages(t *testing.T, c *http.Client, base string) []int64 {
	var ids []int64
	for p := 1; p <= maxWalk; p++ {
		_, body := getOK(t, c, base+"/v1/pages?per_page=60&page="+strconv.Itoa(p))
		var page struct {
			Items      []json.RawMessage `json:"items"`
			Page       int               `json:"page"`
			PerPage    int               `json:"per_page"`
			TotalPages int               `json:"total_pages"`
			TotalCount int               `json:"total_count"`
		}
		decode(t, body, &page)
		if page.Page != p || page.PerPage != 60 || page.TotalPages != 5 || page.TotalCount != walkRecords {
			t.Fatalf("pages page %d: page %d per_page %d total_pages %d total_count %d",
				p, page.Page, page.PerPage, page.TotalPages, page.TotalCount)
		}
		ids = append(ids, idsOf(t, page.Items)...)
		if p >= page.TotalPages {
			return ids
		}
	}
	t.Fatal("pages walk did not end")
	return nil
}

type cursorPage struct {
	Data       []json.RawMessage
	Pagination struct {
		NextCursor *string `json:"next_cursor"`
		HasMore    bool    `json:"has_more"`
	}
}

func walkCursor(t *testing.T, c *http.Client, base string) []int64 {
	var ids []int64
	cursor := ""
	for n := 0; n < maxWalk; n++ {
		_, body := getOK(t, c, base+"/v1/cursor?limit=70&cursor="+url.QueryEscape(cursor))
		var page cursorPage
		decode(t, body, &page)
		ids = append(ids, idsOf(t, page.Data)...)
		if (page.Pagination.NextCursor != nil) != page.Pagination.HasMore {
			t.Fatalf("cursor page %d: next_cursor %v but has_more %v", n, page.Pagination.NextCursor, page.Pagination.HasMore)
		}
		if page.Pagination.NextCursor == nil {
			return ids
		}
		cursor = *page.Pagination.NextCursor
	}
	t.Fatal("cursor walk did not end")
	return nil
}

func walkNext(t *testing.T, c *http.Client, base string) []int64 {
	var ids []int64
	next := base + "/v1/next?limit=64"
	for n := 0; n < maxWalk; n++ {
		_, body := getOK(t, c, next)
		var page struct {
			Results []json.RawMessage
			Next    *string
		}
		decode(t, body, &page)
		ids = append(ids, idsOf(t, page.Results)...)
		if page.Next == nil {
			return ids
		}
		if !strings.HasPrefix(*page.Next, base+"/v1/next?") {
			t.Fatalf("next %q is not an absolute URL on %s", *page.Next, base)
		}
		next = *page.Next
	}
	t.Fatal("next walk did not end")
	return nil
}

var nextLink = regexp.MustCompile(`<([^>]*)>; rel="next"`)

func walkLink(t *testing.T, c *http.Client, base string) []int64 {
	var ids []int64
	next := "/v1/link?per_page=90"
	for n := 0; n < maxWalk; n++ {
		resp, body := getOK(t, c, base+next)
		var recs []json.RawMessage
		decode(t, body, &recs)
		ids = append(ids, idsOf(t, recs)...)
		link := resp.Header.Get("Link")
		if !strings.Contains(link, `rel="first"`) || !strings.Contains(link, `</v1/link?page=3&per_page=90>; rel="last"`) {
			t.Fatalf("link page %d: Link %q lacks first or last", n, link)
		}
		m := nextLink.FindStringSubmatch(link)
		if m == nil {
			return ids
		}
		next = m[1]
	}
	t.Fatal("link walk did not end")
	return nil
}

func walkKeyset(t *testing.T, c *http.Client, base string) []int64 {
	var ids []int64
	since := int64(0)
	for n := 0; n < maxWalk; n++ {
		_, body := getOK(t, c, base+"/v1/keyset?limit=33&since_id="+strconv.Itoa(int(since)))
		var page struct{ Data []json.RawMessage }
		decode(t, body, &page)
		if len(page.Data) == 0 {
			return ids
		}
		got := idsOf(t, page.Data)
		ids = append(ids, got...)
		since = got[len(got)-1]
	}
	t.Fatal("keyset walk did not end")
	return nil
}

// walkTimestamp pages with updated_since (inclusive), as a client should
// when timestamps tie, dropping the boundary records it has already seen.
func walkTimestamp(t *testing.T, c *http.Client, base string) []int64 {
	var ids []int64
	seen := map[int64]bool{}
	query := ""
	for n := 0; n < maxWalk; n++ {
		_, body := getOK(t, c, base+"/v1/timestamp?limit=20"+query)
		var page struct {
			Data []struct {
				ID        int64  `json:"id"`
				UpdatedAt string `json:"updated_at"`
			}
		}
		decode(t, body, &page)
		fresh := 0
		for _, r := range page.Data {
			if !seen[r.ID] {
				seen[r.ID] = true
				ids = append(ids, r.ID)
				fresh++
			}
		}
		if fresh == 0 {
			return ids
		}
		query = "&updated_since=" + url.QueryEscape(page.Data[len(page.Data)-1].UpdatedAt)
	}
	t.Fatal("timestamp walk did not end")
	return nil
}

func walkNone(t *testing.T, c *http.Client, base string) []int64 {
	_, body := getOK(t, c, base+"/v1/none")
	var page struct{ Data []json.RawMessage }
	decode(t, body, &page)
	return idsOf(t, page.Data)
}

func TestEveryEndpointWalksToTheEnd(t *testing.T) {
	s := startServer(t, Options{Records: walkRecords})
	c := &http.Client{}
	t.Cleanup(c.CloseIdleConnections)
	walkers := map[string]walker{
		"none": walkNone, "offset": walkOffset, "pages": walkPages, "cursor": walkCursor,
		"next": walkNext, "link": walkLink, "keyset": walkKeyset, "timestamp": walkTimestamp,
		"group-items": walkGroupItems, "groups": func(t *testing.T, c *http.Client, base string) []int64 {
			if n := len(walkGroupIDs(t, c, base)); n != DefaultGroups {
				t.Errorf("%d groups, want %d", n, DefaultGroups)
			}
			return walkOffset(t, c, base) // the groups are not records: check the dataset beside them
		},
	}
	for _, ep := range Endpoints() {
		if ep.Name == "loop" {
			continue // never ends, by design: see TestLoopCursorsCycle
		}
		walk, ok := walkers[ep.Name]
		if !ok {
			t.Errorf("no walker for endpoint %q", ep.Name)
			continue
		}
		t.Run(ep.Name, func(t *testing.T) {
			checkEachOnce(t, walk(t, c, s.URL), walkRecords)
		})
	}
}

func TestTimestampExclusiveLosesTiesOnPageBoundaries(t *testing.T) {
	s := startServer(t, Options{Records: 12})
	c := newClient(t)
	// A page of 4 ends at id 4, whose timestamp 5 and 6 share: updated_after skips them.
	_, body := getOK(t, c, s.URL+"/v1/timestamp?limit=4")
	var page struct{ Data []json.RawMessage }
	decode(t, body, &page)
	checkEachOnce(t, idsOf(t, page.Data), 4)
	_, body = getOK(t, c, s.URL+"/v1/timestamp?limit=4&updated_after=2026-01-01T00:02:00Z")
	decode(t, body, &page)
	if got := idsOf(t, page.Data); !equalInts(got, []int64{7, 8, 9, 10}) {
		t.Fatalf("updated_after 00:02: ids %v, want [7 8 9 10]", got)
	}
	_, body = getOK(t, c, s.URL+"/v1/timestamp?limit=4&updated_since=2026-01-01T00:02:00Z")
	decode(t, body, &page)
	if got := idsOf(t, page.Data); !equalInts(got, []int64{4, 5, 6, 7}) {
		t.Fatalf("updated_since 00:02: ids %v, want [4 5 6 7]", got)
	}
	// A fraction of a second past a timestamp excludes it even inclusively.
	_, body = getOK(t, c, s.URL+"/v1/timestamp?limit=4&updated_since=2026-01-01T00:02:00.5Z")
	decode(t, body, &page)
	if got := idsOf(t, page.Data); !equalInts(got, []int64{7, 8, 9, 10}) {
		t.Fatalf("updated_since 00:02:00.5: ids %v, want [7 8 9 10]", got)
	}
}

func TestCursorRepeatAndEmptyPage(t *testing.T) {
	s := startServer(t, Options{Records: 100, Faults: Faults{RepeatCursorAt: 3, EmptyPageAt: 2}})
	c := newClient(t)
	fetch := func(cursor string) cursorPage {
		_, body := getOK(t, c, s.URL+"/v1/cursor?limit=10&cursor="+url.QueryEscape(cursor))
		var page cursorPage
		decode(t, body, &page)
		if page.Pagination.NextCursor == nil {
			t.Fatalf("cursor %q: no next cursor", cursor)
		}
		return page
	}
	p1 := fetch("")
	a := *p1.Pagination.NextCursor
	p2 := fetch(a) // page 2: empty, but a next cursor
	if len(p2.Data) != 0 || !p2.Pagination.HasMore {
		t.Fatalf("page 2: %d records, has_more %v; want an empty page with more", len(p2.Data), p2.Pagination.HasMore)
	}
	b := *p2.Pagination.NextCursor
	p3 := fetch(b) // page 3: records 11-20, then back to page 2's cursor
	if got := idsOf(t, p3.Data); got[0] != 11 {
		t.Fatalf("page 3 starts at id %d, want 11 (the empty page lost nothing)", got[0])
	}
	if *p3.Pagination.NextCursor != a {
		t.Fatalf("page 3 next cursor %q, want page 2's cursor %q (A->B->A)", *p3.Pagination.NextCursor, a)
	}
	if again := fetch(a); *again.Pagination.NextCursor != b {
		t.Fatal("the cycle does not repeat")
	}
}

func TestLoopCursorsCycle(t *testing.T) {
	s := startServer(t, Options{Records: 100})
	c := newClient(t)
	var seq []string
	cursor := ""
	for range 7 {
		_, body := getOK(t, c, s.URL+"/v1/loop?cursor="+url.QueryEscape(cursor))
		var page cursorPage
		decode(t, body, &page)
		if page.Pagination.NextCursor == nil || !page.Pagination.HasMore {
			t.Fatal("loop endpoint ended")
		}
		cursor = *page.Pagination.NextCursor
		seq = append(seq, cursor)
	}
	if seq[0] == seq[1] || seq[1] == seq[2] || seq[0] == seq[2] {
		t.Fatalf("A, B, C are not distinct: %v", seq[:3])
	}
	for i := 3; i < len(seq); i++ {
		if seq[i] != seq[i-3] {
			t.Fatalf("cursor %d is %q, want %q (a cycle of three)", i, seq[i], seq[i-3])
		}
	}
}

func TestBadRequests(t *testing.T) {
	s := startServer(t, Options{Records: 10})
	c := newClient(t)
	tests := []struct {
		path   string
		status int
		param  string
	}{
		{"/v1/offset?limit=0", 400, "limit"},
		{"/v1/offset?limit=ten", 400, "limit"},
		{"/v1/offset?offset=-1", 400, "offset"},
		{"/v1/pages?page=0", 400, "page"},
		{"/v1/pages?per_page=x", 400, "per_page"},
		{"/v1/cursor?cursor=not-a-cursor", 400, "cursor"},
		{"/v1/cursor?cursor=" + encodeLoopCursor(1), 400, "cursor"},
		{"/v1/loop?cursor=" + encodeCursor(cursorPos{0, 1}), 400, "cursor"},
		{"/v1/next?after=1.5", 400, "after"},
		{"/v1/link?page=-2", 400, "page"},
		{"/v1/keyset?since_id=abc", 400, "since_id"},
		{"/v1/timestamp?updated_after=yesterday", 400, "updated_after"},
		{"/v1/timestamp?updated_after=2026-01-01T00:00:00Z&updated_since=2026-01-01T00:00:00Z", 400, "updated_since"},
		{"/v2/nothing", 404, ""},
		{"/", 404, ""},
	}
	for _, tt := range tests {
		resp, body := get(t, c, s.URL+tt.path)
		var e errorBody
		decode(t, body, &e)
		if resp.StatusCode != tt.status || e.Status != tt.status || e.Param != tt.param || e.Error == "" {
			t.Errorf("GET %s: %d %s, want %d naming %q", tt.path, resp.StatusCode, body, tt.status, tt.param)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("GET %s: Content-Type %q", tt.path, ct)
		}
	}
	resp, err := c.Post(s.URL+"/v1/none", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", resp.StatusCode)
	}
}

func TestLimitIsCappedAndDefaulted(t *testing.T) {
	s := startServer(t, Options{Records: 1500})
	c := newClient(t)
	tests := []struct {
		path string
		want int
	}{
		{"/v1/keyset", DefaultLimit},
		{"/v1/keyset?limit=5000", MaxLimit},
		{"/v1/loop", 20},
	}
	for _, tt := range tests {
		_, body := getOK(t, c, s.URL+tt.path)
		var page struct{ Data []json.RawMessage }
		decode(t, body, &page)
		if len(page.Data) != tt.want {
			t.Errorf("GET %s: %d records, want %d", tt.path, len(page.Data), tt.want)
		}
	}
}

func TestHealthz(t *testing.T) {
	s := startServer(t, Options{Records: 1, Faults: Faults{ResetRate: 1, RateLimit: 1}, Auth: Auth{APIKey: "k"}})
	c := newClient(t)
	for range 3 {
		resp, body := get(t, c, s.URL+"/healthz")
		if resp.StatusCode != 200 || string(body) != "ok" {
			t.Fatalf("/healthz: %d %q", resp.StatusCode, body)
		}
	}
}

func TestEndpointsDescribeEveryRoute(t *testing.T) {
	api := New(Options{Records: 1})
	eps := Endpoints()
	if len(eps) != len(api.routes) {
		t.Fatalf("%d endpoints listed, %d routed", len(eps), len(api.routes))
	}
	for _, ep := range eps {
		if ep.Name == "" || ep.Pagination == "" || ep.Description == "" || !strings.HasPrefix(ep.Path, "/v1/") {
			t.Errorf("incomplete endpoint %+v", ep)
		}
	}
}
