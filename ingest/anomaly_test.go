package ingest_test

import (
	"cmp"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	"siphon/ingest/paginate"
	"siphon/ingest/spec"
)

func anomalies(evs []ingest.Event) []ingest.Anomaly {
	var out []ingest.Anomaly
	for _, ev := range evs {
		if a, ok := ev.(ingest.Anomaly); ok {
			out = append(out, a)
		}
	}
	return out
}

func TestPaginationAnomalies(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 500, Faults: demoapi.Faults{EmptyPageAt: 2}})
	defer srv.Close()
	sameEveryTime := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"data": [{"id": 1}, {"id": 2}], "next": "abc", "total": 2}`))
	}))
	defer sameEveryTime.Close()
	alwaysEmpty := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"data": [], "next": "c` + r.URL.Query().Get("cursor") + `"}`))
	}))
	defer alwaysEmpty.Close()

	cursor := func(base string) spec.Config { return styleConfigs(base)["cursor"] }
	cases := []struct {
		name     string
		cfg      func() spec.Config
		fails    string // "" when the run completes
		anomaly  string
		action   string
		minPages int
	}{
		{"empty page that has a next cursor is followed", func() spec.Config { return cursor(srv.URL) },
			"", "page 2 is empty but has a next cursor", "continued", 0},
		{"endless empty pages stop", func() spec.Config {
			c := cursor(alwaysEmpty.URL)
			c.Pagination.CursorPath = ".next"
			return c
		}, "3 empty pages in a row", "3 empty pages in a row", "stopped", 0},
		{"identical page stops", func() spec.Config {
			c := cursor(sameEveryTime.URL)
			c.Pagination.CursorPath = ".next"
			c.Pagination.Limit = 2
			return c
		}, "the same body as page 1", "identical to page 1", "stopped", 0},
		{"full first page without a next cursor", func() spec.Config {
			c := cursor(srv.URL)
			c.Pagination.CursorPath = ".pagination.next"
			return c
		}, "", "page 1 was full (100 records, the limit) but no next cursor", "continued", 0},
		// Records elsewhere on page 1 used to be a note on a run that
		// "succeeded" with 0 records; now the run fails, unless the profile
		// says the API is known to answer so.
		{"records path that finds nothing", func() spec.Config {
			c := styleConfigs(srv.URL)["page"]
			c.Records = ".data"
			return c
		}, "records_elsewhere", "records .data found nothing on page 1; the body has arrays at .items (100)", "stopped", 0},
		{"records path that finds nothing, downgraded", func() spec.Config {
			c := styleConfigs(srv.URL)["page"]
			c.Records = ".data"
			c.Anomalies = map[string]string{spec.AnomalyRecordsElsewhere: "warn", spec.AnomalyTotalMismatch: "warn"}
			return c
		}, "", "records .data found nothing on page 1; the body has arrays at .items (100)", "continued", 0},
		{"total that disagrees", func() spec.Config {
			c := styleConfigs(sameEveryTime.URL)["offset"]
			c.Pagination.TotalPath = ".total + 5"
			c.Pagination.Limit = 2
			return c
		}, "the same body", "identical", "stopped", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			evs, err := run(t, tc.cfg(), ingest.Job{Out: t.TempDir()})
			if tc.fails == "" && err != nil {
				t.Fatalf("run failed: %v", err)
			}
			if tc.fails != "" && (err == nil || !strings.Contains(err.Error(), tc.fails)) {
				t.Fatalf("got %v, want an error saying %q", err, tc.fails)
			}
			for _, a := range anomalies(evs) {
				if strings.Contains(a.What, tc.anomaly) {
					if a.Action != tc.action {
						t.Errorf("anomaly %q: action %s, want %s", a.What, a.Action, tc.action)
					}
					return
				}
			}
			t.Errorf("no anomaly saying %q in %+v", tc.anomaly, anomalies(evs))
		})
	}
}

