package ingest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	"siphon/ingest/spec"
)

// inFlight counts the requests a handler is serving at once.
type inFlight struct {
	next http.Handler

	mu       sync.Mutex
	now, max int
}

func (f *inFlight) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.now++
	f.max = max(f.max, f.now)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.now--
		f.mu.Unlock()
	}()
	f.next.ServeHTTP(w, r)
}

// TestFetchAhead: one walk of an offset or page-numbered endpoint that
// declares its total, with concurrency above 1, fetches the pages after the
// next one at once, and still writes every record once, in page order, with
// faults and 429s on the way.
func TestFetchAhead(t *testing.T) {
	const records = 300
	offset := spec.PaginationConfig{Type: "offset", Limit: 10, TotalPath: ".total"}
	pages := spec.PaginationConfig{Type: "page", Limit: 10, LimitParam: "per_page", TotalPagesPath: ".total_pages"}
	for _, tc := range []struct {
		name        string
		path, recs  string
		pagination  spec.PaginationConfig
		concurrency int
		faults      demoapi.Faults
		wantMax     int // the most requests in flight, at least (1: exactly)
	}{
		{"offset, one at a time", "/v1/offset", ".data", offset, 1, demoapi.Faults{}, 1},
		{"offset, four at once", "/v1/offset", ".data", offset, 4, demoapi.Faults{}, 2},
		{"page numbers, four at once", "/v1/pages", ".items", pages, 4, demoapi.Faults{}, 2},
		{"offset with faults", "/v1/offset", ".data", offset, 4, demoapi.Faults{ServerErrorRate: 0.15, TooManyRate: 0.05, TruncateRate: 0.05, HTMLRate: 0.05}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := demoapi.New(demoapi.Options{Records: records, Latency: 10 * time.Millisecond, Faults: tc.faults})
			counter := &inFlight{next: api}
			srv := httptest.NewServer(counter)
			t.Cleanup(func() { api.Abort(); srv.Close() })
			cfg := spec.Config{Name: "ahead", BaseURL: srv.URL, Path: tc.path, Records: tc.recs, PrimaryKey: []string{"id"},
				Pagination: tc.pagination, Concurrency: tc.concurrency,
				Retry:  spec.RetryConfig{InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxRetryAfter: 5 * time.Second},
				Output: spec.OutputConfig{RawPages: true}}
			out := t.TempDir()
			_, col := startRun(t, cfg, ingest.Job{Out: out})
			if _, err := drain(nil, col); err != nil {
				t.Fatalf("run: %v", err)
			}
			ids := readIDs(t, out)
			want := make([]int64, records)
			for i := range want {
				want[i] = int64(i + 1)
			}
			if !slices.Equal(ids, want) {
				t.Fatalf("records.jsonl has %d ids, not 1..%d in order: %v", len(ids), records, ids[:min(len(ids), 20)])
			}
			switch counter.mu.Lock(); {
			case tc.wantMax == 1 && counter.max != 1:
				t.Errorf("%d requests in flight at once, want 1", counter.max)
			case counter.max < tc.wantMax || counter.max > tc.concurrency:
				t.Errorf("%d requests in flight at most, want %d to %d", counter.max, tc.wantMax, tc.concurrency)
			}
			counter.mu.Unlock()
			if st := api.Stats(); tc.faults == (demoapi.Faults{}) && st.Requests > int64(records/10+tc.concurrency) {
				t.Errorf("%d requests for %d pages: pages fetched ahead were wasted", st.Requests, records/10)
			}
		})
	}
}

// TestFetchAheadWrongTotal: an API that declares more records than it has.
// Pages fetched ahead past the real end come back empty and are dropped;
// the walk ends at the first empty page with every record once.
func TestFetchAheadWrongTotal(t *testing.T) {
	const records, declared = 95, 200
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		var b strings.Builder
		b.WriteString(`{"data":[`)
		for id := off + 1; id <= min(off+10, records); id++ {
			if id > off+1 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"id":%d}`, id)
		}
		fmt.Fprintf(&b, `],"total":%d}`, declared)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, b.String())
	}))
	t.Cleanup(srv.Close)
	cfg := spec.Config{Name: "liar", BaseURL: srv.URL, Path: "/items", Records: ".data", PrimaryKey: []string{"id"},
		Pagination: spec.PaginationConfig{Type: "offset", Limit: 10, TotalPath: ".total"}, Concurrency: 4,
		Anomalies: map[string]string{"total_mismatch": "warn"}}
	out := t.TempDir()
	_, col := startRun(t, cfg, ingest.Job{Out: out})
	if _, err := drain(nil, col); err != nil {
		t.Fatalf("run: %v", err)
	}
	if ids := readIDs(t, out); len(ids) != records || ids[0] != 1 || ids[records-1] != records {
		t.Fatalf("%d ids, want 1..%d", len(ids), records)
	}
}

// TestFetchAheadTooBigToHold: pages over the hold's cap are not kept; the
// walk fetches and streams each in its turn, and stops fetching ahead
// after the first, so a walk of big pages costs at most a few requests
// more, not twice as many.
func TestFetchAheadTooBigToHold(t *testing.T) {
	const pages, perPage = 4, 6
	filler := strings.Repeat("x", 700<<10) // 4.1 MiB a page
	var mu sync.Mutex
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests++
		mu.Unlock()
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"data":[`)
		for id := off + 1; id <= min(off+perPage, pages*perPage); id++ {
			if id > off+1 {
				io.WriteString(w, ",")
			}
			fmt.Fprintf(w, `{"id":%d,"blob":"%s"}`, id, filler)
		}
		fmt.Fprintf(w, `],"total":%d}`, pages*perPage)
	}))
	t.Cleanup(srv.Close)
	cfg := spec.Config{Name: "big", BaseURL: srv.URL, Path: "/items", Records: ".data", PrimaryKey: []string{"id"},
		Pagination: spec.PaginationConfig{Type: "offset", Limit: perPage, TotalPath: ".total"}, Concurrency: 2}
	out := t.TempDir()
	_, col := startRun(t, cfg, ingest.Job{Out: out})
	if _, err := drain(nil, col); err != nil {
		t.Fatalf("run: %v", err)
	}
	if ids := readIDs(t, out); len(ids) != pages*perPage {
		t.Fatalf("%d records, want %d", len(ids), pages*perPage)
	}
	mu.Lock()
	defer mu.Unlock()
	// Page 3 is the first that can be fetched ahead (page 1 declares the
	// total), and the only one that is: fetching each again would be 6.
	if requests != pages+1 {
		t.Errorf("%d requests for %d pages, want %d", requests, pages, pages+1)
	}
}
