package ingest_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	"siphon/ingest/remedy"
	"siphon/ingest/store"
)

// listing is a folder's names and modes, to compare before and after.
func listing(t *testing.T, dir string) map[string]os.FileMode {
	t.Helper()
	out := map[string]os.FileMode{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = fi.Mode()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameListing(a, b map[string]os.FileMode) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestForeignOutputFolderIsRefused: an existing folder siphon did not make
// is refused before anything in it changes (no lock file, no history, no
// chmod), with a message that names it and says what to do; an empty one
// is adopted; a folder of an older version (a checkpoint, no marker) is
// still siphon's.
func TestForeignOutputFolderIsRefused(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 30})
	t.Cleanup(srv.Close)
	cfg := styleConfigs(srv.URL)["cursor"]

	cases := []struct {
		name    string
		plant   func(t *testing.T, dir string)
		refused bool
	}{
		{"user files", func(t *testing.T, dir string) {
			mustDo(t, os.WriteFile(filepath.Join(dir, "thesis.tex"), []byte("mine"), 0o644))
			mustDo(t, os.Mkdir(filepath.Join(dir, "photos"), 0o755))
		}, true},
		{"a user file beside siphon-like names", func(t *testing.T, dir string) {
			mustDo(t, os.WriteFile(filepath.Join(dir, "records.jsonl"), nil, 0o644))
			mustDo(t, os.WriteFile(filepath.Join(dir, "notes.md"), []byte("mine"), 0o644))
		}, true},
		{"empty", func(t *testing.T, dir string) {}, false},
		{"only a stale lock", func(t *testing.T, dir string) {
			mustDo(t, os.WriteFile(filepath.Join(dir, store.LockFile), nil, 0o600))
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			mustDo(t, os.Mkdir(dir, 0o755))
			mustDo(t, os.Chmod(dir, 0o755))
			tc.plant(t, dir)
			before := listing(t, dir)
			sent := srv.Stats().Requests
			_, err := run(t, cfg, ingest.Job{Out: dir})
			if !tc.refused {
				if err != nil {
					t.Fatalf("run: %v", err)
				}
				if _, err := os.Stat(filepath.Join(dir, store.MarkerFile)); err != nil {
					t.Errorf("no marker in an adopted folder: %v", err)
				}
				return
			}
			if !errors.Is(err, store.ErrFolderRefused) || !strings.Contains(err.Error(), dir) || !slices.Contains(remedy.Of(err), remedy.OtherFolder) {
				t.Fatalf("run: %v", err)
			}
			if after := listing(t, dir); !sameListing(before, after) {
				t.Errorf("the folder changed:\nbefore %v\nafter  %v", before, after)
			}
			if n := srv.Stats().Requests - sent; n != 0 {
				t.Errorf("%d requests sent for a refused folder", n)
			}
		})
	}

	t.Run("older version's folder", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "out")
		c := cfg
		c.Pagination.MaxPages = 1
		if _, err := run(t, c, ingest.Job{Out: dir}); err != nil {
			t.Fatal(err)
		}
		// An older siphon wrote no marker; a user file was put beside.
		mustDo(t, os.Remove(filepath.Join(dir, store.MarkerFile)))
		mustDo(t, os.WriteFile(filepath.Join(dir, "notes.md"), []byte("mine"), 0o600))
		if _, err := run(t, cfg, ingest.Job{Out: dir}); err != nil {
			t.Fatalf("resume in an older folder: %v", err)
		}
		exactlyOnce(t, readIDs(t, dir), 30)
		if _, err := os.Stat(filepath.Join(dir, store.MarkerFile)); err != nil {
			t.Errorf("the older folder was not marked: %v", err)
		}
	})
}

// TestFreshMovesOnlySiphonFiles: --fresh moves siphon's files to a sibling
// NAME.old-STAMP and leaves the user's files where they are.
func TestFreshMovesOnlySiphonFiles(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 30})
	t.Cleanup(srv.Close)
	cfg := styleConfigs(srv.URL)["cursor"]
	cfg.Output.RawPages = true
	dir := filepath.Join(t.TempDir(), "out")
	if _, err := run(t, cfg, ingest.Job{Out: dir}); err != nil {
		t.Fatal(err)
	}
	mustDo(t, os.WriteFile(filepath.Join(dir, "notes.md"), []byte("mine"), 0o600))
	mustDo(t, os.Mkdir(filepath.Join(dir, "analysis"), 0o700))
	evs, err := run(t, cfg, ingest.Job{Out: dir, Fresh: true})
	if err != nil {
		t.Fatal(err)
	}
	olds, _ := filepath.Glob(dir + ".old-*")
	if len(olds) != 1 {
		t.Fatalf("old output folders: %v", olds)
	}
	for _, name := range []string{store.RecordsFile, store.CheckpointFile, store.PagesDir, store.HistoryFile} {
		if _, err := os.Lstat(filepath.Join(olds[0], name)); err != nil {
			t.Errorf("%s was not moved aside: %v", name, err)
		}
	}
	for _, name := range []string{"notes.md", "analysis"} {
		if _, err := os.Lstat(filepath.Join(dir, name)); err != nil {
			t.Errorf("the user's %s was moved or removed: %v", name, err)
		}
		if _, err := os.Lstat(filepath.Join(olds[0], name)); err == nil {
			t.Errorf("the user's %s was moved aside", name)
		}
	}
	exactlyOnce(t, readIDs(t, dir), 30)
	exactlyOnce(t, readIDs(t, olds[0]), 30)
	var said bool
	for _, ev := range evs {
		if w, ok := ev.(ingest.Warning); ok && strings.Contains(w.What, "were left as they are") {
			said = true
		}
	}
	if !said {
		t.Error("no event says what starting over moved")
	}
}

