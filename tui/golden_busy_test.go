package tui

import (
	"errors"
	"fmt"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"siphon/ingest"
	"siphon/ingest/partition"
)

// TestGoldenBusiest draws each screen in its busiest state at 80×24 and
// 60×20: a table of 14 partitions (it scrolls, and says n/m), a failed run
// whose URL is long, the help overlays and the confirmations. Update with:
// go test ./tui -run TestGoldenBusiest -update
func TestGoldenBusiest(t *testing.T) {
	views := []struct {
		name string
		draw func(t *testing.T, width, height int) *harness
	}{
		{"partitions-14", func(t *testing.T, w, h int) *harness {
			hs, run := partHarness(t, w, h)
			run.mu.Lock()
			run.parts = manyParts(hs.clock.t, 14)
			run.snap.Partitions.Total = 14
			run.mu.Unlock()
			hs.send(tickMsg(hs.clock.t))
			hs.keys("G") // the last row: 14/14
			return hs
		}},
		{"partitions-help", func(t *testing.T, w, h int) *harness {
			hs, _ := partHarness(t, w, h)
			hs.send(runes("?"))
			return hs
		}},
		{"failed-long-url", func(t *testing.T, w, h int) *harness {
			hs := sized(t, w, h)
			hs.keys("enter")
			long := "http://127.0.0.1:8089/v1/customers/search?region=eu-west-1&include=orders,invoices,addresses&sort=-updated_at&limit=100"
			hs.events(ingest.Started{At: ingest.At{T: t0}, Profile: "demo-cursor", URL: long, Out: "/out/demo-cursor"})
			err := errors.New("HTTP 500 after 3 attempts · page 36: " + long + "&cursor=eyJpZCI6MTAwMH0")
			hs.events(ingest.Finished{At: ingest.At{T: t0.Add(24 * time.Second)}, Pages: 35, Records: 3500, Elapsed: 24 * time.Second, Err: err, Error: err.Error()})
			hs.endRun(0, ingest.StateFailed, err)
			hs.send(tickMsg(hs.clock.t))
			return hs
		}},
		{"picker-help", func(t *testing.T, w, h int) *harness {
			hs := sized(t, w, h)
			hs.send(runes("?"))
			return hs
		}},
		{"run-help", func(t *testing.T, w, h int) *harness {
			hs := sized(t, w, h)
			hs.keys("enter")
			feedRun(hs)
			hs.send(runes("?"))
			return hs
		}},
		{"confirm-stop", func(t *testing.T, w, h int) *harness {
			hs := sized(t, w, h)
			hs.keys("enter")
			feedRun(hs)
			hs.keys("x")
			return hs
		}},
		{"confirm-quit", func(t *testing.T, w, h int) *harness {
			hs := sized(t, w, h)
			hs.keys("enter", "esc", "j", "enter")
			feedRun(hs)
			hs.keys("q")
			return hs
		}},
	}
	for _, size := range [][2]int{{80, 24}, {60, 20}} {
		for _, v := range views {
			t.Run(fmt.Sprintf("%s-%dx%d", v.name, size[0], size[1]), func(t *testing.T) {
				h := v.draw(t, size[0], size[1])
				h.send(tickMsg(h.clock.t))
				golden.RequireEqual(t, []byte(h.m.View()))
			})
		}
	}
}

func sized(t *testing.T, width, height int) *harness {
	h := newHarness(t, testProfiles("/out"))
	h.send(tea.WindowSizeMsg{Width: width, Height: height})
	return h
}

// manyParts is n partitions in every state, keyed by day.
func manyParts(now time.Time, n int) []ingest.PartitionSnapshot {
	states := []ingest.State{ingest.StateDone, ingest.StateRunning, ingest.StateRetrying, ingest.StateFailed, ingest.StateStarting, ingest.StatePaused}
	var out []ingest.PartitionSnapshot
	for i := range n {
		day := time.Date(2026, 1, 1+i, 0, 0, 0, 0, time.UTC)
		s := ingest.Snapshot{Profile: "demo-backfill", State: states[i%len(states)], Pages: i, Records: int64(i * 25), Started: now.Add(-10 * time.Second)}
		switch s.State {
		case ingest.StateRetrying:
			s.Detail, s.Until = "2/6 — HTTP 503: retryable status", now.Add(240*time.Millisecond)
		case ingest.StateFailed:
			s.Err = errors.New("HTTP 500 after 3 attempts · page 4")
		case ingest.StateStarting:
			s.Started = time.Time{}
		}
		out = append(out, ingest.PartitionSnapshot{Partition: partition.Partition{Index: i, Key: day.Format("20060102")}, Snapshot: s})
	}
	return out
}
