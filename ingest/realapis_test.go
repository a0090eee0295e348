package ingest_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"siphon/ingest"
	"siphon/ingest/paginate"
	"siphon/ingest/spec"
	"siphon/ingest/store"
)

// realAPI serves 25 records {"id":N}, 10 a page, by a cursor that is the
// next index; shape decides what a page looks like.
func realAPI(t *testing.T, shape func(w http.ResponseWriter, r *http.Request, recs []map[string]int, next int)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		from, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
		if h := r.Header.Get("X-Cursor"); h != "" {
			from, _ = strconv.Atoi(h)
		}
		if r.Method == http.MethodPost {
			var b struct {
				Cursor json.RawMessage `json:"cursor"` // pagination.in: body sends numbers as numbers
			}
			body, _ := io.ReadAll(r.Body)
			_ = json.Unmarshal(body, &b)
			if len(b.Cursor) > 0 {
				from, _ = strconv.Atoi(strings.Trim(string(b.Cursor), `"`))
			}
		}
		var recs []map[string]int
		for i := from; i < min(from+10, 25); i++ {
			recs = append(recs, map[string]int{"id": i})
		}
		w.Header().Set("Content-Type", "application/json")
		shape(w, r, recs, from+len(recs))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func realConfig(base string) spec.Config {
	return spec.Config{Name: "real", BaseURL: base, Path: "/items", Records: ".data", PrimaryKey: []string{"id"},
		Pagination: spec.PaginationConfig{Type: "cursor", CursorPath: ".next"},
		Retry:      spec.RetryConfig{InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}}
}

// ids reads the ids in OUT/records.jsonl.
func ids(t *testing.T, out string) []int {
	t.Helper()
	f, err := os.Open(filepath.Join(out, store.RecordsFile))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r struct{ ID int }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		got = append(got, r.ID)
	}
	return got
}

func wantAll(t *testing.T, got []int, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("got %d records, want %d: %v", len(got), n, got)
	}
	for i, id := range got {
		if id != i {
			t.Fatalf("record %d has id %d: %v", i, id, got)
		}
	}
}

func write(w http.ResponseWriter, v any) { _ = json.NewEncoder(w).Encode(v) }

// TestErrorsInOKBodies: an error in a 200 fails the page with the API's own
// message, retried or not as an HTTP error would be.
func TestErrorsInOKBodies(t *testing.T) {
	cases := []struct {
		name       string
		body       string
		cfg        func(*spec.Config)
		wantErr    string // "" when the run completes
		wantRetry  bool
		atAttempts int // the error body comes on the first this many attempts
	}{
		{name: "slack ok false", body: `{"ok":false,"error":"invalid_auth"}`, wantErr: "the API reported an error in the body: invalid_auth"},
		{name: "graphql errors", body: `{"data":null,"errors":[{"message":"Bad credentials","type":"UNAUTHENTICATED"}]}`, wantErr: "Bad credentials"},
		{name: "error object", body: `{"error":{"code":"forbidden","message":"no access to this base"}}`, wantErr: "no access to this base"},
		{name: "fault", body: `{"fault":{"faultstring":"Invalid ApiKey","detail":{"errorcode":"oauth.v2.InvalidApiKey"}}}`, wantErr: "Invalid ApiKey"},
		{name: "error string", body: `{"error":"Couldn't authenticate you"}`, wantErr: "Couldn't authenticate you"},
		{name: "rate limited in a 200 is retried", body: `{"ok":false,"error":"ratelimited"}`, atAttempts: 2, wantRetry: true},
		{name: "status in the body among on_status is retried", body: `{"errors":[{"message":"try later"}],"status":503}`, atAttempts: 1, wantRetry: true},
		{name: "empty errors array is no error", body: `{"data":[],"errors":[]}`},
		{name: "error_when overrides", body: `{"status":"error","detail":"quota exceeded for project"}`,
			cfg: func(c *spec.Config) { c.ErrorWhen = `.status == "error"`; c.ErrorMessage = ".detail" }, wantErr: "quota exceeded for project"},
		{name: "error_when false lets a page through", body: `{"ok":false,"error":"harmless"}`,
			cfg: func(c *spec.Config) { c.ErrorWhen = "false" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := realAPI(t, func(w http.ResponseWriter, r *http.Request, recs []map[string]int, next int) {
				n := calls.Add(1)
				if tc.atAttempts == 0 || int(n) <= tc.atAttempts {
					io.WriteString(w, tc.body)
					return
				}
				write(w, map[string]any{"data": recs})
			})
			cfg := realConfig(srv.URL)
			cfg.Pagination = spec.PaginationConfig{Type: "none"}
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			evs, err := run(t, cfg, ingest.Job{Out: t.TempDir()})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("run failed: %v", err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want an error saying %q", err, tc.wantErr)
			}
			retried := false
			for _, ev := range evs {
				if _, ok := ev.(ingest.RetryScheduled); ok {
					retried = true
				}
			}
			if retried != tc.wantRetry {
				t.Fatalf("retried %t, want %t (err %v)", retried, tc.wantRetry, err)
			}
		})
	}
}

