package ingest_test

import (
	"context"
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

// TestEveryAttemptHasItsTimeout: a walk bounds each of its requests by the
// profile's timeout, however many came before it. The API answers every
// request at once except the first attempt at pages 3 and 5, which it
// holds until the client gives up: each is retried after "no answer
// within the timeout", and the walk ends with every page once.
func TestEveryAttemptHasItsTimeout(t *testing.T) {
	const pages = 6
	var held [pages + 1]atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := 1
		fmt.Sscan(r.URL.Query().Get("cursor"), &n)
		if (n == 3 || n == 5) && !held[n].Swap(true) {
			<-r.Context().Done() // the client's timeout ends it
			return
		}
		writeNumberedPage(w, n, pages)
	}))
	defer srv.Close()
	cfg := spec.Config{Name: "timeouts", BaseURL: srv.URL, Path: "/items", Records: ".data", Timeout: 200 * time.Millisecond,
		Pagination: spec.PaginationConfig{Type: "cursor", CursorPath: ".next"},
		Retry:      spec.RetryConfig{MaxAttempts: 3, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond}}
	c, err := ingest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Start(context.Background(), ingest.Job{Out: t.TempDir()})
	var retried []int
	for ev := range r.Events() {
		if rs, ok := ev.(ingest.RetryScheduled); ok {
			if !strings.Contains(rs.Cause, "no answer within the 200ms timeout") {
				t.Errorf("page %d was retried for %q, want the timeout", rs.Page, rs.Cause)
			}
			retried = append(retried, rs.Page)
		}
	}
	if err := r.Wait(); err != nil {
		t.Fatal(err)
	}
	if s := r.Snapshot(); s.Pages != pages || s.Records != pages {
		t.Errorf("%d pages, %d records; want %d of each", s.Pages, s.Records, pages)
	}
	if fmt.Sprint(retried) != "[3 5]" {
		t.Errorf("retried pages %v, want [3 5]", retried)
	}
}
