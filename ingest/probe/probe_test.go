package probe_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"siphon/ingest"
	"siphon/ingest/probe"
	"siphon/ingest/spec"
	"siphon/ingest/store"
)

// TestProbeRecognisesRealWorldShapes: bodies shaped like well-known APIs
// give the pagination they use, once a second request confirms it. The
// servers answer the next page (other ids) only when asked the way the API
// wants: under next, a query parameter or a path; every other request gets
// the first page again, and a guess that brings nothing new is not proposed.
func TestProbeRecognisesRealWorldShapes(t *testing.T) {
	cases := []struct {
		name, body, next, style, evidence string
	}{
		{"stripe", `{"object":"list","data":[{"id":"ch_1"},{"id":"ch_2"}],"has_more":true,"url":"/v1/charges"}`, "starting_after", "cursor", "has_more is true"},
		{"salesforce", `{"totalSize":5,"done":false,"nextRecordsUrl":"/services/data/v59.0/query/01g-2000","records":[{"Id":"a"},{"Id":"b"}]}`, "", "next_url", "nextRecordsUrl"},
		{"odata", `{"value":[{"id":1},{"id":2}],"@odata.nextLink":"https://graph.example/v1.0/users?$skiptoken=X"}`, "", "next_url", "@odata.nextLink"},
		{"google", `{"items":[{"id":"1"},{"id":"2"}],"nextPageToken":"CAoQAA"}`, "pageToken", "cursor", "?pageToken="},
		{"slack", `{"ok":true,"members":[{"id":"U1"},{"id":"U2"}],"response_metadata":{"next_cursor":"dXNlcjpVMEc5V0ZYTlo="}}`, "cursor", "cursor", "response_metadata.next_cursor"},
		{"twitter", `{"data":[{"id":"1"},{"id":"2"}],"meta":{"next_token":"7140dibdnow9c7btw"}}`, "pagination_token", "cursor", "?pagination_token="},
		{"elasticsearch", `{"_scroll_id":"DXF1ZXJ5QW5k","hits":{"hits":[{"_id":"1"},{"_id":"2"}]}}`, "/_search/scroll", "cursor", "_scroll_id"},
		{"jira", `{"startAt":0,"maxResults":2,"total":5,"issues":[{"id":"1"},{"id":"2"}]}`, "startAt", "offset", "offset paging by startAt"},
		{"graph skip", `{"value":[{"id":"1"},{"id":"2"}],"$skip":0}`, "$skip", "offset", "offset paging by $skip"},
		{"airtable offset token", `{"records":[{"id":"rec1"},{"id":"rec2"}],"offset":"itrA1/rec2"}`, "offset", "cursor", ".offset looks like a cursor"},
		{"keyset by trying filters", `{"items":[{"id":"1"},{"id":"2"}]}`, "since_id", "keyset", "?since_id=<last id> brought only newer ones"},
		{"cursor nobody takes", `{"items":[{"id":"1"},{"id":"2"}],"next_cursor":"abc"}`, "never", "none", "no pagination could be confirmed"},
		{"total but one page", `{"items":[{"id":"1"},{"id":"2"}],"total":40}`, "", "none", "no next link, cursor, offset or page fields found"},
		// Nothing on the page names the way on: the usual parameters are tried.
		{"offset without a total", `{"items":[{"id":"1"},{"id":"2"}]}`, "offset", "offset", "tried offset=2"},
		{"skip without a total", `{"items":[{"id":"1"},{"id":"2"}]}`, "skip", "offset", "tried offset=2, skip=2"},
		{"page without a total", `{"items":[{"id":"1"},{"id":"2"}]}`, "page", "page", "tried offset=2, skip=2, start=2, startAt=2, page=2"},
		{"p without a total", `[{"id":"1"},{"id":"2"}]`, "p", "page", "page=2, p=2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if tc.next != "" && (r.URL.Query().Has(tc.next) || r.URL.Path == tc.next) {
					fmt.Fprint(w, strings.NewReplacer(`"1"`, `"11"`, `"2"`, `"12"`, `"a"`, `"c"`, `"ch_1"`, `"ch_3"`, `"ch_2"`, `"ch_4"`, `"U1"`, `"U3"`, `"U2"`, `"U4"`, `"rec1"`, `"rec3"`, `"rec2"`, `"rec4"`).Replace(tc.body))
					return
				}
				fmt.Fprint(w, tc.body)
			}))
			defer srv.Close()
			c, err := ingest.New(spec.Config{Name: tc.name, BaseURL: srv.URL, Path: "/list"})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := probe.Run(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Pagination.Type != tc.style || !strings.Contains(strings.Join(rep.Evidence, " "), tc.evidence) {
				t.Errorf("got %s with evidence %q; want %s mentioning %q", rep.Pagination.Type, rep.Evidence, tc.style, tc.evidence)
			}
			if tc.name == "total but one page" && (len(rep.Warnings) == 0 || !strings.Contains(rep.Warnings[0], "declares 40 records")) {
				t.Errorf("warnings %q", rep.Warnings)
			}
			// A page whose total says there is more is never "none".
			if wantUnknown := tc.name == "total but one page"; (rep.Unknown != "") != wantUnknown {
				t.Errorf("unknown %q, want it %t", rep.Unknown, wantUnknown)
			}
		})
	}
}