func TestBadBodies(t *testing.T) {
	cases := []struct {
		name, ctype, body string
		says              []string
		records           string // the records expression, ".data" when empty
	}{
		{"invalid utf-8", "application/json", "{\"data\": [{\"id\": 1, \"name\": \"bad \xff\xfe here\"}]}", []string{"not valid UTF-8", "offset 33", "page 1", "HTTP 200"}, ""},
		{"deeply nested", "application/json", `{"data": ` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`, []string{"page 1", "nests deeper"}, ""},
		{"not objects", "application/json", `{"data": ["a", "b"]}`, []string{"record 1 is a string, not an object"}, ""},
		// The cap applies to bodies held whole: for a jq expression that is
		// not a plain path. Plain paths stream (TestHugeBodiesStream).
		{"too large", "application/json", `{"data": [` + strings.Repeat(`{"id": 1},`, 200) + `{"id": 2}]}`, []string{"larger than the max_body cap (1000B)"}, ".data | .[]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ctype)
				w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			cfg := spec.Config{Name: "bad", BaseURL: srv.URL, Records: cmp.Or(tc.records, ".data"), Pagination: spec.PaginationConfig{Type: "none"}}
			if tc.name == "too large" {
				cfg.MaxBody = "1000B"
			}
			_, err := run(t, cfg, ingest.Job{Out: t.TempDir()})
			if err == nil {
				t.Fatal("run succeeded")
			}
			for _, s := range tc.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
		})
	}
}

// TestCursorCycleABA: page 3's next cursor is the one that led to page 2
// (A→B→A), not a repeat of the last cursor; the loop is still caught.
func TestCursorCycleABA(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 1000, Faults: demoapi.Faults{RepeatCursorAt: 3}})
	defer srv.Close()
	dir := t.TempDir()
	evs, err := run(t, styleConfigs(srv.URL)["cursor"], ingest.Job{Out: dir})
	if err == nil || !strings.Contains(err.Error(), "pagination loop: page 3 gave the same next cursor") || !strings.Contains(err.Error(), "as page 1") {
		t.Fatalf("got %v, want the A→B→A loop caught on page 3", err)
	}
	if a := anomalies(evs); len(a) != 1 || a[0].Page != 3 || a[0].Action != "stopped" {
		t.Errorf("anomalies %+v", a)
	}
	exactlyOnce(t, readIDs(t, dir), 200) // pages 1 and 2 kept, the looping page not
}

// TestStrangeButValidAnswers: a last page repeated for any page past the
// end, a 204 for an empty page, a byte-order mark before the JSON.
func TestStrangeButValidAnswers(t *testing.T) {
	repeatsLast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := 1
		fmt.Sscan(r.URL.Query().Get("page"), &p)
		p = min(p, 3) // 3 full pages of 2, then page 3 again and again
		fmt.Fprintf(w, `{"items":[{"id":%d},{"id":%d}]}`, 2*p-1, 2*p)
	}))
	defer repeatsLast.Close()
	noContentAtEnd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("cursor") == "end" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Write([]byte("\xef\xbb\xbf" + `{"data":[{"id":1},{"id":2},{"id":3},{"id":4},{"id":5},{"id":6}],"next":"end"}`))
	}))
	defer noContentAtEnd.Close()

	page := styleConfigs(repeatsLast.URL)["page-bare"]
	page.Path, page.Pagination.Limit = "/", 2
	dir := t.TempDir()
	evs, err := run(t, page, ingest.Job{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, readIDs(t, dir), 6)
	if fin, _ := lastEvent[ingest.Finished](evs); fin.StopReason != paginate.StopRepeatedPage {
		t.Errorf("stop reason %q", fin.StopReason)
	}

	cursor := styleConfigs(noContentAtEnd.URL)["cursor"]
	cursor.Path, cursor.Pagination.CursorPath = "/", ".next"
	dir = t.TempDir()
	if _, err := run(t, cursor, ingest.Job{Out: dir}); err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, readIDs(t, dir), 6)
}

// TestShiftedOffsetPagesAreNotDoubled: records inserted at the head while
// an offset walk runs push the rest down, so the next page starts with the
// end of the previous one; those repeats are not written twice.
func TestShiftedOffsetPagesAreNotDoubled(t *testing.T) {
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		off := 0
		fmt.Sscan(r.URL.Query().Get("offset"), &off)
		// newest first; after the first page, two new records (ids 101, 102) arrive at the head
		ids := []int{}
		if calls > 1 {
			ids = append(ids, 102, 101)
		}
		for id := 100; id >= 1; id-- {
			ids = append(ids, id)
		}
		var recs []string
		for i := off; i < off+10 && i < len(ids); i++ {
			recs = append(recs, fmt.Sprintf(`{"id":%d}`, ids[i]))
		}
		fmt.Fprintf(w, `{"data":[%s]}`, strings.Join(recs, ","))
	}))
	defer srv.Close()
	cfg := styleConfigs(srv.URL)["offset-bare"]
	cfg.Path, cfg.Records, cfg.Pagination.Limit = "/", ".data", 10
	dir := t.TempDir()
	evs, err := run(t, cfg, ingest.Job{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]int{}
	for _, id := range readIDs(t, dir) {
		seen[id]++
	}
	for id := int64(1); id <= 100; id++ {
		if seen[id] != 1 {
			t.Errorf("id %d written %d times", id, seen[id])
		}
	}
	if a := anomalies(evs); len(a) == 0 || !strings.Contains(a[0].What, "page 2 repeated 2 unchanged records of page 1") {
		t.Errorf("anomalies %+v", a)
	}
}

// TestJSONLinesBodies: export endpoints answer one JSON object a line; the
// records expression sees them as an array.
func TestJSONLinesBodies(t *testing.T) {
	for _, ctype := range []string{"application/x-ndjson", "text/plain"} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ctype)
			fmt.Fprint(w, "{\"id\":1,\"n\":\"a\"}\n{\"id\":2,\"n\":\"b\"}\n\n{\"id\":3,\"n\":\"c\"}\n")
		}))
		cfg := spec.Config{Name: "export", BaseURL: srv.URL, Records: ".[]", Pagination: spec.PaginationConfig{Type: "none"}}
		dir := t.TempDir()
		if _, err := run(t, cfg, ingest.Job{Out: dir}); err != nil {
			t.Fatalf("%s: %v", ctype, err)
		}
		exactlyOnce(t, readIDs(t, dir), 3)
		srv.Close()
	}
}
