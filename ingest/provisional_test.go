package ingest_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"siphon/ingest"
	"siphon/ingest/spec"
)

// TestCutBodyIsNotWrittenTwice: records stream into records.jsonl while a
// body is read, so a body cut short has written some already. The retry
// must take them back, also when they reached the file (more than the
// write buffer holds), and the page must come out exactly once.
func TestCutBodyIsNotWrittenTwice(t *testing.T) {
	for _, n := range []int{50, 20_000} { // in the buffer; past it, on disk
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var body strings.Builder
			body.WriteString(`{"data":[`)
			for i := 1; i <= n; i++ {
				if i > 1 {
					body.WriteByte(',')
				}
				fmt.Fprintf(&body, `{"id":%d,"pad":"%s"}`, i, strings.Repeat("p", 40))
			}
			body.WriteString(`]}`)
			full := body.String()
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if calls.Add(1) > 1 {
					w.Write([]byte(full))
					return
				}
				// The first answer promises the whole body and sends 90% of it.
				w.Header().Set("Content-Length", fmt.Sprint(len(full)))
				w.WriteHeader(http.StatusOK)
				conn, buf, err := http.NewResponseController(w).Hijack()
				if err != nil {
					t.Error(err)
					return
				}
				buf.Flush()
				bw := bufio.NewWriter(conn)
				bw.WriteString(full[:len(full)*9/10])
				bw.Flush()
				conn.Close()
			}))
			defer srv.Close()
			cfg := spec.Config{Name: "cut", BaseURL: srv.URL, Records: ".data", PrimaryKey: []string{"id"},
				Pagination: spec.PaginationConfig{Type: "none"},
				Retry:      spec.RetryConfig{MaxAttempts: 2, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond}}
			dir := t.TempDir()
			evs, err := run(t, cfg, ingest.Job{Out: dir})
			if err != nil {
				t.Fatal(err)
			}
			if calls.Load() != 2 {
				t.Fatalf("%d requests, want 2 (the cut one and its retry)", calls.Load())
			}
			if _, ok := lastEvent[ingest.RetryScheduled](evs); !ok {
				t.Error("no retry event for the cut body")
			}
			exactlyOnce(t, readIDs(t, dir), n)
		})
	}
}
