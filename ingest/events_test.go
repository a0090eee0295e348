package ingest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
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

// TestPageEventSample: a page event's sample is the page's last
// SampleRecords records, each exactly as written to records.jsonl, however
// the body was sent: compact (the sample shares the preview's buffer),
// with white space the records lose, or longer than the preview.
func TestPageEventSample(t *testing.T) {
	// named sends n records with the names given, compact.
	named := func(name func(int) string) func(int) (string, []string) {
		return func(n int) (string, []string) {
			var recs []string
			for i := range n {
				recs = append(recs, fmt.Sprintf(`{"id":%d,"name":"%s"}`, i, name(i)))
			}
			return `{"data":[` + strings.Join(recs, ",") + `],"next":null}`, recs
		}
	}
	compact := named(func(i int) string { return fmt.Sprintf("r%d", i) })
	padded := named(func(int) string { return strings.Repeat("x", 100) })
	spaced := func(n int) (string, []string) {
		body, recs := compact(n)
		body = strings.NewReplacer(`{"id":`, "{ \"id\": ", `,"name":`, ",\n \"name\": ", `"}`, `" }`).Replace(body)
		return body, recs
	}
	const token = "tok-3f9a7c1e5b"
	secret := func(n int) (string, []string) {
		body, recs := compact(n)
		return strings.Replace(body, `"data"`, `"echo":"`+token+`","data"`, 1), recs
	}
	for _, tc := range []struct {
		name string
		page func(int) (string, []string)
		n    int
	}{
		{"compact", compact, 3},
		{"white space", spaced, 3},
		{"longer than the preview, the sample all of it", padded, ingest.SampleRecords}, // about 23 KB
		{"longer than the preview, the sample its end", compact, 1000},                  // about 27 KB
		{"empty", compact, 0},
		{"a secret in the preview", secret, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, recs := tc.page(tc.n)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, body)
			}))
			defer srv.Close()
			cfg := spec.Config{Name: "sample", BaseURL: srv.URL, Path: "/items", Records: ".data",
				Pagination: spec.PaginationConfig{Type: "cursor", CursorPath: ".next"},
				Auth:       spec.AuthConfig{Type: "bearer", Token: spec.NewSecret("${SAMPLE_TOKEN}", token)}}
			out := t.TempDir()
			_, col := startRun(t, cfg, ingest.Job{Out: out})
			evs, err := drain(nil, col)
			if err != nil {
				t.Fatal(err)
			}
			var page *ingest.PageFetched
			for _, ev := range evs {
				if p, ok := ev.(ingest.PageFetched); ok {
					page = &p
				}
			}
			if page == nil {
				t.Fatal("no page event")
			}
			want := recs[max(len(recs)-ingest.SampleRecords, 0):]
			if len(page.Sample) != len(want) {
				t.Fatalf("a sample of %d records, want %d", len(page.Sample), len(want))
			}
			for i, rec := range page.Sample {
				if string(rec) != want[i] {
					t.Errorf("sample record %d = %s, want %s", i, rec, want[i])
				}
				if cap(rec) != len(rec) {
					t.Errorf("sample record %d can grow into what follows it (cap %d, len %d)", i, cap(rec), len(rec))
				}
			}
			preview := string(page.Response.Body)
			if strings.Contains(preview, token) {
				t.Errorf("the preview shows the token: %.80q", preview)
			}
			if want := body[:min(len(body), ingest.BodyPreviewBytes)]; !strings.Contains(body, token) && preview != want {
				t.Errorf("preview %.40q... (%d bytes), want the body's first %d bytes %.40q...", preview, len(preview), len(want), want)
			}
			if cap(page.Response.Body) != len(page.Response.Body) {
				t.Errorf("the preview can grow into what follows it (cap %d, len %d)", cap(page.Response.Body), len(page.Response.Body))
			}
			written, err := os.ReadFile(filepath.Join(out, "records.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSuffix(string(written), "\n"); got != strings.Join(recs, "\n") {
				t.Errorf("records.jsonl holds %.80q..., want the records compact, one a line", got)
			}
		})
	}
}

// TestHeadlessPageEvents: a headless run's page events (siphon run's) carry
// the page's figures but no request, response or sample, which only a
// console's inspector shows; its records are written all the same.
func TestHeadlessPageEvents(t *testing.T) {
	const pages = 3
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := 1
		fmt.Sscan(r.URL.Query().Get("cursor"), &n)
		writeNumberedPage(w, n, pages)
	}))
	defer srv.Close()
	cfg := spec.Config{Name: "headless", BaseURL: srv.URL, Path: "/items", Records: ".data",
		Pagination: spec.PaginationConfig{Type: "cursor", CursorPath: ".next"}}
	for _, headless := range []bool{false, true} {
		t.Run(fmt.Sprintf("headless=%v", headless), func(t *testing.T) {
			out := t.TempDir()
			_, col := startRun(t, cfg, ingest.Job{Out: out, Headless: headless})
			evs, err := drain(nil, col)
			if err != nil {
				t.Fatal(err)
			}
			seen := 0
			for _, ev := range evs {
				p, ok := ev.(ingest.PageFetched)
				if !ok {
					continue
				}
				seen++
				if p.Records != 1 || p.Status != http.StatusOK || p.URL == "" || p.Bytes == 0 {
					t.Errorf("page %d: %d records, status %d, url %q, %d bytes", p.Page, p.Records, p.Status, p.URL, p.Bytes)
				}
				inspected := p.Request.URL != "" || p.Response.Body != nil || p.Sample != nil
				if inspected == headless {
					t.Errorf("page %d: request %q, a %d-byte preview, %d records sampled (headless %v)", p.Page, p.Request.URL, len(p.Response.Body), len(p.Sample), headless)
				}
			}
			if seen != pages {
				t.Errorf("%d page events, want %d", seen, pages)
			}
			if ids := readIDs(t, out); len(ids) != pages {
				t.Errorf("%d records written, want %d", len(ids), pages)
			}
		})
	}
}
