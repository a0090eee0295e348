package tui

import (
	"fmt"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"siphon/ingest"
)

// TestGoldenViews draws each view at fixed sizes with plain styles and a
// fixed clock. Update with: go test ./tui -run TestGoldenViews -update
func TestGoldenViews(t *testing.T) {
	views := []struct {
		name  string
		keys  []string
		setup func(h *harness)
	}{
		{name: "picker"},
		{name: "picker-help", keys: []string{"?"}},
		{name: "run", keys: []string{"enter"}, setup: feedRun},
		{name: "run-sleeping", keys: []string{"enter"}, setup: func(h *harness) {
			feedRun(h)
			h.runs[0].mu.Lock()
			h.runs[0].snap.State, h.runs[0].snap.Detail, h.runs[0].snap.Until = ingest.StateSleeping, "429 Retry-After", h.clock.t.Add(12*time.Second)
			h.runs[0].mu.Unlock()
		}},
		{name: "run-progress", keys: []string{"enter"}, setup: func(h *harness) {
			h.runs[0].mu.Lock()
			h.runs[0].snap.State, h.runs[0].snap.Detail, h.runs[0].snap.TotalRecords = ingest.StateRunning, "", 5000
			h.runs[0].mu.Unlock()
			feedRun(h)
		}},
		{name: "events", keys: []string{"enter"}, setup: func(h *harness) { feedRun(h); h.keys("e") }},
		{name: "records", keys: []string{"enter"}, setup: func(h *harness) { feedRun(h); h.keys("r") }},
		{name: "record-detail", keys: []string{"enter"}, setup: func(h *harness) { feedRun(h); h.keys("r", "enter") }},
		{name: "pages", keys: []string{"enter"}, setup: func(h *harness) { feedRun(h); h.keys("i") }},
		{name: "page-detail", keys: []string{"enter"}, setup: func(h *harness) { feedRun(h); h.keys("i", "k", "enter") }},
		{name: "page-selectors", keys: []string{"enter"}, setup: func(h *harness) {
			feedRun(h)
			h.keys("i", "k", "enter")
			h.settle(h.send(runes("s")))
			h.edit(keyTab, runes("x"))
		}},
		{name: "quit-question", keys: []string{"enter"}, setup: func(h *harness) { feedRun(h); h.keys("q") }},
	}
	for _, size := range [][2]int{{80, 24}, {100, 30}} {
		for _, v := range views {
			t.Run(fmt.Sprintf("%s-%dx%d", v.name, size[0], size[1]), func(t *testing.T) {
				h := newHarness(t, testProfiles("/out"))
				h.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
				h.keys(v.keys...)
				if v.setup != nil {
					v.setup(h)
				}
				h.send(tickMsg(h.clock.t))
				golden.RequireEqual(t, []byte(h.m.View()))
			})
		}
	}
}

// feedRun plays a short run's events and ticks a few seconds of it.
func feedRun(h *harness) {
	at := func(d time.Duration) ingest.At { return ingest.At{T: t0.Add(d)} }
	h.events(ingest.Started{At: at(0), Profile: "demo-cursor", URL: "http://127.0.0.1:8089/v1/cursor?limit=3", Out: "/out/demo-cursor"})
	for n := 1; n <= 8; n++ {
		h.events(samplePage(n, t0.Add(time.Duration(n)*time.Second)), ingest.CheckpointSaved{At: at(time.Duration(n) * time.Second), Pages: n, Records: int64(n * 3)})
	}
	h.events(
		ingest.RetryScheduled{At: at(9 * time.Second), Page: 9, Attempt: 1, MaxAttempts: 6, Cause: "HTTP 503: retryable status", Wait: 3 * time.Second, Source: "backoff"},
		ingest.Throttled{At: at(9 * time.Second), Wait: 12 * time.Second, Reason: "429 Retry-After"},
		ingest.Anomaly{At: at(9 * time.Second), Page: 7, What: "empty page with a next cursor", Action: "continued"},
		ingest.DriftDetected{At: at(9 * time.Second), Page: 8, Field: "tier", Change: "new field", Now: "string"},
	)
	for i := range 30 {
		h.clock.t = t0.Add(time.Duration(i) * 100 * time.Millisecond)
		h.runs[0].mu.Lock()
		h.runs[0].snap.Records = int64(i * 40)
		h.runs[0].mu.Unlock()
		h.send(tickMsg(h.clock.t))
	}
}
