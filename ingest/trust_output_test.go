package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	"siphon/ingest/remedy"
	"siphon/ingest/spec"
	"siphon/ingest/store"
)

// gatedServer is a cursor API of pages pages of one record; the request for
// page gate waits until release is closed.
func gatedServer(t *testing.T, pages, gate int, arrived chan<- struct{}, release <-chan struct{}) *hostile {
	var gated atomic.Bool
	return newHostile(t, nil, func(w http.ResponseWriter, r *http.Request) {
		n := 1
		if c := r.URL.Query().Get("cursor"); c != "" {
			n, _ = strconv.Atoi(c)
		}
		if n == gate && gated.CompareAndSwap(false, true) { // the first time only
			arrived <- struct{}{}
			<-release
		}
		next := ""
		if n < pages {
			next = strconv.Itoa(n + 1)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"data":[{"id":%d}],"next":%q}`, n, next)
	})
}

func cursorConfig(base string) spec.Config {
	return spec.Config{Name: "gated", BaseURL: base, Path: "/items", Records: ".data", PrimaryKey: []string{"id"},
		Pagination: spec.PaginationConfig{Type: "cursor", CursorPath: `.next | select(. != "")`},
		Retry:      spec.RetryConfig{MaxAttempts: 1}, Output: spec.OutputConfig{RawPages: true}}
}

// TestLiveFolderHasOneOwner: while a run holds its folder, a second run,
// with or without --fresh, is refused and told who holds it; nothing of the
// live run's folder moves, and the live run ends with every record once.
func TestLiveFolderHasOneOwner(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	srv := gatedServer(t, 5, 3, arrived, release)
	cfg := cursorConfig(srv.URL)
	dir := filepath.Join(t.TempDir(), "out")
	c, err := ingest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	live := c.Start(context.Background(), ingest.Job{Out: dir})
	<-arrived // the live run waits for page 3, its folder held
	for _, fresh := range []bool{true, false} {
		_, err := run(t, cfg, ingest.Job{Out: dir, Fresh: fresh})
		if !errors.Is(err, store.ErrFolderInUse) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) || !strings.Contains(err.Error(), "since") {
			t.Errorf("fresh=%v: got %v, want a refusal naming the holder", fresh, err)
		}
	}
	close(release)
	for range live.Events() {
	}
	if err := live.Wait(); err != nil {
		t.Fatal(err)
	}
	if olds, _ := filepath.Glob(dir + ".old-*"); len(olds) > 0 {
		t.Errorf("the live run's folder was moved aside: %v", olds)
	}
	exactlyOnce(t, readIDs(t, dir), 5)
	// the next run finds it complete, and --fresh now moves it aside
	if _, err := run(t, cfg, ingest.Job{Out: dir, Fresh: true}); err != nil {
		t.Fatal(err)
	}
	if olds, _ := filepath.Glob(dir + ".old-*"); len(olds) != 1 {
		t.Errorf("--fresh on a free folder: %v moved aside, want one", olds)
	}
	exactlyOnce(t, readIDs(t, dir), 5)
}

// TestNothingDestroyedWithoutAWord: data no checkpoint vouches for is never
// cut silently.
func TestNothingDestroyedWithoutAWord(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 300})
	defer srv.Close()
	cfg := styleConfigs(srv.URL)["cursor"]
	cfg.Output.RawPages = true
	firstPage := func(t *testing.T) string {
		dir := t.TempDir()
		if _, err := run(t, cfg, ingest.Job{Out: dir, MaxPages: 1}); err != nil {
			t.Fatal(err)
		}
		return dir
	}

	t.Run("records without a checkpoint", func(t *testing.T) {
		dir := firstPage(t)
		before, _ := os.ReadFile(filepath.Join(dir, store.RecordsFile))
		os.Remove(filepath.Join(dir, store.CheckpointFile))
		_, err := run(t, cfg, ingest.Job{Out: dir})
		if !errors.Is(err, store.ErrCheckpointDamaged) || !strings.Contains(err.Error(), "no checkpoint.json") || !slices.Contains(remedy.Of(err), remedy.StartOver) {
			t.Fatalf("got %v, want a refusal that says why and how on", err)
		}
		if after, _ := os.ReadFile(filepath.Join(dir, store.RecordsFile)); string(after) != string(before) {
			t.Fatal("records.jsonl changed")
		}
	})

	t.Run("records longer than the checkpoint", func(t *testing.T) {
		dir := firstPage(t)
		const extra = "{\"id\":999999,\"written\":\"after the checkpoint\"}\n"
		f, _ := os.OpenFile(filepath.Join(dir, store.RecordsFile), os.O_APPEND|os.O_WRONLY, 0)
		f.WriteString(extra)
		f.Close()
		evs, err := run(t, cfg, ingest.Job{Out: dir})
		if err != nil {
			t.Fatal(err)
		}
		var said string
		for _, ev := range evs {
			if w, ok := ev.(ingest.Warning); ok && strings.Contains(w.What, store.RecordsFile) {
				said = w.What
			}
		}
		aside, _ := filepath.Glob(filepath.Join(dir, "aside", store.RecordsFile+".*"))
		if said == "" || len(aside) != 1 || !strings.Contains(said, aside[0]) {
			t.Fatalf("warning %q, aside %v: want a warning naming where the bytes went", said, aside)
		}
		if b, _ := os.ReadFile(aside[0]); string(b) != extra {
			t.Errorf("aside holds %q, want %q", b, extra)
		}
		exactlyOnce(t, readIDs(t, dir), 300)
	})

	t.Run("vouched tail changed", func(t *testing.T) {
		dir := firstPage(t)
		path := filepath.Join(dir, store.RecordsFile)
		b, _ := os.ReadFile(path)
		b[len(b)-5] ^= 1 // same length, other bytes
		os.WriteFile(path, b, 0o600)
		_, err := run(t, cfg, ingest.Job{Out: dir})
		if !errors.Is(err, store.ErrCheckpointDamaged) || !strings.Contains(err.Error(), "edited or replaced") {
			t.Fatalf("got %v, want the changed tail refused", err)
		}
	})
}

// TestNoLinksFollowedInTheOutput: a symbolic link planted where siphon
// writes is refused, and its target is left alone; files others could read
// are tightened to 0600 and said so.
func TestNoLinksFollowedInTheOutput(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 300})
	defer srv.Close()
	cfg := styleConfigs(srv.URL)["cursor"]
	cfg.Output.RawPages = true
	for _, name := range []string{store.RecordsFile, filepath.Join(store.PagesDir, store.IndexFile), filepath.Join(store.PagesDir, "pages-000001.bin"), store.CheckpointFile} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := run(t, cfg, ingest.Job{Out: dir, MaxPages: 1}); err != nil {
				t.Fatal(err)
			}
			target := filepath.Join(t.TempDir(), "victim")
			os.WriteFile(target, []byte("precious\n"), 0o600)
			path := filepath.Join(dir, name)
			if b, err := os.ReadFile(path); err == nil {
				os.WriteFile(target, b, 0o600) // a link to what looks right
			}
			want, _ := os.ReadFile(target)
			os.Remove(path)
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
			_, err := run(t, cfg, ingest.Job{Out: dir})
			if err == nil || !strings.Contains(err.Error(), "symbolic link") {
				t.Fatalf("got %v, want the link refused", err)
			}
			if got, _ := os.ReadFile(target); string(got) != string(want) {
				t.Fatalf("the link's target was written through")
			}
		})
	}
	t.Run("the folder itself", func(t *testing.T) {
		real := t.TempDir()
		link := filepath.Join(t.TempDir(), "out")
		os.Symlink(real, link)
		if _, err := run(t, cfg, ingest.Job{Out: link}); err == nil || !strings.Contains(err.Error(), "symbolic link") {
			t.Fatalf("got %v, want the linked folder refused", err)
		}
	})
	t.Run("modes tightened", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := run(t, cfg, ingest.Job{Out: dir, MaxPages: 1}); err != nil {
			t.Fatal(err)
		}
		os.Chmod(filepath.Join(dir, store.RecordsFile), 0o644)
		os.Chmod(dir, 0o755)
		evs, err := run(t, cfg, ingest.Job{Out: dir, MaxPages: 1})
		if err != nil {
			t.Fatal(err)
		}
		said := false
		for _, ev := range evs {
			if w, ok := ev.(ingest.Warning); ok && strings.Contains(w.What, "tightened") {
				said = true
			}
		}
		for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, store.RecordsFile): 0o600} {
			if fi, _ := os.Stat(path); fi.Mode().Perm() != want {
				t.Errorf("%s is %04o, want %04o", path, fi.Mode().Perm(), want)
			}
		}
		if !said {
			t.Error("the tightening went unsaid")
		}
	})
}
