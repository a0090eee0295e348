package ingest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"siphon/ingest"
	"siphon/ingest/apierror"
	"siphon/ingest/demoapi"
	"siphon/ingest/paginate"
	"siphon/ingest/remedy"
	"siphon/ingest/spec"
	"siphon/ingest/store"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(removingBenchOutputs{m}, goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"), goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))
}

// styleConfigs are profiles for each pagination style of the demo API.
func styleConfigs(base string) map[string]spec.Config {
	cfg := func(path, records string, p spec.PaginationConfig) spec.Config {
		return spec.Config{Name: "t-" + p.Type, BaseURL: base, Path: path, Records: records, PrimaryKey: []string{"id"}, Pagination: p,
			Retry: spec.RetryConfig{InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}, Output: spec.OutputConfig{RawPages: true}}
	}
	return map[string]spec.Config{
		"none":        cfg("/v1/none", ".data", spec.PaginationConfig{Type: "none"}),
		"offset":      cfg("/v1/offset", ".data", spec.PaginationConfig{Type: "offset", Limit: 100, TotalPath: ".total"}),
		"offset-bare": cfg("/v1/offset", ".data[]", spec.PaginationConfig{Type: "offset", Limit: 100}),
		"page":        cfg("/v1/pages", ".items", spec.PaginationConfig{Type: "page", Limit: 100, LimitParam: "per_page", TotalPagesPath: ".total_pages"}),
		"page-bare":   cfg("/v1/pages", ".items", spec.PaginationConfig{Type: "page", Limit: 100, LimitParam: "per_page"}),
		"cursor":      cfg("/v1/cursor", ".data", spec.PaginationConfig{Type: "cursor", Limit: 100, CursorPath: ".pagination.next_cursor"}),
		"next_url":    cfg("/v1/next", ".results", spec.PaginationConfig{Type: "next_url", Limit: 100, NextURLPath: ".next"}),
		"link_header": cfg("/v1/link", ".", spec.PaginationConfig{Type: "link_header", Limit: 100, LimitParam: "per_page"}),
		"keyset":      cfg("/v1/keyset", ".data", spec.PaginationConfig{Type: "keyset", Limit: 100}),
		"timestamp":   cfg("/v1/timestamp", ".data", spec.PaginationConfig{Type: "timestamp", Limit: 100, Param: "updated_since", Inclusive: true}),
	}
}

