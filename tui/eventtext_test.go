package tui

import (
	"testing"
	"time"

	"siphon/ingest"
)

func TestEventText(t *testing.T) {
	at := ingest.At{T: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	cases := []struct {
		ev       ingest.Event
		want     string
		severity int
	}{
		{ingest.Warning{At: at, What: "TLS certificate verification is OFF"}, "WARNING: TLS certificate verification is OFF", 2},
		{ingest.RetryScheduled{At: at, Page: 3, Attempt: 1, MaxAttempts: 6, Wait: 2 * time.Second, Source: "retry-after", Cause: "HTTP 429: too many requests"}, "retry page 3: attempt 2/6 in 2.0s (retry-after) — HTTP 429: too many requests", 1},
		{ingest.CheckpointSaved{At: at, Pages: 4, Records: 1200}, "checkpoint: 4 pages, 1,200 records", 0},
	}
	for _, tc := range cases {
		got, ok := eventText(tc.ev)
		if !ok || got != tc.want {
			t.Errorf("eventText(%T) = %q, want %q", tc.ev, got, tc.want)
		}
		if s := eventSeverity(tc.ev); s != tc.severity {
			t.Errorf("eventSeverity(%T) = %d, want %d", tc.ev, s, tc.severity)
		}
	}
	if _, ok := eventText(ingest.RequestSent{At: at}); ok {
		t.Error("requests belong to the page inspector, not the log")
	}
}
