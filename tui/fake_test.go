package tui

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"siphon/ingest"
	"siphon/ingest/httphdr"
	"siphon/ingest/spec"
)

// fakeRun is a Runner whose events and snapshot the test sets.
type fakeRun struct {
	mu       sync.Mutex
	snap     ingest.Snapshot
	events   chan ingest.Event
	done     chan struct{}
	calls    []string
	canceled bool
}

func newFakeRun(snap ingest.Snapshot) *fakeRun {
	return &fakeRun{snap: snap, events: make(chan ingest.Event, 100), done: make(chan struct{})}
}

func (f *fakeRun) Events() <-chan ingest.Event { return f.events }
func (f *fakeRun) Snapshot() ingest.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.snap
}
func (f *fakeRun) note(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}
func (f *fakeRun) Pause()  { f.note("pause") }
func (f *fakeRun) Resume() { f.note("resume") }
func (f *fakeRun) Cancel() {
	f.note("cancel")
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.canceled {
		f.canceled = true
		f.snap.State, f.snap.Detail = ingest.StatePaused, "stopped; checkpoint saved"
		close(f.events)
		close(f.done)
	}
}
func (f *fakeRun) Done() <-chan struct{} { return f.done }
func (f *fakeRun) Wait() error           { <-f.done; return nil }

func (f *fakeRun) callList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// asciiStyles render plain text: stable goldens.
func asciiStyles() *Styles {
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(termenv.Ascii)
	s := DefaultStyles(r)
	return &s
}

// clock is a settable time.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func testProfiles(dir string) []Profile {
	return []Profile{
		{Name: "demo-cursor", Description: "Customers by opaque cursor (the plain run)", Pagination: "cursor", Auth: "none", URL: "http://127.0.0.1:8089/v1/cursor?limit=100", Out: dir + "/demo-cursor",
			Records: ".data", PaginationConfig: spec.PaginationConfig{Type: spec.PageCursor, CursorPath: ".pagination.next_cursor", CursorParam: "cursor"}},
		{Name: "demo-offset", Description: "Customers by offset and limit, with a total", Pagination: "offset", Auth: "api_key", Out: dir + "/demo-offset"},
		{Name: "broken", Description: "", Pagination: "cursor", Auth: "bearer", Err: fmt.Errorf("broken.yaml:3:1: unknown key recrods")},
	}
}

// samplePage is a PageFetched as the run sends it.
func samplePage(n int, at time.Time) ingest.PageFetched {
	var sample []json.RawMessage
	for i := range 3 {
		id := (n-1)*3 + i + 1
		sample = append(sample, json.RawMessage(fmt.Sprintf(`{"id":%d,"name":"Customer %d","email":"c%d@example.com","tier":"gold","address":{"city":"Lyon"}}`, id, id, id)))
	}
	return ingest.PageFetched{
		At: ingest.At{T: at}, Page: n, Status: 200, Attempts: 1, Records: 3, Bytes: 2048, Duration: 42 * time.Millisecond,
		CursorIn: fmt.Sprintf("c%d", n-1), CursorOut: fmt.Sprintf("c%d", n),
		URL:      "http://127.0.0.1:8089/v1/cursor?limit=3",
		Request:  ingest.PageRequest{Method: "GET", URL: fmt.Sprintf("http://127.0.0.1:8089/v1/cursor?cursor=c%d&limit=3", n-1), Headers: map[string]string{"Accept": "application/json", "Authorization": "REDACTED"}},
		Response: ingest.PageResponse{Status: 200, Headers: map[string]string{"Content-Type": "application/json", "X-Ratelimit-Remaining": "3"}, ContentType: "application/json", Body: []byte(`{"data":[{"id":1}],"pagination":{"next_cursor":"c1"}}`), BodyBytes: 52},
		Sample:   sample,
	}
}

// busySnapshot is a run in the middle of a retry, with a rate limit seen.
func busySnapshot(now time.Time) ingest.Snapshot {
	return ingest.Snapshot{
		Profile: "demo-cursor", State: ingest.StateRetrying, Detail: "2/6 — HTTP 503: retryable status", Until: now.Add(3 * time.Second),
		Pages: 12, Records: 1200, Bytes: 345678, Retries: 3, Anomalies: 1, Drifts: 2,
		Started: now.Add(-42 * time.Second), LastCheckpoint: now.Add(-400 * time.Millisecond),
		RateLimit: httphdr.RateLimit{Limit: 5, Remaining: 3, Reset: now.Add(2 * time.Second)}, HasRateLimit: true,
	}
}