// run runs cfg to its end and returns its events and error.
func run(t *testing.T, cfg spec.Config, job ingest.Job, opts ...ingest.Option) ([]ingest.Event, error) {
	t.Helper()
	c, err := ingest.New(cfg, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return runClient(c, job)
}

// runClient runs c to its end, its events in order; it reports nothing
// itself, so that a goroutine other than the test's may call it.
func runClient(c *ingest.Client, job ingest.Job) ([]ingest.Event, error) {
	r := c.Start(context.Background(), job)
	var evs []ingest.Event
	for ev := range r.Events() {
		evs = append(evs, ev)
	}
	return evs, r.Wait()
}

// readIDs reads the ids of records.jsonl in order.
func readIDs(t *testing.T, dir string) []int64 {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, store.RecordsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ids []int64
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec struct {
			ID int64 `json:"id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("records.jsonl line %d: %v", len(ids)+1, err)
		}
		ids = append(ids, rec.ID)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// exactlyOnce checks that ids are 1..n, each once.
func exactlyOnce(t *testing.T, ids []int64, n int) {
	t.Helper()
	seen := make(map[int64]int, len(ids))
	for _, id := range ids {
		seen[id]++
	}
	var missing, dup []int64
	for id := int64(1); id <= int64(n); id++ {
		switch seen[id] {
		case 0:
			missing = append(missing, id)
		case 1:
		default:
			dup = append(dup, id)
		}
	}
	if len(missing) > 0 || len(dup) > 0 || len(ids) != n {
		t.Fatalf("%d records for %d ids: missing %v, duplicated %v", len(ids), n, head(missing), head(dup))
	}
}

func head(ids []int64) []int64 {
	if len(ids) > 10 {
		return ids[:10]
	}
	return ids
}

func lastEvent[T ingest.Event](evs []ingest.Event) (T, bool) {
	var zero T
	for i := len(evs) - 1; i >= 0; i-- {
		if e, ok := evs[i].(T); ok {
			return e, true
		}
	}
	return zero, false
}

func TestEveryPaginationStyle(t *testing.T) {
	const n = 1037 // not a multiple of the page size
	srv := demoapi.NewServer(demoapi.Options{Records: n})
	defer srv.Close()
	want := map[string]string{
		// Without a total, offset and page walks end on an empty page
		// (pagination.end_on: empty_page), no longer on the short last one.
		"none": paginate.StopSingle, "offset": paginate.StopTotalReached, "offset-bare": paginate.StopEmptyPage,
		"page": paginate.StopLastPage, "page-bare": paginate.StopEmptyPage, "cursor": paginate.StopNoCursor,
		"next_url": paginate.StopNoNextURL, "link_header": paginate.StopNoLink, "keyset": paginate.StopShortPage,
		"timestamp": paginate.StopShortPage,
	}
	for name, cfg := range styleConfigs(srv.URL) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			evs, err := run(t, cfg, ingest.Job{Out: dir})
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			exactlyOnce(t, readIDs(t, dir), n)
			fin, _ := lastEvent[ingest.Finished](evs)
			if fin.StopReason != want[name] {
				t.Errorf("stop reason %q, want %q", fin.StopReason, want[name])
			}
			if fin.Records != n {
				t.Errorf("Finished.Records = %d, want %d", fin.Records, n)
			}
			cp, err := store.At(dir).ReadCheckpoint()
			if err != nil || cp == nil || !cp.Done {
				t.Fatalf("checkpoint %+v, %v: want a done checkpoint", cp, err)
			}
			index, err := os.ReadFile(filepath.Join(dir, store.PagesDir, store.IndexFile))
			if err != nil {
				t.Fatal(err)
			}
			if lines := strings.Count(string(index), "\n"); lines != cp.Pages {
				t.Errorf("pages/index.jsonl has %d lines, checkpoint says %d pages", lines, cp.Pages)
			}
		})
	}
}

// TestRecordsAreByteExact checks that records keep the API's bytes: key
// order, number text, integers beyond float64's precision.
func TestRecordsAreByteExact(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 20})
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/v1/none")
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Data []json.RawMessage }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, expr := range []string{".data", ".data[] | select(.id > 0)"} {
		cfg := styleConfigs(srv.URL)["cursor"]
		cfg.Records = expr
		cfg.Pagination.Limit = 7
		dir := t.TempDir()
		if _, err := run(t, cfg, ingest.Job{Out: dir}); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(filepath.Join(dir, store.RecordsFile))
		lines := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
		if len(lines) != len(body.Data) {
			t.Fatalf("%s: %d lines, want %d", expr, len(lines), len(body.Data))
		}
		for i, want := range body.Data {
			if lines[i] != string(want) {
				t.Errorf("%s: line %d\n got %s\nwant %s", expr, i+1, lines[i], want)
			}
		}
		if !strings.Contains(string(got), `"counter":9223372036854775807`) || !strings.Contains(string(got), `"external_id":9007199254740994`) {
			t.Errorf("%s: big integers changed", expr)
		}
	}
}

func TestFailuresSayWhatAndWhere(t *testing.T) {
	var hits atomic.Int32
	handler := func(status int, ctype, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.Header().Set("Content-Type", ctype)
			w.WriteHeader(status)
			w.Write([]byte(body))
		}
	}
	cases := []struct {
		name     string
		h        http.HandlerFunc
		attempts int32
		says     []string
	}{
		{"html page", handler(200, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>"), 3,
			[]string{"page 1", "GET http://", "text/html, not JSON", "after 3 attempts", "502 Bad Gateway"}},
		{"truncated json", handler(200, "application/json", `{"data": [{"id": 1}, {"id"`), 3,
			[]string{"page 1", "not valid JSON"}},
		{"not found", handler(404, "application/json", `{"error": "no such thing"}`), 1,
			[]string{"page 1", "HTTP 404", "check base_url and path", "no such thing"}},
		{"unauthorized", handler(401, "application/json", `{"error": "bad key"}`), 1,
			[]string{"HTTP 401", "credentials were refused"}},
		{"records not objects", handler(200, "application/json", `{"data": [1, 2, 3]}`), 1,
			[]string{"records .data", "record 1 is a number"}},
		{"server error", handler(503, "application/json", `{"error": "down"}`), 3,
			[]string{"HTTP 503", "after 3 attempts"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hits.Store(0)
			srv := httptest.NewServer(tc.h)
			defer srv.Close()
			cfg := spec.Config{Name: "t", BaseURL: srv.URL + "/api?api_key=s3cr3t-value", Records: ".data",
				Auth:       spec.AuthConfig{Type: "api_key", Name: "api_key", In: "query", Value: spec.NewSecret("${K}", "s3cr3t-value")},
				Pagination: spec.PaginationConfig{Type: "cursor", CursorPath: ".next"},
				Retry:      spec.RetryConfig{MaxAttempts: 3, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond}}
			dir := t.TempDir()
			_, err := run(t, cfg, ingest.Job{Out: dir})
			if err == nil {
				t.Fatal("run succeeded")
			}
			for _, s := range tc.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
			if strings.Contains(err.Error(), "s3cr3t-value") {
				t.Errorf("error leaks the secret: %s", err)
			}
			if got := hits.Load(); got != tc.attempts {
				t.Errorf("%d requests, want %d", got, tc.attempts)
			}
			var pe *apierror.PageError
			if !errors.As(err, &pe) && tc.name != "records not objects" {
				t.Errorf("error is %T, want *apierror.PageError", err)
			}
		})
	}
}

func TestLoopIsCaught(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 100})
	defer srv.Close()
	cfg := styleConfigs(srv.URL)["cursor"]
	cfg.Path = "/v1/loop"
	cfg.Pagination.Limit = 20
	dir := t.TempDir()
	evs, err := run(t, cfg, ingest.Job{Out: dir})
	if err == nil || !strings.Contains(err.Error(), "pagination loop") {
		t.Fatalf("got %v, want a pagination loop error", err)
	}
	an, ok := lastEvent[ingest.Anomaly](evs)
	if !ok || !strings.Contains(an.What, "as page") {
		t.Errorf("no loop anomaly event: %+v", an)
	}
	// The pages before the loop are kept, each record once.
	ids := readIDs(t, dir)
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("id %d twice", id)
		}
		seen[id] = true
	}
}

func TestMaxPagesThenResume(t *testing.T) {
	const n = 950
	srv := demoapi.NewServer(demoapi.Options{Records: n})
	defer srv.Close()
	for _, style := range []string{"cursor", "offset", "page", "next_url", "link_header", "keyset", "timestamp"} {
		t.Run(style, func(t *testing.T) {
			cfg := styleConfigs(srv.URL)[style]
			dir := t.TempDir()
			for i := 0; i < 3; i++ {
				evs, err := run(t, cfg, ingest.Job{Out: dir, MaxPages: 3})
				if err != nil {
					t.Fatal(err)
				}
				fin, _ := lastEvent[ingest.Finished](evs)
				if fin.StopReason != paginate.StopMaxPages || fin.Pages != 3*(i+1) {
					t.Fatalf("run %d: stop %q after %d pages", i, fin.StopReason, fin.Pages)
				}
			}
			if _, err := run(t, cfg, ingest.Job{Out: dir}); err != nil {
				t.Fatal(err)
			}
			exactlyOnce(t, readIDs(t, dir), n)
		})
	}
}

func TestCancelSavesCheckpointAndResumes(t *testing.T) {
	const n = 2000
	// Pages of 10 ms: the fifth page's event reaches the reader (within
	// 5 ms, events go in batches) while the run goes on.
	srv := demoapi.NewServer(demoapi.Options{Records: n, Latency: 10 * time.Millisecond})
	defer srv.Close()
	cfg := styleConfigs(srv.URL)["cursor"]
	cfg.Pagination.Limit = 50
	dir := t.TempDir()
	c, err := ingest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Start(context.Background(), ingest.Job{Out: dir})
	pages := 0
	for ev := range r.Events() {
		if _, ok := ev.(ingest.PageFetched); ok {
			if pages++; pages == 5 {
				r.Cancel()
			}
		}
	}
	if err := r.Wait(); !errors.Is(err, ingest.ErrCanceled) {
		t.Fatalf("Wait = %v, want ErrCanceled", err)
	}
	cp, err := store.At(dir).ReadCheckpoint()
	if err != nil || cp == nil || cp.Done || cp.Pages < 5 {
		t.Fatalf("checkpoint after cancel: %+v %v", cp, err)
	}
	if _, err := run(t, cfg, ingest.Job{Out: dir}); err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, readIDs(t, dir), n)
}

func TestPauseAndResume(t *testing.T) {
	const n = 1000
	// Pages of 20 ms: the first page's event reaches the reader (within
	// 5 ms, events go in batches) while the run goes on.
	srv := demoapi.NewServer(demoapi.Options{Records: n, Latency: 20 * time.Millisecond})
	defer srv.Close()
	cfg := styleConfigs(srv.URL)["cursor"]
	c, err := ingest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Start(context.Background(), ingest.Job{Out: t.TempDir()})
	var kinds []string
	paused := false
	for ev := range r.Events() {
		switch ev.(type) {
		case ingest.PageFetched:
			if !paused {
				paused = true
				r.Pause()
			}
		case ingest.Paused:
			before := srv.Stats().Requests
			if s := r.Snapshot(); s.State != ingest.StatePaused {
				t.Errorf("state %s while paused", s.State)
			}
			if s := r.Snapshot(); s.LastCheckpoint.IsZero() {
				t.Error("no checkpoint before pausing")
			}
			if after := srv.Stats().Requests; after != before {
				t.Errorf("%d requests while paused", after-before)
			}
			r.Resume()
		}
		kinds = append(kinds, ev.Kind())
	}
	if err := r.Wait(); err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(kinds, " ")
	if !strings.Contains(joined, "paused resumed") {
		t.Errorf("events %s: want paused then resumed", joined)
	}
}

func TestIncrementalRunsFetchOnlyNewRecords(t *testing.T) {
	for _, style := range []string{"keyset", "timestamp"} {
		t.Run(style, func(t *testing.T) {
			srv := demoapi.NewServer(demoapi.Options{Records: 500})
			defer srv.Close()
			cfg := styleConfigs(srv.URL)[style]
			dir := t.TempDir()
			if _, err := run(t, cfg, ingest.Job{Out: dir}); err != nil {
				t.Fatal(err)
			}
			exactlyOnce(t, readIDs(t, dir), 500)
			// Record 501 shares record 500's timestamp (ids 499-501 share one).
			srv.Append(7)
			evs, err := run(t, cfg, ingest.Job{Out: dir})
			if err != nil {
				t.Fatal(err)
			}
			exactlyOnce(t, readIDs(t, dir), 507)
			if fin, _ := lastEvent[ingest.Finished](evs); fin.Records != 507 {
				t.Errorf("Finished.Records = %d, want 507", fin.Records)
			}
			// Nothing new: nothing appended.
			if _, err := run(t, cfg, ingest.Job{Out: dir}); err != nil {
				t.Fatal(err)
			}
			exactlyOnce(t, readIDs(t, dir), 507)
		})
	}
}

func TestCompletedRunIsNotRepeated(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 300})
	defer srv.Close()
	cfg := styleConfigs(srv.URL)["cursor"]
	dir := t.TempDir()
	if _, err := run(t, cfg, ingest.Job{Out: dir}); err != nil {
		t.Fatal(err)
	}
	before := srv.Stats().Requests
	evs, err := run(t, cfg, ingest.Job{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	if fin, _ := lastEvent[ingest.Finished](evs); fin.StopReason != ingest.StopAlreadyDone {
		t.Errorf("stop reason %q", fin.StopReason)
	}
	if srv.Stats().Requests != before {
		t.Error("a complete run fetched again")
	}
	// --fresh moves the old output aside and starts over.
	if _, err := run(t, cfg, ingest.Job{Out: dir, Fresh: true}); err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, readIDs(t, dir), 300)
	old, _ := filepath.Glob(dir + ".old-*")
	if len(old) != 1 {
		t.Fatalf("old output not kept aside: %v", old)
	}
	exactlyOnce(t, readIDs(t, old[0]), 300)
}

func TestChangedProfileIsRefused(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 300})
	defer srv.Close()
	cfg := styleConfigs(srv.URL)["cursor"]
	dir := t.TempDir()
	if _, err := run(t, cfg, ingest.Job{Out: dir, MaxPages: 1}); err != nil {
		t.Fatal(err)
	}
	harmless := cfg
	harmless.Retry.MaxAttempts = 9
	harmless.Timeout = time.Minute
	if _, err := run(t, harmless, ingest.Job{Out: dir, MaxPages: 1}); err != nil {
		t.Fatalf("a retry/timeout change was refused: %v", err)
	}
	changed := cfg
	changed.Records = ".data[]"
	_, err := run(t, changed, ingest.Job{Out: dir})
	var pc *ingest.ProfileChangedError
	if !errors.As(err, &pc) || !strings.Contains(err.Error(), "records was \".data\", is now \".data[]\"") || !slices.Contains(remedy.Of(err), remedy.StartOver) {
		t.Fatalf("got %v, want a ProfileChangedError naming records", err)
	}
}

func TestDamagedCheckpointIsRefused(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 300})
	defer srv.Close()
	cfg := styleConfigs(srv.URL)["cursor"]
	cases := map[string]func(path string) error{
		"torn": func(path string) error {
			b, _ := os.ReadFile(path)
			return os.WriteFile(path, b[:len(b)/2], 0o600)
		},
		"edited": func(path string) error {
			b, _ := os.ReadFile(path)
			return os.WriteFile(path, []byte(strings.Replace(string(b), `"pages": 1`, `"pages": 2`, 1)), 0o600)
		},
		"foreign": func(path string) error {
			return os.WriteFile(path, []byte(`{"hello": "world"}`), 0o600)
		},
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := run(t, cfg, ingest.Job{Out: dir, MaxPages: 1}); err != nil {
				t.Fatal(err)
			}
			if err := damage(filepath.Join(dir, store.CheckpointFile)); err != nil {
				t.Fatal(err)
			}
			_, err := run(t, cfg, ingest.Job{Out: dir})
			if !errors.Is(err, store.ErrCheckpointDamaged) || !slices.Contains(remedy.Of(err), remedy.StartOver) {
				t.Fatalf("got %v, want ErrCheckpointDamaged with a way out", err)
			}
		})
	}
}

// TestExclusiveTimestampTiesAreReported: with inclusive: false an API that
// returns field > param skips the records that share the last value of a
// page. siphon cannot fetch them, but it must say so.
func TestExclusiveTimestampTiesAreReported(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 1037})
	defer srv.Close()
	cfg := styleConfigs(srv.URL)["timestamp"]
	cfg.Pagination.Param, cfg.Pagination.Inclusive = "updated_after", false
	evs, err := run(t, cfg, ingest.Job{Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	an, ok := lastEvent[ingest.Anomaly](evs)
	if !ok || an.Page != 1 || !strings.Contains(an.What, "inclusive: true") || an.Action != "continued" {
		t.Fatalf("anomaly %+v, want one on page 1 that suggests inclusive: true", an)
	}
}

func TestSnapshotKnowsTheTotal(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 321})
	defer srv.Close()
	for style, want := range map[string][2]int64{"offset": {321, 0}, "page": {0, 4}} {
		c, err := ingest.New(styleConfigs(srv.URL)[style])
		if err != nil {
			t.Fatal(err)
		}
		r := c.Start(context.Background(), ingest.Job{Out: t.TempDir()})
		for range r.Events() {
		}
		if err := r.Wait(); err != nil {
			t.Fatal(err)
		}
		if s := r.Snapshot(); s.TotalRecords != want[0] || s.TotalPages != want[1] {
			t.Errorf("%s: total records %d, pages %d; want %v", style, s.TotalRecords, s.TotalPages, want)
		}
	}
}
