package tui

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest/demoapi"
	"siphon/ingest/store"
)

// A console started after a run ended reads that run back from its
// output folder: r, i and e in the picker open its records, pages and
// events, H its history, as they would a live run's.
func TestPastRunOpensFromItsFolder(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 50})
	defer srv.Close()
	_, out := completedOutput(t, srv)
	h := newHarness(t, []Profile{{Name: "done-cursor", Pagination: "cursor", Auth: "none", Out: out, PrimaryKey: []string{"id"}}})

	h.settle(h.send(runes("r")))
	view := h.m.View()
	if strings.Contains(view, "not running") {
		t.Fatalf("r on a finished profile:\n%s", view)
	}
	h.screenHas("done-cursor › records", "DONE", "pages 3 · records 50")
	if r := h.runView(); r.sess.records.len() != 50 || r.sess.live() {
		t.Fatalf("records held %d, live %v", r.sess.records.len(), r.sess.live())
	}
	h.keys("G")
	h.screenHas("50/50")

	h.keys("i") // the run view's own keys from here
	h.screenHas("done-cursor › pages", "  3  200")
	h.settle(h.send(tea.KeyMsg{Type: tea.KeyEnter}))
	h.screenHas("Page 3", "GET ", "Body (2.5 KiB)")
	if d := h.m.top().(detail); !strings.Contains(string(d.page.Response.Body), `"data"`) || !strings.Contains(d.vp.View()+"\n"+strings.Join(pageDetail(h.m.env.styles, *d.page, 80, d.tail), "\n"), `"data"`) {
		t.Errorf("the past page's body was not read: %q", d.page.Response.Body)
	}
	h.keys("esc")

	h.keys("e")
	h.screenHas("rebuilt from history.jsonl and pages/index.jsonl", "run DONE · 3 pages · 50 records", "page 1: HTTP 200 · 20 records")

	h.keys("esc", "esc")
	if len(h.m.stack) != 1 {
		t.Fatalf("esc twice left %d screens", len(h.m.stack))
	}
	h.settle(h.send(runes("e")))
	h.screenHas("done-cursor › events", "rebuilt from")
	h.keys("esc", "esc")
	h.settle(h.send(runes("H")))
	h.screenHas("done-cursor history", "DONE")
	h.settle(h.send(tea.KeyMsg{Type: tea.KeyEnter}))
	h.screenHas("pages 3 · records 50")
	if len(h.starts) != 0 {
		t.Fatalf("reading a past run started %v", h.starts)
	}
}

// Only the last records are read back, however big records.jsonl is, and
// a missing folder reads as empty, not as an error.
func TestPastRunReadsABoundedTail(t *testing.T) {
	out := t.TempDir()
	var b strings.Builder
	for i := range 5000 {
		b.WriteString(`{"id":` + strings.Repeat("9", i%7+1) + `}` + "\n")
	}
	if err := os.WriteFile(filepath.Join(out, store.RecordsFile), []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	view := os.DirFS(out)
	lines, err := lastLines(view, store.RecordsFile, recordCapacity, pastRecordBytes)
	if err != nil || len(lines) != recordCapacity {
		t.Fatalf("%d lines, %v", len(lines), err)
	}
	all := strings.Split(strings.TrimSpace(b.String()), "\n")
	if string(lines[0]) != all[len(all)-recordCapacity] || string(lines[len(lines)-1]) != all[len(all)-1] {
		t.Errorf("not the last %d lines: %s … %s", recordCapacity, lines[0], lines[len(lines)-1])
	}
	short, err := lastLines(view, store.RecordsFile, 3, 10)
	if err != nil || len(short) > 3 {
		t.Fatalf("a 10-byte cap read %d lines, %v", len(short), err)
	}
	none, err := lastLines(view, "missing.jsonl", 3, 1<<20)
	if !errors.Is(err, fs.ErrNotExist) || none != nil {
		t.Fatalf("missing file: %v %v", none, err)
	}

	h := newHarness(t, []Profile{{Name: "empty", Out: filepath.Join(out, "nothing-here")}})
	h.settle(h.send(runes("r")))
	h.screenHas("empty › records", "No records in")
}

// H shows the run going on as its first row, before it is in the
// history; enter on it opens the run.
func TestHistoryShowsTheLiveRun(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	h.keys("enter", "esc")
	h.send(tea.WindowSizeMsg{Width: 120, Height: 30})
	h.settle(h.send(runes("H")))
	h.screenHas("demo-cursor history", "RETRYING", "this run, live", "pages 12 · records 1,200")
	h.keys("enter")
	if r := h.runView(); !r.sess.live() || r.sess.profile.Name != "demo-cursor" {
		t.Fatalf("enter opened %+v", r.sess.profile)
	}
}

// Options.About shows under the profiles, cut to the width with "…".
func TestPickerShowsAbout(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	h.m.env.opts.About = []string{"demo API: well-behaved http://127.0.0.1:8089 · flaky http://127.0.0.1:8090", "a saves a new profile in " + strings.Repeat("/very/long", 10)}
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	h.screenHas("demo API: well-behaved http://127.0.0.1:8089 · flaky http://127.0.0.1:8090", "a saves a new profile in /very/long", "…", "demo-cursor", "broken")
}