// TestStopWhenEveryStyle: stop_when ends a walk of any style on the page
// that says it is the last, even when the style would go on.
func TestStopWhenEveryStyle(t *testing.T) {
	srv := realAPI(t, func(w http.ResponseWriter, r *http.Request, recs []map[string]int, next int) {
		// The API always gives a next cursor and link, and a full page
		// number's worth: only has_more tells the end.
		w.Header().Set("Link", fmt.Sprintf(`<%s/items?cursor=%d>; rel="next"`, "http://"+r.Host, next))
		write(w, map[string]any{"data": recs, "next": next, "has_more": next < 25, "next_url": fmt.Sprintf("/items?cursor=%d", next)})
	})
	for _, p := range []spec.PaginationConfig{
		{Type: "cursor", CursorPath: ".next"},
		{Type: "next_url", NextURLPath: ".next_url"},
		{Type: "link_header"},
		{Type: "offset", OffsetParam: "cursor"},
	} {
		t.Run(p.Type, func(t *testing.T) {
			cfg := realConfig(srv.URL)
			p.StopWhen = ".has_more | not"
			cfg.Pagination = p
			out := t.TempDir()
			evs, err := run(t, cfg, ingest.Job{Out: out})
			if err != nil {
				t.Fatal(err)
			}
			wantAll(t, ids(t, out), 25)
			if fin := finished(evs); fin.StopReason != paginate.StopWhen {
				t.Fatalf("stop %q, want %q", fin.StopReason, paginate.StopWhen)
			}
		})
	}
}

func finished(evs []ingest.Event) ingest.Finished {
	for _, ev := range evs {
		if f, ok := ev.(ingest.Finished); ok {
			return f
		}
	}
	return ingest.Finished{}
}

