package ingest_test

import (
	"net/http"
	"strings"
	"testing"

	"siphon/ingest"
)

// TestDeclaredTotalShapes: a total declared in any of the usual shapes and
// places that exceeds what was fetched fails the run with total_mismatch,
// naming where it was declared; one the walk reaches does not.
func TestDeclaredTotalShapes(t *testing.T) {
	cases := []struct {
		name    string
		records string
		body    func(recs []map[string]int) map[string]any
		wantErr string // "" when the run completes
		limit   int
	}{
		{"elasticsearch lower bound above the data", ".hits.hits", func(recs []map[string]int) map[string]any {
			return map[string]any{"hits": map[string]any{"total": map[string]any{"value": 40, "relation": "gte"}, "hits": recs}}
		}, "ended with 25 records but the API declared at least 40 (at .hits.total)", 0},
		{"elasticsearch lower bound reached", ".hits.hits", func(recs []map[string]int) map[string]any {
			return map[string]any{"hits": map[string]any{"total": map[string]any{"value": 20, "relation": "gte"}, "hits": recs}}
		}, "", 0},
		{"elasticsearch exact object", ".hits.hits", func(recs []map[string]int) map[string]any {
			return map[string]any{"hits": map[string]any{"total": map[string]any{"value": 30, "relation": "eq"}, "hits": recs}}
		}, "declared 30 (at .hits.total)", 0},
		{"elasticsearch 6 number", ".hits.hits", func(recs []map[string]int) map[string]any {
			return map[string]any{"hits": map[string]any{"total": 30, "hits": recs}}
		}, "declared 30 (at .hits.total)", 0},
		{"count", ".data", func(recs []map[string]int) map[string]any {
			return map[string]any{"count": 31, "data": recs}
		}, "declared 31 (at .count)", 0},
		{"count that echoes the limit", ".data", func(recs []map[string]int) map[string]any {
			return map[string]any{"count": 40, "data": recs}
		}, "", 40},
		{"top-level {value, relation}", ".data", func(recs []map[string]int) map[string]any {
			return map[string]any{"total": map[string]any{"value": 26, "relation": "eq"}, "data": recs}
		}, "declared 26 (at .total)", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := realAPI(t, func(w http.ResponseWriter, r *http.Request, recs []map[string]int, next int) {
				body := tc.body(recs)
				if next < 25 {
					body["next"] = next
				}
				write(w, body)
			})
			cfg := realConfig(srv.URL)
			cfg.Records = tc.records
			cfg.Pagination.Limit = tc.limit
			out := t.TempDir()
			evs, err := run(t, cfg, ingest.Job{Out: out})
			wantAll(t, ids(t, out), 25)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if a := anomalies(evs); len(a) > 0 {
					t.Fatalf("anomalies %+v", a)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "total_mismatch") {
				t.Fatalf("err %v, want %q", err, tc.wantErr)
			}
		})
	}
}
