package tui

import (
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest"
	"siphon/ingest/demoapi/demoproc"
	"siphon/ingest/spec"
)

// benchRecords is the benchmark's data set: 1000 pages of 100, so that a
// run lasts long enough for the console's fixed costs (start, the last
// tick) not to decide the ratio.
const benchRecords = 100_000

// BenchmarkConsoleOverhead compares a run headless (events drained) with
// the same run with the console attached (events and ticks through the
// model, frames written as Bubble Tea's renderer does). The API is `siphon
// demo-server` in its own process, so its CPU is not counted against either.
// Each iteration does one of each, alternately, so that both see the same
// machine: compare headless-rec/s with console-rec/s, or read the ratio.
//
//	go test ./tui -run '^$' -bench BenchmarkConsoleOverhead -benchtime 3x
func BenchmarkConsoleOverhead(b *testing.B) {
	if testing.Short() {
		b.Skip("-short: the benchmark builds siphon and moves 100,000 records twice")
	}
	base := demoproc.Start(b, benchRecords)
	cfg := demoConfig(base, "bench")
	cfg.Pagination.Limit = 100
	cfg.Output.RawPages = false // the archive is measured by ingest's BenchmarkRun
	starter := realStarter(map[string]spec.Config{cfg.Name: cfg})

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

// BenchmarkConsoleOverheadFiveRuns is BenchmarkConsoleOverhead with five
// runs live at once: five headless runs side by side against five started
// in one console (one on screen, four in the background). The ratio is
// the console's per-run throughput over the headless one.
func BenchmarkConsoleOverheadFiveRuns(b *testing.B) {
	const runs = 5
	if testing.Short() {
		b.Skip("-short: the benchmark builds siphon and moves 100,000 records ten times")
	}
	base := demoproc.Start(b, benchRecords)
	cfgs := map[string]spec.Config{}
	var names []string
	for i := range runs {
		cfg := demoConfig(base, fmt.Sprintf("bench-%d", i))
		cfg.Pagination.Limit = 100
		cfg.Output.RawPages = true
		cfgs[cfg.Name] = cfg
		names = append(names, cfg.Name)
	}
	starter := realStarter(cfgs)

	var headless, console time.Duration
	for b.Loop() {
		start := time.Now()
		var wg sync.WaitGroup
		for _, name := range names {
			client, err := ingest.New(cfgs[name])
			if err != nil {
				b.Fatal(err)
			}
			run := client.Start(context.Background(), ingest.Job{Out: b.TempDir()})
			wg.Go(func() {
				for range run.Events() {
				}
				if err := run.Wait(); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
		headless += time.Since(start)

		start = time.Now()
		var profiles []Profile
		for _, name := range names {
			profiles = append(profiles, Profile{Name: name, Pagination: "cursor", Auth: "none", Out: b.TempDir()})
		}
		driveAllToEnd(b, New(Options{Styles: asciiStyles(), Start: starter, Profiles: profiles}), runs)
		console += time.Since(start)
	}
	perSecond := func(d time.Duration) float64 { return float64(benchRecords*b.N) / d.Seconds() }
	b.ReportMetric(perSecond(headless), "headless-rec/s/run")
	b.ReportMetric(perSecond(console), "console-rec/s/run")
	b.ReportMetric(headless.Seconds()/console.Seconds(), "console/headless")
}

// driveAllToEnd starts n profiles one after the other (enter, esc, down)
// and drives the model as driveToEnd does until every run has ended.
func driveAllToEnd(b *testing.B, m Model, n int) {
	var next tea.Model = m
	msgs := make(chan tea.Msg, 16)
	runCmd := func(c tea.Cmd) {
		if c != nil {
			go func() { msgs <- c() }()
		}
	}
	for range n {
		for _, k := range []tea.KeyMsg{{Type: tea.KeyEnter}, {Type: tea.KeyEsc}, {Type: tea.KeyRunes, Runes: []rune("j")}} {
			var cmd tea.Cmd
			next, cmd = next.Update(k)
			runCmd(cmd)
		}
	}
	ticker := time.NewTicker(tickInterval)
	defer ticker.Stop()
	for next.(Model).runs.anyLive() {
		var msg tea.Msg
		select {
		case msg = <-msgs:
		case t := <-ticker.C:
			msg = tickMsg(t)
		}
		switch msg := msg.(type) {
		case nil:
			continue
		case tea.BatchMsg:
			for _, c := range msg {
				runCmd(c)
			}
			continue
		}
		var cmd tea.Cmd
		next, cmd = next.Update(msg)
		frame := next.View()
		if _, ok := msg.(tickMsg); ok {
			io.WriteString(io.Discard, frame)
			continue
		}
		runCmd(cmd)
	}
	for _, s := range next.(Model).runs.list {
		if s.snap.State != ingest.StateDone || s.snap.Records != int64(benchRecords) {
			b.Fatalf("%s ended %s with %d records", s.profile.Name, s.snap.State, s.snap.Records)
		}
	}
}