// TestOutputFolderNotCwdHomeOrRoot: the current folder (as "." or its
// full path), the home folder and / are refused, fresh or not, and nothing
// is written there.
func TestOutputFolderNotCwdHomeOrRoot(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 10})
	t.Cleanup(srv.Close)
	cfg := styleConfigs(srv.URL)["cursor"]
	cwd := t.TempDir()
	home := t.TempDir()
	t.Chdir(cwd)
	t.Setenv("HOME", home)
	cases := []struct{ out, what string }{
		{".", "the current folder"},
		{cwd, "the current folder"},
		{cwd + "/", "the current folder"},
		{home, "your home folder"},
		{"/", "the root folder"},
	}
	for _, tc := range cases {
		for _, fresh := range []bool{false, true} {
			_, err := run(t, cfg, ingest.Job{Out: tc.out, Fresh: fresh})
			if !errors.Is(err, store.ErrFolderRefused) || !strings.Contains(err.Error(), tc.what) || !strings.Contains(err.Error(), "output folder "+tc.out) || !slices.Contains(remedy.Of(err), remedy.OtherFolder) {
				t.Errorf("--out %s (fresh %v): %v", tc.out, fresh, err)
			}
		}
	}
	for _, d := range []string{cwd, home} {
		if names, _ := os.ReadDir(d); len(names) != 0 {
			t.Errorf("%s got files: %v", d, names)
		}
	}
}

// TestShardCountsDoNotMix: a folder started with --shard K/3 refuses
// K/2 and an unsharded run, naming both counts and the folder; the same
// count goes on.
func TestShardCountsDoNotMix(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 60})
	t.Cleanup(srv.Close)
	cfg := windowsConfig(srv.URL, 60, 10, 2)
	out := filepath.Join(t.TempDir(), "out")
	if _, err := run(t, cfg, ingest.Job{Out: out, Shard: ingest.Shard{K: 1, N: 3}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		shard ingest.Shard
		want  string
	}{
		{ingest.Shard{K: 1, N: 2}, "this run has 2 shards"},
		{ingest.Shard{}, "this run has 1 shard (unsharded)"},
	} {
		sent := srv.Stats().Requests
		_, err := run(t, cfg, ingest.Job{Out: out, Shard: tc.shard})
		if !errors.Is(err, store.ErrFolderRefused) || !strings.Contains(err.Error(), "started with 3 shards") || !slices.Contains(remedy.Of(err), remedy.SameShards) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), out) {
			t.Errorf("shard %v: %v", tc.shard, err)
		}
		if n := srv.Stats().Requests - sent; n != 0 {
			t.Errorf("shard %v sent %d requests", tc.shard, n)
		}
	}
	// An older version's folder (no count in the marker) is known by its
	// shard folders.
	mustDo(t, os.Remove(filepath.Join(out, store.MarkerFile)))
	if _, err := run(t, cfg, ingest.Job{Out: out, Shard: ingest.Shard{K: 2, N: 4}}); !errors.Is(err, store.ErrFolderRefused) || !strings.Contains(err.Error(), "3 shards") {
		t.Errorf("older folder, shard 2/4: %v", err)
	}
	for k := 2; k <= 3; k++ {
		if _, err := run(t, cfg, ingest.Job{Out: out, Shard: ingest.Shard{K: k, N: 3}}); err != nil {
			t.Fatalf("shard %d/3: %v", k, err)
		}
	}
	var ids []int64
	for k := 1; k <= 3; k++ {
		got, _ := partitionIDs(t, filepath.Join(out, "shard-"+string(rune('0'+k))+"-of-3"))
		ids = append(ids, got...)
	}
	slices.Sort(ids)
	exactlyOnce(t, ids, 60)
	// An unsharded partitioned folder refuses shards too.
	plain := filepath.Join(t.TempDir(), "plain")
	if _, err := run(t, cfg, ingest.Job{Out: plain}); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, cfg, ingest.Job{Out: plain, Shard: ingest.Shard{K: 1, N: 2}}); !errors.Is(err, store.ErrFolderRefused) || !strings.Contains(err.Error(), "1 shard (unsharded)") {
		t.Errorf("unsharded folder, shard 1/2: %v", err)
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
