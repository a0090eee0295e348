package tui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	"siphon/ingest/spec"
	"siphon/ingest/store"
)

// doneProfile is the console's line for a real run's folder.
func doneProfile(cfg spec.Config, out string) Profile {
	return Profile{Name: cfg.Name, Pagination: "cursor", Auth: "none", Out: out,
		Records: cfg.Records, PaginationConfig: cfg.Pagination, PrimaryKey: cfg.PrimaryKey}
}

// replayedHarness opens a real run's folder (50 records of the demo API in
// 3 pages, every page archived) in the pages view and replays it.
func replayedHarness(t *testing.T, width, height int) (*harness, string) {
	srv := demoapi.NewServer(demoapi.Options{Records: 50})
	t.Cleanup(srv.Close)
	cfg, out := completedOutput(t, srv)
	h := newHarness(t, []Profile{doneProfile(cfg, out)})
	h.send(tea.WindowSizeMsg{Width: width, Height: height})
	h.settle(h.send(runes("i"))) // its last run, read from the folder
	h.settle(h.send(runes("w")))
	return h, out
}

func TestReplayFromThePagesViewAgreesThenDiffers(t *testing.T) {
	h, _ := replayedHarness(t, 100, 30)
	h.screenHas("replay", "no request sent", "the profile's selectors", "original: 3 pages", "The walks agree.")

	// Edit the records path in the playground, leave without saving, and
	// replay with it: fewer records a page, and the diff says where.
	h.keys("esc", "enter")
	h.settle(h.send(runes("s")))
	h.edit(keyClear, runes(".data[0:5]"))
	h.keys("esc", "esc") // the playground, the page
	h.settle(h.send(runes("w")))
	h.screenHas("the selectors as edited", "Where they differ:", "page 1: records 20 → 5")
	if strings.Contains(h.m.View(), "The walks agree.") {
		t.Error("an edited records path agrees with the original walk")
	}
}

func TestReplayGolden(t *testing.T) {
	h, _ := replayedHarness(t, 80, 24)
	h.send(tickMsg(h.clock.t))
	golden.RequireEqual(t, []byte(h.m.View()))
}

func TestReplayWithoutOrWithEditedArchiveSaysWhy(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 50})
	defer srv.Close()

	// A run that kept no pages: a clear message, no crash.
	cfg := demoConfig(srv.URL, "no-pages")
	cfg.Output.RawPages = false
	out := runToEnd(t, cfg)
	h := newHarness(t, []Profile{doneProfile(cfg, out)})
	h.settle(h.send(runes("i")))
	h.settle(h.send(runes("w")))
	h.screenHas("No replay:", "output.raw_pages: true")

	// Pages missing from the archive: the replay says which, no crash.
	cfg, out = completedOutput(t, srv)
	// The archive's segment is cut after page 1: page 2's bytes are gone.
	first, err := store.FindPage(os.DirFS(out), 1)
	if err != nil || first.Offset == nil {
		t.Fatalf("page 1 in the archive: %+v %v", first, err)
	}
	if err := os.Truncate(filepath.Join(out, store.PagesDir, first.File), *first.Offset+first.Length); err != nil {
		t.Fatal(err)
	}
	h, _ = func() (*harness, string) {
		h := newHarness(t, []Profile{doneProfile(cfg, out)})
		h.send(tea.WindowSizeMsg{Width: 160, Height: 30})
		h.settle(h.send(runes("i")))
		h.settle(h.send(runes("w")))
		return h, out
	}()
	h.screenHas("Where they differ:", "page 2's body is missing from the archive")
}

func TestStateRewindAsksThenMovesRecordsAside(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 50})
	defer srv.Close()
	cfg, out := completedOutput(t, srv)
	h := newHarness(t, []Profile{doneProfile(cfg, out)})
	h.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	h.settle(h.send(runes("S")))
	h.screenHas("done-cursor state", "pages       3", "records     50", "done")

	h.keys("W", "2", "enter")
	h.screenHas("Rewind 2 pages of done-cursor? The records they wrote move to aside/;", "the next run fetches them", "(y/n)")
	h.keys("n")
	if cp, _ := store.At(out).ReadCheckpoint(); cp == nil || cp.Pages != 3 {
		t.Fatalf("n changed the checkpoint: %+v", cp)
	}

	// While something holds the folder, the engine refuses, and says so.
	held, err := store.At(out).Claim(false)
	if err != nil {
		t.Fatal(err)
	}
	h.keys("W", "2", "enter")
	h.settle(h.send(runes("y")))
	h.screenHas("refused: ")
	held.Release()
	if cp, _ := store.At(out).ReadCheckpoint(); cp == nil || cp.Pages != 3 {
		t.Fatalf("a refused rewind changed the checkpoint: %+v", cp)
	}

	h.keys("W", "2", "enter")
	h.settle(h.send(runes("y")))
	h.screenHas("pages       1", "records     20")
	cp, err := store.At(out).ReadCheckpoint()
	if err != nil || cp == nil || cp.Pages != 1 || cp.Records != 20 || cp.Done {
		t.Fatalf("checkpoint after rewinding 2 pages: %+v, %v", cp, err)
	}
	aside, _ := filepath.Glob(filepath.Join(out, "aside", "*"))
	if len(aside) == 0 {
		t.Error("nothing moved to aside/")
	}
}

// runToEnd runs cfg to its end in a new folder.
func runToEnd(t *testing.T, cfg spec.Config) string {
	t.Helper()
	client, err := ingest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := client.Start(context.Background(), ingest.Job{Out: out}).Wait(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPartitionsReplayEachAndResetOneAfterAsking(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 30})
	defer srv.Close()
	cfg := demoConfig(srv.URL, "parts")
	cfg.Params = map[string]string{"tag": "${partition.value}"}
	cfg.Partitions = spec.PartitionsConfig{Values: []string{"north", "south"}}
	cfg.Concurrency = 2
	out := runToEnd(t, cfg)
	prof := doneProfile(cfg, out)
	h := newHarness(t, []Profile{prof})
	h.send(tea.WindowSizeMsg{Width: 100, Height: 40})

	r, replayCmd := newReplayPane(h.m.env, &runSession{profile: prof, out: out})
	h.send(pushMsg{r})
	h.settle(replayCmd)
	h.screenHas("partition north", "partition south", "original: 2 pages")
	if n := strings.Count(h.m.View(), "The walks agree."); n != 2 {
		t.Errorf("%d partitions agree, want 2:\n%s", n, h.m.View())
	}
	h.keys("esc")

	s, readCmd := resetAsk(h.m.env, prof.Name, out, "north")
	h.send(pushMsg{s})
	h.settle(readCmd)
	h.screenHas("Start partition north of parts over?")
	h.settle(h.send(runes("y")))
	h.screenHas("partition   north: ", "partition   south: done, 2 pages, 30 records")
	north, err := store.At(out).Partition("north").ReadCheckpoint()
	if err != nil || north != nil {
		t.Errorf("north after its reset: %+v, %v", north, err)
	}
	if south, _ := store.At(out).Partition("south").ReadCheckpoint(); south == nil || !south.Done {
		t.Errorf("south was touched: %+v", south)
	}
}
