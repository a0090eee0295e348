package ingest_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"siphon/ingest"
	"siphon/ingest/spec"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/transcripts")

// transcript renders events as stable text: no wall-clock times, and
// backoff waits (random by design) only as "backoff".
func transcript(evs []ingest.Event) string {
	var b strings.Builder
	for _, ev := range evs {
		switch e := ev.(type) {
		case ingest.Started:
			fmt.Fprintf(&b, "started %s resumed=%t\n", e.URL, e.Resumed)
		case ingest.RequestSent:
			fmt.Fprintf(&b, "request page=%d attempt=%d %s\n", e.Page, e.Attempt, e.URL)
		case ingest.PageFetched:
			fmt.Fprintf(&b, "page %d status=%d attempts=%d records=%d cursor=%q→%q stop=%q\n", e.Page, e.Status, e.Attempts, e.Records, e.CursorIn, e.CursorOut, e.StopReason)
		case ingest.RetryScheduled:
			wait := "backoff"
			if e.Source != "backoff" {
				wait = e.Wait.String()
			}
			fmt.Fprintf(&b, "retry page=%d attempt=%d/%d wait=%s source=%s cause=%q\n", e.Page, e.Attempt, e.MaxAttempts, wait, e.Source, e.Cause)
		case ingest.Throttled:
			fmt.Fprintf(&b, "throttled wait=%s reason=%q\n", e.Wait, e.Reason[:strings.Index(e.Reason+",", ",")])
		case ingest.Anomaly:
			fmt.Fprintf(&b, "anomaly page=%d action=%s %q\n", e.Page, e.Action, e.What)
		case ingest.CheckpointSaved:
			fmt.Fprintf(&b, "checkpoint pages=%d records=%d\n", e.Pages, e.Records)
		case ingest.Finished:
			fmt.Fprintf(&b, "finished pages=%d records=%d stop=%q error=%q\n", e.Pages, e.Records, e.StopReason, e.Error)
		default:
			fmt.Fprintf(&b, "%s\n", ev.Kind())
		}
	}
	return b.String()
}

func TestEventTranscripts(t *testing.T) {
	page1 := step{status: 200, body: `{"data":[{"id":1},{"id":2}],"next":"c2"}`}
	page2 := step{status: 200, body: `{"data":[{"id":3}],"next":null}`}
	cases := map[string][]step{
		"retry-after-then-success": {
			{status: 503, body: errorBody},
			{status: 429, header: map[string]string{"Retry-After": "3"}, body: errorBody},
			page1, page2,
		},
		"server-rate-limit-sleep": {
			{status: 200, header: map[string]string{"X-RateLimit-Limit": "2", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "5"}, body: page1.body},
			page2,
		},
		"html-error-page-until-failure": {
			{status: 200, header: map[string]string{"Content-Type": "text/html"}, body: "<html><body>Bad Gateway</body></html>"},
		},
		"cursor-cycle": {
			page1,
			{status: 200, body: `{"data":[{"id":3}],"next":"c3"}`},
			{status: 200, body: `{"data":[{"id":4}],"next":"c2"}`},
		},
	}
	for name, steps := range cases {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &script{steps: steps}
				cfg := scriptConfig("http://api.test")
				cfg.Retry = spec.RetryConfig{MaxAttempts: 4, InitialBackoff: time.Second, MaxBackoff: time.Second}
				c, err := ingest.New(cfg, ingest.WithTransport(handlerTransport{s}))
				if err != nil {
					t.Fatal(err)
				}
				r := c.Start(context.Background(), ingest.Job{Out: t.TempDir()})
				var evs []ingest.Event
				for ev := range r.Events() {
					evs = append(evs, ev)
				}
				r.Wait()
				got := transcript(evs)
				path := filepath.Join("testdata", "transcripts", name+".golden")
				if *update {
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if got != string(want) {
					t.Errorf("transcript differs from %s:\n--- got\n%s--- want\n%s", path, got, want)
				}
			})
		})
	}
}
