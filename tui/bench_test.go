package tui

import (
	"context"
	"io"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest"
	"siphon/ingest/demoapi"
)

// benchRecords is the benchmark's data set: 50 pages of 100.
const benchRecords = 5000

// BenchmarkConsoleOverhead compares a run headless (events drained) with
// the same run with the console attached (events and ticks through the
// model, frames written as Bubble Tea's renderer does). Each iteration does
// one of each, alternately, so that both see the same machine: compare
// headless-rec/s with console-rec/s, or read the ratio.
func BenchmarkConsoleOverhead(b *testing.B) {
	srv := demoapi.NewServer(demoapi.Options{Records: benchRecords})
	defer srv.Close()
	cfg := demoConfig(srv.URL, "bench")
	cfg.Pagination.Limit = 100
	cfg.Output.RawPages = true
	starter := realStarter(map[string]ingest.Config{cfg.Name: cfg})

	var headless, console time.Duration
	for b.Loop() {
		start := time.Now()
		client, err := ingest.New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		run := client.Start(context.Background(), ingest.Job{Out: b.TempDir()})
		for range run.Events() {
		}
		if err := run.Wait(); err != nil {
			b.Fatal(err)
		}
		headless += time.Since(start)

		start = time.Now()
		m := New(Options{Styles: asciiStyles(), Start: starter,
			Profiles: []Profile{{Name: cfg.Name, Pagination: "cursor", Auth: "none", Out: b.TempDir()}}})
		driveToEnd(b, m)
		console += time.Since(start)
	}
	perSecond := func(d time.Duration) float64 { return float64(benchRecords*b.N) / d.Seconds() }
	b.ReportMetric(perSecond(headless), "headless-rec/s")
	b.ReportMetric(perSecond(console), "console-rec/s")
	b.ReportMetric(headless.Seconds()/console.Seconds(), "console/headless")
}

// driveToEnd does what Bubble Tea's loop does for a run: each command runs
// in its own goroutine and sends its message back; after every Update the
// renderer keeps the latest View, and writes it out on its own clock (here
// the redraw tick, 10/s), not once per message.
func driveToEnd(b *testing.B, m Model) {
	next, cmd := m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	msgs := make(chan tea.Msg, 1)
	runCmd := func(c tea.Cmd) { go func() { msgs <- c() }() }
	runCmd(cmd)
	ticker := time.NewTicker(tickInterval)
	defer ticker.Stop()
	var frame string
	for {
		var msg tea.Msg
		select {
		case msg = <-msgs:
		case t := <-ticker.C:
			msg = tickMsg(t)
		}
		next, cmd = next.Update(msg)
		frame = next.View() // the renderer's write: keep the latest frame
		if _, ok := msg.(tickMsg); ok {
			// The renderer's flush; the tick the model re-armed is this
			// loop's ticker.
			io.WriteString(io.Discard, frame)
			continue
		}
		if ev, ok := msg.(eventsMsg); ok && ev.closed {
			if s := next.(Model).runs.latest().snap; s.State != ingest.StateDone || s.Records != int64(benchRecords) {
				b.Fatalf("run ended %s with %d records", s.State, s.Records)
			}
			return
		}
		if cmd != nil {
			runCmd(cmd)
		}
	}
}
