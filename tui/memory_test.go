package tui

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	"siphon/ingest/spec"
)

// TestTwentyRunsStayUnder200MB starts twenty real runs in one console,
// one after the other without stopping any, and drives the model as
// Bubble Tea does until all have ended, measuring the heap on every tick.
func TestTwentyRunsStayUnder200MB(t *testing.T) {
	if testing.Short() {
		t.Skip("twenty runs to their end")
	}
	const runs, records = 20, 2000
	srv := demoapi.NewServer(demoapi.Options{Records: records, Latency: 2 * time.Millisecond})
	defer srv.Close()
	cfgs := map[string]spec.Config{}
	var profiles []Profile
	for i := range runs {
		cfg := demoConfig(srv.URL, fmt.Sprintf("run-%02d", i))
		cfg.Pagination.Limit = 50
		cfg.Output.RawPages = true
		cfgs[cfg.Name] = cfg
		profiles = append(profiles, Profile{Name: cfg.Name, Pagination: "cursor", Auth: "none", Out: t.TempDir()})
	}
	var m tea.Model = New(Options{Styles: asciiStyles(), Start: realStarter(cfgs), Profiles: profiles})
	msgs := make(chan tea.Msg, 64)
	pending := 0
	runCmd := func(c tea.Cmd) {
		if c != nil {
			pending++
			go func() { msgs <- c() }()
		}
	}
	update := func(msg tea.Msg) {
		var (
			cmd  tea.Cmd
			rest []tea.Cmd
		)
		m, cmd = m.Update(msg)
		m, rest = feedAsks(m, cmd, nil) // its asks at once, as a key's are
		for _, c := range rest {
			runCmd(c)
		}
	}
	update(tea.WindowSizeMsg{Width: 100, Height: 30})
	for range runs {
		update(tea.KeyMsg{Type: tea.KeyEnter})
		update(tea.KeyMsg{Type: tea.KeyEsc})
		update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("j")})
	}
	if live, _ := m.(Model).runs.counts(); live < runs/2 {
		t.Fatalf("only %d runs live at once", live)
	}
	ticker := time.NewTicker(tickInterval)
	defer ticker.Stop()
	var peak uint64
	var ms runtime.MemStats
	for m.(Model).runs.anyLive() || pending > 0 {
		select {
		case msg := <-msgs:
			pending--
			switch batch := msg.(type) {
			case tickMsg, nil:
				continue // this loop's ticker redraws
			case tea.BatchMsg:
				for _, c := range batch {
					runCmd(c)
				}
				continue
			}
			update(msg)
		case at := <-ticker.C:
			update(tickMsg(at))
			_ = m.View()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	for _, s := range m.(Model).runs.list {
		if s.snap.State != ingest.StateDone || s.snap.Records != records {
			t.Errorf("%s ended %s with %d records", s.profile.Name, s.snap.State, s.snap.Records)
		}
	}
	t.Logf("peak heap with %d runs: %.1f MB", runs, float64(peak)/(1<<20))
	if peak > 200<<20 {
		t.Errorf("peak heap %.1f MB, want under 200 MB", float64(peak)/(1<<20))
	}
}
