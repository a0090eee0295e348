package tui

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	"siphon/ingest/spec"
	"siphon/ingest/store"
)

// realStarter starts real runs, as cmd/siphon does.
func realStarter(cfgs map[string]spec.Config) Starter {
	return func(p Profile, fresh bool) (Runner, error) {
		client, err := ingest.New(cfgs[p.Name])
		if err != nil {
			return nil, err
		}
		return client.Start(context.Background(), ingest.Job{Out: p.Out, Fresh: fresh}), nil
	}
}

func waitForText(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(text)) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

func TestConsoleRunsARealProfileToTheEnd(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 200})
	defer srv.Close()
	cfg := demoConfig(srv.URL, "real-cursor")
	out := t.TempDir()
	m := New(Options{Title: "siphon test", Styles: asciiStyles(), Start: realStarter(map[string]spec.Config{cfg.Name: cfg}),
		Profiles: []Profile{{Name: cfg.Name, Pagination: "cursor", Auth: "none", Out: out}}})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	waitForText(t, tm, "real-cursor")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitForText(t, tm, "DONE")
	tm.Type("q")
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if s := final.runs.latest().snap; s.Records != 200 || s.Pages != 10 {
		t.Errorf("final snapshot: %d pages, %d records", s.Pages, s.Records)
	}
	if final.runs.latest().records.len() != 200 || final.runs.latest().pages.len() != 10 {
		t.Errorf("console kept %d records, %d pages", final.runs.latest().records.len(), final.runs.latest().pages.len())
	}
}

// somePages matches a run header's record count once it is not zero.
var somePages = regexp.MustCompile(`\brecords [1-9]|\b[1-9][0-9,]* records`)

func TestConsolePausesQuitsAndResumes(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 5000, Latency: 5 * time.Millisecond})
	defer srv.Close()
	cfg := demoConfig(srv.URL, "slow-cursor")
	cfgs := map[string]spec.Config{cfg.Name: cfg}
	profiles := []Profile{{Name: cfg.Name, Pagination: "cursor", Auth: "none", Out: t.TempDir()}}

	tm := teatest.NewTestModel(t, New(Options{Styles: asciiStyles(), Start: realStarter(cfgs), Profiles: profiles}), teatest.WithInitialTermSize(80, 24))
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitForText(t, tm, "RUNNING")
	// Pause once a page is in: a pause before the first page would leave a
	// checkpoint of none, and this test is about resuming after some.
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return somePages.Match(b) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	tm.Type("p")
	waitForText(t, tm, "PAUSED")
	tm.Type("q")
	waitForText(t, tm, "Stop the run and quit?")
	tm.Type("y")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	cp, err := store.At(profiles[0].Out).ReadCheckpoint()
	if err != nil || cp == nil || cp.Done || cp.Pages == 0 {
		t.Fatalf("checkpoint after quitting: %+v, %v", cp, err)
	}

	// Again: the picker offers to resume, and enter does.
	tm = teatest.NewTestModel(t, New(Options{Styles: asciiStyles(), Start: realStarter(cfgs), Profiles: profiles}), teatest.WithInitialTermSize(80, 24))
	waitForText(t, tm, "resumable at page")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitForText(t, tm, "resumed after page")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	io.Copy(io.Discard, tm.Output())
}

func TestConsoleTriesSelectorsOnARealArchivedPage(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 60})
	defer srv.Close()
	cfg := demoConfig(srv.URL, "real-selectors")
	out := t.TempDir()
	m := New(Options{Styles: asciiStyles(), Start: realStarter(map[string]spec.Config{cfg.Name: cfg}),
		Profiles: []Profile{{Name: cfg.Name, Pagination: "cursor", Auth: "none", Out: out, Records: cfg.Records, PaginationConfig: cfg.Pagination}}})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitForText(t, tm, "DONE")
	tm.Type("i")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitForText(t, tm, "Request")
	tm.Type("s")
	waitForText(t, tm, "page 3's whole body (5.0 KiB) from the archive's pages/pages-000001.bin")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlU})
	tm.Type(".data[0:5]")
	waitForText(t, tm, "records: 5 (the first 3)")
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}
