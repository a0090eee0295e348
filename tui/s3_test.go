package tui

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	_ "siphon/ingest/store/s3store" // s3:// outputs, as cmd/siphon serves them
	"siphon/ingest/store/s3store/s3test"
)

// TestConsoleReadsAnS3RunsArchive: a run that wrote to s3://, seen in a
// console started after it ended: its records screen shows its records,
// its pages screen its archived pages, enter a page's body read from the
// bucket by its range, and s tries selectors on that body. Nothing is
// fetched from the API.
func TestConsoleReadsAnS3RunsArchive(t *testing.T) {
	s3srv := s3test.Start(t)
	s3srv.Setenv(t)
	s3srv.Bucket(t, "lake")
	srv := demoapi.NewServer(demoapi.Options{Records: 50})
	defer srv.Close()
	cfg := demoConfig(srv.URL, "s3-cursor")
	client, err := ingest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := "s3://lake/runs/s3-cursor"
	if err := client.Start(context.Background(), ingest.Job{Out: out}).Wait(); err != nil {
		t.Fatal(err)
	}
	before := srv.Stats().Requests
	refuse := func(Profile, bool) (Runner, error) { return nil, errors.New("this test starts no run") }
	m := New(Options{Styles: asciiStyles(), Start: refuse, Profiles: []Profile{{Name: cfg.Name, Pagination: "cursor", Auth: "none", Out: out,
		Records: cfg.Records, PaginationConfig: cfg.Pagination, PrimaryKey: cfg.PrimaryKey}}})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(110, 30))
	waitForText(t, tm, "s3-cursor")
	tm.Type("r")
	waitForText(t, tm, "pages 3 · records 50")
	tm.Type("i")
	waitForText(t, tm, "s3-cursor › pages")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitForText(t, tm, "Page 3")
	tm.Type("s")
	// One frame says where the body came from and what the records path
	// finds in it.
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte("page 3's whole body (2.5 KiB) from the archive's pages/pages-000001.bin")) && bytes.Contains(b, []byte("records: 10"))
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	if n := srv.Stats().Requests - before; n != 0 {
		t.Errorf("the console sent %d requests to the API", n)
	}
}
