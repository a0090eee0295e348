package ingest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	"siphon/ingest/partition"
	"siphon/ingest/runstate"
	"siphon/ingest/store"
)

// TestPartitionStateGrowsByAppending: run.json is a header that does not
// grow with the partitions; each partition's start and end is one line
// appended to partitions.jsonl, which the next run compacts to one line a
// partition; a partition is never written twice in one change.
func TestPartitionStateGrowsByAppending(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 100})
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	cfg := windowsConfig(srv.URL, 100, 10, 3) // 10 windows
	r, evs := startRun(t, cfg, ingest.Job{Out: dir})
	if _, err := drain(r, evs); err != nil {
		t.Fatal(err)
	}
	header, err := os.ReadFile(filepath.Join(dir, store.RunStateFile))
	if err != nil {
		t.Fatal(err)
	}
	var h runstate.Header
	if err := json.Unmarshal(header, &h); err != nil || h.Version != runstate.Version || h.Total != 10 || len(h.Partitions) != 0 || h.Profile != "windows" {
		t.Fatalf("run.json %s: %v", header, err)
	}
	lines := logLines(t, dir)
	// 10 compacted, then RUNNING and DONE of each.
	if len(lines) != 30 {
		t.Fatalf("%d lines in %s, want 30:\n%s", len(lines), store.RunStateLogFile, bytes.Join(lines, []byte("\n")))
	}
	running, done := 0, 0
	for _, l := range lines[10:] {
		switch {
		case bytes.Contains(l, []byte(`"state":"RUNNING"`)):
			running++
		case bytes.Contains(l, []byte(`"state":"DONE"`)):
			done++
		}
	}
	if running != 10 || done != 10 {
		t.Fatalf("appended: %d RUNNING, %d DONE, want 10 each", running, done)
	}
	st, err := ingest.ReadRunState(dir)
	if err != nil || len(st.Partitions) != 10 {
		t.Fatalf("%+v, %v", st, err)
	}
	for i, p := range st.Partitions {
		if p.Index != i || ingest.State(p.State) != ingest.StateDone || p.Start == "" {
			t.Fatalf("partition %d: %+v", i, p)
		}
	}
	// A second run compacts first: 10 lines kept DONE, then its own changes.
	r, evs = startRun(t, cfg, ingest.Job{Out: dir})
	if _, err := drain(r, evs); err != nil {
		t.Fatal(err)
	}
	if lines := logLines(t, dir); len(lines) != 30 || !bytes.Contains(lines[0], []byte(`"state":"DONE"`)) || !bytes.Contains(lines[0], []byte(`"start"`)) {
		t.Fatalf("after a second run: %d lines, first %s", len(lines), lines[0])
	}
}

// logLines reads partitions.jsonl's lines.
func logLines(t *testing.T, dir string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, store.RunStateLogFile))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
}

// TestOldRunStateStillReads: an output of an earlier siphon, its run.json
// of version 1 listing every partition, resumes (and a changed partition
// set is still refused from it); the run rewrites it as a header and a log.
func TestOldRunStateStillReads(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 100})
	t.Cleanup(srv.Close)
	cfg := windowsConfig(srv.URL, 60, 20, 2) // 3 windows
	parts, err := partition.List(cfg.Partitions, nil)
	if err != nil {
		t.Fatal(err)
	}
	v1 := func(ps []partition.Partition, state string) []byte {
		h := runstate.Header{Version: 1, Profile: "windows", Kind: "ints"}
		for _, p := range ps {
			h.Partitions = append(h.Partitions, runstate.Line{Partition: p, State: state})
		}
		b, _ := json.MarshalIndent(h, "", "  ")
		return b
	}
	for _, tc := range []struct {
		name    string
		saved   []partition.Partition
		changed bool
	}{
		{"same set", parts, false},
		{"one gone", append(parts[:3:3], partition.Partition{Index: 3, Key: "000061-000081", Start: "61", End: "81"}), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, store.RunStateFile), v1(tc.saved, string(ingest.StateStarting)), 0o600); err != nil {
				t.Fatal(err)
			}
			st, err := ingest.ReadRunState(dir)
			if err != nil || len(st.Partitions) != len(tc.saved) || st.Partitions[0].Key != parts[0].Key {
				t.Fatalf("version 1 read: %+v, %v", st, err)
			}
			r, evs := startRun(t, cfg, ingest.Job{Out: dir})
			_, err = drain(r, evs)
			var changed *ingest.ProfileChangedError
			if got := errors.As(err, &changed); got != tc.changed || (!tc.changed && err != nil) {
				t.Fatalf("run: %v", err)
			}
			if tc.changed {
				return
			}
			st, err = ingest.ReadRunState(dir)
			if err != nil || st.Version != runstate.Version || len(st.Partitions) != 3 || ingest.State(st.Partitions[2].State) != ingest.StateDone {
				t.Fatalf("after the run: %+v, %v", st, err)
			}
		})
	}
}

// TestRunStateLogDamage: a torn last line (a crash in the middle of an
// append) is skipped; a bad line before others is refused, saying where.
func TestRunStateLogDamage(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 100})
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	cfg := windowsConfig(srv.URL, 60, 20, 2)
	r, evs := startRun(t, cfg, ingest.Job{Out: dir})
	if _, err := drain(r, evs); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, store.RunStateLogFile)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(bytes.Clone(good), `{"key":"000001-0000`...), 0o600); err != nil {
		t.Fatal(err)
	}
	if st, err := ingest.ReadRunState(dir); err != nil || len(st.Partitions) != 3 {
		t.Fatalf("torn last line: %+v, %v", st, err)
	}
	if err := os.WriteFile(path, append([]byte("{not json\n"), good...), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = ingest.ReadRunState(dir)
	if !errors.Is(err, store.ErrCheckpointDamaged) || !strings.Contains(err.Error(), store.RunStateLogFile) || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("bad first line: %v", err)
	}
}

// TestManyFailedPartitionsNamedBounded: a fan-out that fails whole does
// not make a message of every key: twenty are named, and how many in all.
func TestManyFailedPartitionsNamedBounded(t *testing.T) {
	e := &ingest.PartitionsFailedError{}
	for i := range 50_000 {
		e.Failed = append(e.Failed, ingest.PartitionFailure{Key: fmt.Sprintf("k%05d", i), Err: errors.New("HTTP 404")})
	}
	msg := e.Error()
	if !strings.HasPrefix(msg, "50000 partition(s) failed: k00000, k00001,") || !strings.Contains(msg, "k00019, … (50000 in all)") || strings.Contains(msg, "k00020,") || len(msg) > 2000 {
		t.Fatalf("%d bytes: %.500s", len(msg), msg)
	}
}
