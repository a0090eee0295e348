package ingest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	"siphon/ingest/spec"
)

// hideEvery hides, in capped, the records whose id is a multiple of it:
// about one page in two of 50 comes back short.
const hideEvery = 97

// capped is the demo API with a deep-paging cap of 400 records and some
// records hidden (short pages, no totals).
func capped(t *testing.T, records int) *demoapi.Server {
	t.Helper()
	srv := demoapi.NewServer(demoapi.Options{Records: records, Faults: demoapi.Faults{OffsetCap: 400, HideEvery: hideEvery}})
	t.Cleanup(srv.Close)
	return srv
}

// visibleIDs are the ids the capped API serves: 1..n but the hidden.
func visibleIDs(n int) []int64 {
	var ids []int64
	for id := int64(1); id <= int64(n); id++ {
		if id%hideEvery != 0 {
			ids = append(ids, id)
		}
	}
	return ids
}

// sameOnce fails unless got holds each of want exactly once.
func sameOnce(t *testing.T, got, want []int64) {
	t.Helper()
	count := map[int64]int{}
	for _, id := range got {
		count[id]++
	}
	var missing, dup, extra []int64
	for _, id := range want {
		switch count[id] {
		case 0:
			missing = append(missing, id)
		case 1:
		default:
			dup = append(dup, id)
		}
		delete(count, id)
	}
	for id := range count {
		extra = append(extra, id)
	}
	slices.Sort(extra)
	if len(missing)+len(dup)+len(extra) > 0 || len(got) != len(want) {
		t.Fatalf("%d records for %d visible ids: missing %v, duplicated %v, not visible %v", len(got), len(want), head(missing), head(dup), head(extra))
	}
}

// restartConfig walks the capped API by offset or page number with
// pagination.restart; after is the cap siphon knows of (past the API's
// 400, the API's error restarts the walk).
func restartConfig(base, style string, after int) spec.Config {
	cfg := spec.Config{Name: "restart-" + style, BaseURL: base, PrimaryKey: []string{"id"},
		Retry:  spec.RetryConfig{InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond},
		Output: spec.OutputConfig{RawPages: true}}
	restart := spec.Restart{After: after, Params: map[string]string{"id_gte": "${last.id}"}}
	switch style {
	case "offset":
		cfg.Path, cfg.Records = "/v1/offset", ".data"
		cfg.Pagination = spec.PaginationConfig{Type: "offset", Limit: 50, Restart: restart}
	case "page":
		cfg.Path, cfg.Records = "/v1/pages", ".items"
		cfg.Pagination = spec.PaginationConfig{Type: "page", Limit: 50, LimitParam: "per_page", Restart: restart}
	}
	return cfg
}

func restarts(evs []ingest.Event) []ingest.Restarted {
	var out []ingest.Restarted
	for _, ev := range evs {
		if r, ok := ev.(ingest.Restarted); ok {
			out = append(out, r)
		}
	}
	return out
}

// TestRestartEveryVisibleRecordOnce: offset and page walks of an API that
// caps paging at 400 records and hides records on some pages get every
// visible record exactly once, whether siphon restarts before the cap
// (after: 400) or on the API's cap error (after past it); each restart is
// an event saying where and with what.
func TestRestartEveryVisibleRecordOnce(t *testing.T) {
	const n = 1500
	srv := capped(t, n)
	for _, style := range []string{"offset", "page"} {
		for _, tc := range []struct {
			name  string
			after int
			cause string
		}{{"before the cap", 400, "pagination.restart.after 400"}, {"on the cap error", 1_000_000, "the API's pagination cap: HTTP 400"}} {
			t.Run(style+" "+tc.name, func(t *testing.T) {
				out := t.TempDir()
				evs, err := run(t, restartConfig(srv.URL, style, tc.after), ingest.Job{Out: out})
				if err != nil {
					t.Fatal(err)
				}
				sameOnce(t, readIDs(t, out), visibleIDs(n))
				rs := restarts(evs)
				if len(rs) < 3 {
					t.Fatalf("%d restarts for %d records under a cap of 400", len(rs), n)
				}
				for i, r := range rs {
					if r.Restart != i+1 || r.Cause != tc.cause || !strings.HasPrefix(r.Params, "id_gte=") {
						t.Errorf("restart event %d: %+v", i+1, r)
					}
				}
			})
		}
	}
}

// TestRestartResumesAtEveryPage: a walk stopped after every single page
// (--max-pages 1 again and again) resumes across its restarts, also from a
// checkpoint taken between a restart and the first page after it, and
// still writes every visible record once.
func TestRestartResumesAtEveryPage(t *testing.T) {
	const n = 1000
	srv := capped(t, n)
	for _, tc := range []struct {
		style string
		after int
	}{{"offset", 400}, {"offset", 1_000_000}, {"page", 400}} {
		t.Run(fmt.Sprintf("%s after %d", tc.style, tc.after), func(t *testing.T) {
			cfg := restartConfig(srv.URL, tc.style, tc.after)
			out := t.TempDir()
			restartsSeen := 0
			for i := 0; ; i++ {
				if i > 100 {
					t.Fatal("no end after 100 runs")
				}
				evs, err := run(t, cfg, ingest.Job{Out: out, MaxPages: 1})
				if err != nil {
					t.Fatalf("run %d: %v", i+1, err)
				}
				restartsSeen += len(restarts(evs))
				fin, _ := lastEvent[ingest.Finished](evs)
				if fin.StopReason != "max_pages" {
					break
				}
			}
			if restartsSeen < 2 {
				t.Fatalf("%d restarts", restartsSeen)
			}
			sameOnce(t, readIDs(t, out), visibleIDs(n))
		})
	}
}

