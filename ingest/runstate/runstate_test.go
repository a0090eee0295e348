package runstate_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"siphon/ingest/partition"
	"siphon/ingest/runstate"
	"siphon/ingest/spec"
	"siphon/ingest/store"
)

// writeState writes a version 2 run state into a new folder: the header
// and the log's lines.
func writeState(t *testing.T, kind string, lines ...runstate.Line) store.Location {
	t.Helper()
	dir := t.TempDir()
	total := 0
	for _, l := range lines {
		if l.Index >= 0 {
			total++
		}
	}
	h, err := runstate.EncodeHeader(runstate.Header{Profile: "p", Kind: kind, Total: total})
	if err != nil {
		t.Fatal(err)
	}
	var log []byte
	for _, l := range lines {
		if l.Index < 0 { // a change: the key and state alone
			log = runstate.AppendChange(log, l.Key, l.State, l.Error)
			continue
		}
		if log, err = runstate.AppendLine(log, l); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, store.RunStateFile), h, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, store.RunStateLogFile), log, 0o600); err != nil {
		t.Fatal(err)
	}
	return store.At(dir)
}

func value(i int, v, state string) runstate.Line {
	return runstate.Line{Partition: partition.Partition{Index: i, Key: v, Value: v}, State: state}
}

func change(key, state, errText string) runstate.Line {
	return runstate.Line{Partition: partition.Partition{Index: -1, Key: key}, State: state, Error: errText}
}

// TestScanGivesEveryLineAndReadFoldsThem: Scan hands over the log's lines
// in order, holding none; Read keeps each partition's latest state and
// its definition, in declaration order.
func TestScanGivesEveryLineAndReadFoldsThem(t *testing.T) {
	out := writeState(t, spec.PartitionValues,
		value(1, "b", "STARTING"), value(0, "a", "DONE"),
		change("b", "RUNNING", ""), change("b", "FAILED", "HTTP 404"), change("a", "RUNNING", ""))
	var got []string
	h, err := runstate.Scan(out, func(l runstate.Line) error {
		got = append(got, l.Key+":"+l.State)
		return nil
	})
	if err != nil || h == nil || h.Kind != spec.PartitionValues || h.Total != 2 {
		t.Fatalf("header %+v, %v", h, err)
	}
	if want := []string{"b:STARTING", "a:DONE", "b:RUNNING", "b:FAILED", "a:RUNNING"}; !slices.Equal(got, want) {
		t.Errorf("scanned %v, want %v", got, want)
	}
	st, err := runstate.Read(out)
	if err != nil || len(st.Partitions) != 2 {
		t.Fatalf("%+v, %v", st, err)
	}
	if a, b := st.Partitions[0], st.Partitions[1]; a.Key != "a" || a.State != "RUNNING" || b.Key != "b" || b.State != "FAILED" || b.Error != "HTTP 404" || b.Value != "b" {
		t.Errorf("folded: %+v", st.Partitions)
	}
	if h, err := runstate.Scan(store.At(t.TempDir()), func(runstate.Line) error { return nil }); h != nil || err != nil {
		t.Errorf("no state: %+v, %v", h, err)
	}
}

// TestComparerSaysWhatChanged: partitions gone or moved are listed once
// each, in the saved partitions' order, however many lines each has;
// partitions added are no change; a kind that changed is the one change.
func TestComparerSaysWhatChanged(t *testing.T) {
	now, err := partition.NewSet(spec.PartitionsConfig{Ints: spec.IntPartitions{Start: 0, End: 30, Every: 10}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	window := func(i int, key, start, end string) runstate.Line {
		return runstate.Line{Partition: partition.Partition{Index: i, Key: key, Start: start, End: end}, State: "DONE"}
	}
	saved := []runstate.Line{
		window(3, "000030-000040", "30", "40"), // gone
		window(0, "000000-000010", "0", "10"),  // the same
		window(1, "000010-000020", "10", "19"), // moved
		change("000030-000040", "RUNNING", ""),
		change("000010-000020", "DONE", ""),
	}
	c := runstate.NewComparer(spec.PartitionInts, spec.PartitionInts, now)
	var at []int
	for _, l := range saved {
		i, ok := c.Line(l)
		if !ok {
			i = -1
		}
		at = append(at, i)
	}
	if want := []int{-1, 0, 1, -1, 1}; !slices.Equal(at, want) {
		t.Errorf("places %v, want %v", at, want)
	}
	got := c.Changes()
	if len(got) != 2 || !strings.Contains(got[0], "000010-000020 was [10, 19), is now [10, 20)") || !strings.Contains(got[1], "000030-000040 ([30, 40)) is gone") {
		t.Errorf("changes %q", got)
	}
	if got := runstate.NewComparer(spec.PartitionValues, spec.PartitionInts, now).Changes(); len(got) != 1 || got[0] != "partitions were values, are now ints" {
		t.Errorf("kind changed: %q", got)
	}
}