// TestDeclaredEndIsNotALoop: the last page repeats its cursor and says
// end_of_stream (Zendesk); without stop_when that is the end, not a loop.
func TestDeclaredEndIsNotALoop(t *testing.T) {
	srv := realAPI(t, func(w http.ResponseWriter, r *http.Request, recs []map[string]int, next int) {
		end := next >= 25
		if end {
			next = 20 // the last page's cursor again
		}
		write(w, map[string]any{"data": recs, "next": next, "end_of_stream": end})
	})
	out := t.TempDir()
	evs, err := run(t, realConfig(srv.URL), ingest.Job{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	wantAll(t, ids(t, out), 25)
	if fin := finished(evs); fin.StopReason != paginate.StopDeclaredEnd {
		t.Fatalf("stop %q", fin.StopReason)
	}
}

// TestCursorFromHeaders: the next cursor or URL in a response header.
func TestCursorFromHeaders(t *testing.T) {
	srv := realAPI(t, func(w http.ResponseWriter, r *http.Request, recs []map[string]int, next int) {
		if next < 25 {
			w.Header().Set("X-Next-Cursor", strconv.Itoa(next))
			w.Header().Set("X-Continuation", fmt.Sprintf("/items?cursor=%d", next))
		}
		write(w, map[string]any{"data": recs})
	})
	for _, p := range []spec.PaginationConfig{
		{Type: "cursor", CursorHeader: "X-Next-Cursor"},
		{Type: "next_url", NextURLHeader: "X-Continuation"},
	} {
		t.Run(p.Type, func(t *testing.T) {
			cfg := realConfig(srv.URL)
			cfg.Pagination = p
			out := t.TempDir()
			if _, err := run(t, cfg, ingest.Job{Out: out}); err != nil {
				t.Fatal(err)
			}
			wantAll(t, ids(t, out), 25)
		})
	}
}

// TestTwoPhase: the first page from /export, the rest from
// /export/continue with the cursor where next.in says; and a scroll id that
// never changes.
func TestTwoPhase(t *testing.T) {
	var paths []string
	srv := realAPI(t, func(w http.ResponseWriter, r *http.Request, recs []map[string]int, next int) {
		paths = append(paths, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		switch {
		case r.URL.Path == "/export" && r.URL.Query().Has("cursor"), r.URL.Path == "/export/continue" && r.URL.Query().Get("mode") == "full":
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"wrong phase"}`)
			return
		}
		write(w, map[string]any{"data": recs, "next": strconv.Itoa(next), "more": next < 25})
	})
	cases := []struct {
		name string
		next spec.NextRequest
		want string // the second request
	}{
		{"query", spec.NextRequest{Path: "/export/continue", Params: map[string]string{}}, "GET /export/continue?cursor=10"},
		{"header", spec.NextRequest{Path: "/export/continue", Params: map[string]string{}, In: "header", CursorParam: "X-Cursor"}, "GET /export/continue?"},
		{"body", spec.NextRequest{Path: "/export/continue", Method: "POST", Params: map[string]string{}, In: "body", Body: json.RawMessage(`{"keep":"1m"}`)}, "POST /export/continue?"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			paths = nil
			cfg := realConfig(srv.URL)
			cfg.Path = "/export"
			cfg.Params = map[string]string{"mode": "full"}
			cfg.Pagination = spec.PaginationConfig{Type: "cursor", CursorPath: ".next", StopWhen: ".more | not", Next: tc.next}
			out := t.TempDir()
			if _, err := run(t, cfg, ingest.Job{Out: out}); err != nil {
				t.Fatalf("%v (requests %v)", err, paths)
			}
			wantAll(t, ids(t, out), 25)
			if len(paths) != 3 || paths[0] != "GET /export?mode=full" || paths[1] != tc.want {
				t.Fatalf("requests %v", paths)
			}
		})
	}
	t.Run("repeating scroll id", func(t *testing.T) {
		var pos atomic.Int32
		scroll := realAPI(t, func(w http.ResponseWriter, r *http.Request, _ []map[string]int, _ int) {
			from := int(pos.Load())
			var recs []map[string]int
			for i := from; i < min(from+10, 25); i++ {
				recs = append(recs, map[string]int{"id": i})
			}
			pos.Add(int32(len(recs)))
			write(w, map[string]any{"_scroll_id": "SAME", "hits": map[string]any{"hits": recs}})
		})
		cfg := realConfig(scroll.URL)
		cfg.Records = ".hits.hits"
		cfg.Pagination = spec.PaginationConfig{Type: "cursor", CursorPath: "._scroll_id", CursorRepeats: true,
			Next: spec.NextRequest{Path: "/_search/scroll", Method: "POST", In: "body", CursorParam: "scroll_id"}}
		out := t.TempDir()
		evs, err := run(t, cfg, ingest.Job{Out: out})
		if err != nil {
			t.Fatal(err)
		}
		wantAll(t, ids(t, out), 25)
		if a := anomalies(evs); len(a) > 0 {
			t.Fatalf("anomalies: %+v", a)
		}
	})
}

// TestNoSilentPartialSuccess: fewer records than the API's declared total
// fails the run, unless the profile downgrades it.
func TestNoSilentPartialSuccess(t *testing.T) {
	srv := realAPI(t, func(w http.ResponseWriter, r *http.Request, recs []map[string]int, next int) {
		body := map[string]any{"data": recs, "totalSize": 30} // 5 records the API never gives
		if next < 25 {
			body["next"] = next
		}
		write(w, body)
	})
	for _, warn := range []bool{false, true} {
		t.Run(fmt.Sprint("warn=", warn), func(t *testing.T) {
			cfg := realConfig(srv.URL)
			if warn {
				cfg.Anomalies = map[string]string{spec.AnomalyTotalMismatch: "warn"}
			}
			out := t.TempDir()
			evs, err := run(t, cfg, ingest.Job{Out: out})
			wantAll(t, ids(t, out), 25)
			if warn != (err == nil) {
				t.Fatalf("warn %t: err %v", warn, err)
			}
			if err != nil && !strings.Contains(err.Error(), "ended with 25 records but the API declared 30 (at .totalSize)") {
				t.Fatalf("err %v", err)
			}
			if a := anomalies(evs); len(a) != 1 || !strings.Contains(a[0].What, "total_mismatch") {
				t.Fatalf("anomalies %+v", a)
			}
		})
	}
}

// TestMaxElapsed: retry.max_elapsed, not a count, ends a page's retrying.
// On the fake clock, so that a slow machine's requests do not eat the time.
func TestMaxElapsed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		unavailable := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
		})
		cfg := realConfig("http://api.test")
		cfg.Retry = spec.RetryConfig{MaxElapsed: 300 * time.Millisecond, InitialBackoff: 20 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}
		start := time.Now()
		evs, err := run(t, cfg, ingest.Job{Out: t.TempDir()}, ingest.WithTransport(handlerTransport{unavailable}))
		if err == nil || !strings.Contains(err.Error(), "retry.max_elapsed (300ms)") {
			t.Fatalf("err %v", err)
		}
		retries := 0
		for _, ev := range evs {
			if _, ok := ev.(ingest.RetryScheduled); ok {
				retries++
			}
		}
		// Far more than the old default of 6 attempts: time is the limit.
		if retries < 6 || time.Since(start) > 10*time.Second {
			t.Fatalf("%d retries in %s", retries, time.Since(start))
		}
	})
}

// TestDeclaredTotalOnAStreamedPage: a first page too large to hold (it
// streams) is checked against the total it declares like any other; a
// profile without pagination that gets one page of a larger set fails.
func TestDeclaredTotalOnAStreamedPage(t *testing.T) {
	const n = 2000 // about 200 KiB: past what a streamed page keeps
	pad := strings.Repeat("x", 80)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		var b strings.Builder
		b.WriteString(`{"data":[`)
		for i := 1; i <= n; i++ {
			if i > 1 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":%d,"pad":%q}`, i, pad)
		}
		fmt.Fprintf(&b, `],"total_count":%d}`, 5*n)
		io.WriteString(w, b.String())
	}))
	defer srv.Close()
	cfg := spec.Config{Name: "streamed-total", BaseURL: srv.URL, Records: ".data", PrimaryKey: []string{"id"}}
	out := t.TempDir()
	_, err := run(t, cfg, ingest.Job{Out: out})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("ended with %d records but the API declared %d (at .total_count)", n, 5*n)) {
		t.Fatalf("err %v, want the declared total named", err)
	}
}

// TestNothingFoundOnAStreamedPage: a records path that finds nothing on a
// first page too large to hold fails the run, as on a small page.
func TestNothingFoundOnAStreamedPage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		var b strings.Builder
		b.WriteString(`{"data":[`)
		for i := 1; i <= 2000; i++ {
			if i > 1 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":%d,"pad":%q}`, i, strings.Repeat("x", 80))
		}
		b.WriteString(`]}`)
		io.WriteString(w, b.String())
	}))
	defer srv.Close()
	cfg := spec.Config{Name: "streamed-empty", BaseURL: srv.URL, Records: ".items", PrimaryKey: []string{"id"}}
	_, err := run(t, cfg, ingest.Job{Out: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "records .items found nothing on page 1, a body of") {
		t.Fatalf("err %v, want nothing found named", err)
	}
}
