package tui

import (
	"context"
	"io"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest"
	"siphon/ingest/apitest"
)

// BenchmarkConsoleOverhead compares a run headless (events drained) with
// the same run with the console attached (events and ticks through the
// model, every frame rendered and discarded). Compare their records/s.
func BenchmarkConsoleOverhead(b *testing.B) {
	const records = 5000
	srv := apitest.NewServer(apitest.Options{Records: records})
	defer srv.Close()
	cfg := demoConfig(srv.URL, "bench")
	cfg.Pagination.Limit = 100
	cfg.Output.RawPages = true

	b.Run("headless", func(b *testing.B) {
		start := time.Now()
		for b.Loop() {
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
		}
		b.ReportMetric(float64(records*b.N)/time.Since(start).Seconds(), "records/s")
	})

	b.Run("console", func(b *testing.B) {
		start := time.Now()
		for b.Loop() {
			out := b.TempDir()
			m := New(Options{Styles: asciiStyles(), Start: realStarter(map[string]ingest.Config{cfg.Name: cfg}),
				Profiles: []Profile{{Name: cfg.Name, Pagination: "cursor", Auth: "none", Out: out}}})
			driveToEnd(b, m)
		}
		b.ReportMetric(float64(records*b.N)/time.Since(start).Seconds(), "records/s")
	})
}

// driveToEnd does what Bubble Tea's loop does for a run: deliver event
// batches and ticks to the model and render a frame after each message.
func driveToEnd(b *testing.B, m Model) {
	next, cmd := m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	msgs := make(chan tea.Msg, 1)
	go func() { msgs <- cmd() }()
	ticker := time.NewTicker(tickInterval)
	defer ticker.Stop()
	for {
		var msg tea.Msg
		select {
		case msg = <-msgs:
		case t := <-ticker.C:
			msg = tickMsg(t)
		}
		next, cmd = next.Update(msg)
		io.WriteString(io.Discard, next.View())
		if ev, ok := msg.(eventsMsg); ok {
			if ev.closed {
				if next.(Model).run.snap.State != ingest.StateDone {
					b.Fatalf("run ended %s", next.(Model).run.snap.State)
				}
				return
			}
			go func() { msgs <- cmd() }()
		}
	}
}
