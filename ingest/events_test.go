package ingest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"siphon/ingest"
	"siphon/ingest/spec"
)

// TestEventsComeBeforeTheRunWaits: a walk hands its events over in groups,
// and keeps none past handOverEvery while it waits for an answer. The API
// here answers page n only once the reader has seen page n's request go
// out, after page n-1 and its checkpoint: held for the whole wait, the run
// would stall.
func TestEventsComeBeforeTheRunWaits(t *testing.T) {
	const pages = 5
	asked := make(chan int, 1) // the page the reader saw requested
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := 1
		fmt.Sscan(r.URL.Query().Get("cursor"), &n)
		select {
		case seen := <-asked:
			if seen != n {
				http.Error(w, fmt.Sprintf("the reader saw page %d asked for, not %d", seen, n), http.StatusTeapot)
				return
			}
		case <-r.Context().Done():
			return
		}
		writeNumberedPage(w, n, pages)
	}))
	defer srv.Close()
	cfg := spec.Config{Name: "held-events", BaseURL: srv.URL, Path: "/items", Records: ".data",
		Pagination: spec.PaginationConfig{Type: "cursor", CursorPath: ".next"}, Retry: spec.RetryConfig{MaxAttempts: 1}}
	c, err := ingest.New(cfg, ingest.WithCommitInterval(0)) // a checkpoint event every page
	if err != nil {
		t.Fatal(err)
	}
	r := c.Start(context.Background(), ingest.Job{Out: t.TempDir()})
	fetched, saved := 0, 0
	for {
		var ev ingest.Event
		var ok bool
		select {
		case ev, ok = <-r.Events():
		case <-time.After(time.Minute): // only a failure waits this long
			t.Fatalf("no event for a minute after page %d: the run holds its events while it waits", fetched)
		}
		if !ok {
			break
		}
		switch e := ev.(type) {
		case ingest.RequestSent:
			if e.Page != fetched+1 || saved != fetched {
				t.Errorf("page %d requested after %d pages fetched and %d checkpoints", e.Page, fetched, saved)
			}
			asked <- e.Page
		case ingest.PageFetched:
			fetched++
		case ingest.CheckpointSaved:
			saved = e.Pages
		}
	}
	if err := r.Wait(); err != nil || fetched != pages {
		t.Fatalf("%d pages, %v; want %d pages", fetched, err, pages)
	}
}

// writeNumberedPage answers page n of pages: one record, id n, and the
// next page's number as its cursor (null on the last), for a profile of
// cursor paging with cursor_path .next.
func writeNumberedPage(w http.ResponseWriter, n, pages int) {
	next := "null"
	if n < pages {
		next = fmt.Sprint(n + 1)
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"data":[{"id":%d}],"next":%s}`, n, next)
}