// TestProbedStripeListRuns: the profile the probe writes for a has_more
// list walks it to the end.
func TestProbedStripeListRuns(t *testing.T) {
	const n = 57
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		after := 0
		fmt.Sscanf(r.URL.Query().Get("starting_after"), "ch_%d", &after)
		var recs []string
		for id := after + 1; id <= min(after+10, n); id++ {
			recs = append(recs, fmt.Sprintf(`{"id":"ch_%d","amount":%d}`, id, id*100))
		}
		fmt.Fprintf(w, `{"object":"list","data":[%s],"has_more":%t}`, strings.Join(recs, ","), after+10 < n)
	}))
	defer srv.Close()
	cfg := spec.Config{Name: "charges", BaseURL: srv.URL, Path: "/v1/charges", Retry: spec.RetryConfig{MaxAttempts: 1}}
	c, err := ingest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := probe.Run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.Confirmed, "10 different records") {
		t.Errorf("confirmation %q", rep.Confirmed)
	}
	dir := t.TempDir()
	if err := run(rep.Apply(cfg), dir); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, store.RecordsFile))
	if got := strings.Count(string(b), "\n"); got != n || !strings.Contains(string(b), `"id":"ch_57"`) {
		t.Errorf("%d records", got)
	}
}

// run runs cfg to the end, writing into dir.
func run(cfg spec.Config, dir string) error {
	c, err := ingest.New(cfg)
	if err != nil {
		return err
	}
	r := c.Start(context.Background(), ingest.Job{Out: dir})
	for range r.Events() {
	}
	return r.Wait()
}

// TestProbeFullPageNoWayOn: a full page (of the limit asked for), or one
// whose {value, relation} total says there is more, where no parameter
// brings new records, is "pagination unknown", and the probe says what it
// tried; a short page is all there is.
func TestProbeFullPageNoWayOn(t *testing.T) {
	cases := []struct {
		name, body, limit string
		unknown           bool
	}{
		{"full page", `{"items":[{"id":"1"},{"id":"2"}]}`, "2", true},
		{"short page", `{"items":[{"id":"1"},{"id":"2"}]}`, "5", false},
		{"lower-bound total", `{"hits":{"total":{"value":10000,"relation":"gte"},"hits":[{"_id":"1"},{"_id":"2"}]}}`, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, tc.body)
			}))
			defer srv.Close()
			cfg := spec.Config{Name: "x", BaseURL: srv.URL, Path: "/list"}
			if tc.limit != "" {
				cfg.Params = map[string]string{"limit": tc.limit}
			}
			c, err := ingest.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := probe.Run(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			evidence := strings.Join(rep.Evidence, "; ")
			if (rep.Unknown != "") != tc.unknown {
				t.Fatalf("unknown %q, want it %t (evidence %s)", rep.Unknown, tc.unknown, evidence)
			}
			if tc.unknown && (!strings.Contains(evidence, probe.Unknown) || !strings.Contains(evidence, "tried offset=2, skip=2, start=2, startAt=2, page=2, p=2: none brought new records")) {
				t.Errorf("evidence %s", evidence)
			}
			if !tc.unknown && strings.Contains(evidence, "tried offset") {
				t.Errorf("a short page is all there is, yet counting was tried: %s", evidence)
			}
		})
	}
}

// TestProbeEndOnEvidence: an offset endpoint without a total is proposed
// with end_on: short_page only when the probe saw the end come on a short
// page (the page after it empty); else with the default, saying why.
func TestProbeEndOnEvidence(t *testing.T) {
	cases := []struct {
		name  string
		total int // records; ids 1..total, 2 a page
		want  string
		says  string
	}{
		{"the end on a short page", 3, spec.EndOnShortPage, "came back empty, so the end came on a short page"},
		{"a second full page", 6, "", "the second page was full too"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				off := 0
				fmt.Sscanf(r.URL.Query().Get("offset"), "%d", &off)
				var recs []string
				for id := off + 1; id <= min(off+2, tc.total); id++ {
					recs = append(recs, fmt.Sprintf(`{"id":"%d"}`, id))
				}
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"items":[%s],"offset":%d}`, strings.Join(recs, ","), off)
			}))
			defer srv.Close()
			c, err := ingest.New(spec.Config{Name: "endon", BaseURL: srv.URL, Path: "/list", Params: map[string]string{"limit": "2"}})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := probe.Run(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			evidence := strings.Join(rep.Evidence, " ")
			if rep.Pagination.Type != spec.PageOffset || rep.Pagination.EndOn != tc.want || !strings.Contains(evidence, tc.says) {
				t.Errorf("got %s end_on %q with evidence %q; want offset, end_on %q, saying %q", rep.Pagination.Type, rep.Pagination.EndOn, evidence, tc.want, tc.says)
			}
		})
	}
}