// TestRestartInPartitions: each id window restarts on its own (windows of
// 600 under a cap of 400), and together they hold every visible record once.
func TestRestartInPartitions(t *testing.T) {
	const n = 1800
	srv := capped(t, n)
	cfg := windowsConfig(srv.URL, n, 600, 2)
	cfg.Pagination = spec.PaginationConfig{Type: "offset", Limit: 50, Restart: spec.Restart{After: 1_000_000, Params: map[string]string{"id_gte": "${last.id}"}}}
	out := t.TempDir()
	evs, err := run(t, cfg, ingest.Job{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	ids, per := partitionIDs(t, out)
	sameOnce(t, ids, visibleIDs(n))
	if len(per) != 3 {
		t.Fatalf("%d partitions", len(per))
	}
	parts := map[string]int{}
	for _, r := range restarts(evs) {
		parts[r.Partition]++
	}
	if len(parts) != 3 {
		t.Fatalf("restarts by partition: %v", parts)
	}
}

// TestRestartRefusesBadInputs: what cannot restart stops the run with a
// clear error, after writing no record twice and losing none before it.
func TestRestartRefusesBadInputs(t *testing.T) {
	t.Run("params name a field the records lack", func(t *testing.T) {
		srv := capped(t, 300)
		cfg := restartConfig(srv.URL, "offset", 100)
		cfg.Pagination.Restart.Params = map[string]string{"id_gte": "${last.nope}"}
		out := t.TempDir()
		_, err := run(t, cfg, ingest.Job{Out: out})
		if err == nil || !strings.Contains(err.Error(), "page 2") || !strings.Contains(err.Error(), "has no field nope") {
			t.Fatalf("error %v, want one naming page 2 and the field nope", err)
		}
		// Page 1 is saved, page 2 is not: the next run fetches it again.
		sameOnce(t, readIDs(t, out), visibleIDs(50))
	})
	t.Run("an API that ignores the params", func(t *testing.T) {
		srv := capped(t, 300)
		cfg := restartConfig(srv.URL, "offset", 100)
		cfg.Pagination.Restart.Params = map[string]string{"since": "${last.id}"} // the demo API has no since
		out := t.TempDir()
		_, err := run(t, cfg, ingest.Job{Out: out})
		if err == nil || !strings.Contains(err.Error(), "ignores the restart parameters") {
			t.Fatalf("error %v, want the API ignoring the params", err)
		}
		sameOnce(t, readIDs(t, out), visibleIDs(100)) // pages 1 and 2
	})
	t.Run("a restart that makes no progress", func(t *testing.T) {
		// Ten records share the restart field and the API caps at offset
		// 10: the second restart would send what the first did.
		srv := stuckAPI(t, http.StatusBadRequest)
		cfg := restartConfig(srv.URL, "offset", 1_000_000)
		cfg.Pagination.Limit = 10
		cfg.Pagination.Restart.Params = map[string]string{"grp_gte": "${last.grp}"}
		out := t.TempDir()
		evs, err := run(t, cfg, ingest.Job{Out: out})
		if err == nil || !strings.Contains(err.Error(), "made no progress") {
			t.Fatalf("error %v, want no progress", err)
		}
		if rs := restarts(evs); len(rs) != 1 {
			t.Fatalf("%d restarts, want 1 before the refusal", len(rs))
		}
		sameOnce(t, readIDs(t, out), []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	})
	t.Run("a cap error with status 200 is no cap", func(t *testing.T) {
		srv := stuckAPI(t, http.StatusOK)
		cfg := restartConfig(srv.URL, "offset", 1_000_000)
		cfg.Pagination.Limit = 10
		out := t.TempDir()
		evs, err := run(t, cfg, ingest.Job{Out: out})
		if err == nil || !strings.Contains(err.Error(), "Pagination limit reached") {
			t.Fatalf("error %v, want the API's message", err)
		}
		if rs := restarts(evs); len(rs) != 0 {
			t.Fatalf("restarted on a 200: %+v", rs)
		}
		sameOnce(t, readIDs(t, out), []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	})
}

// stuckAPI serves ids 1..10, all of group "a", at offset 0 whatever the
// filter, and answers any later offset with a cap error of the given status.
func stuckAPI(t *testing.T, capStatus int) *httptest.Server {
	t.Helper()
	var served atomic.Int64 // in every body, so no two are the same
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if off, _ := strconv.Atoi(r.URL.Query().Get("offset")); off > 0 {
			w.WriteHeader(capStatus)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "Pagination limit reached for offset model"})
			return
		}
		recs := make([]map[string]any, 10)
		for i := range recs {
			recs[i] = map[string]any{"id": i + 1, "grp": "a"}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"data": recs, "served": served.Add(1)})
	}))
	t.Cleanup(srv.Close)
	return srv
}
