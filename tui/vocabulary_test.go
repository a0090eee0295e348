package tui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"siphon/ingest"
	"siphon/ingest/partition"
	"siphon/ingest/runstate"
	"siphon/ingest/store"
)

// A finished partitioned profile keeps no checkpoint, only run.json (here
// of version 1, every partition in it): the picker says it is done, and n
// asks before starting it over, fresh.
func TestStartOverAFinishedPartitionedProfile(t *testing.T) {
	dir := t.TempDir()
	profiles := testProfiles(dir)
	st := runstate.Header{Version: 1, Profile: "demo-cursor", Kind: "ints", UpdatedAt: t0}
	for _, k := range []string{"a", "b", "c"} {
		st.Partitions = append(st.Partitions, runstate.Line{Partition: partition.Partition{Key: k}, State: string(ingest.StateDone)})
	}
	b, _ := json.Marshal(st)
	if err := os.MkdirAll(profiles[0].Out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(profiles[0].Out, store.RunStateFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, profiles)
	h.screenHas("done · 3 partitions")
	h.keys("n")
	h.screenHas("demo-cursor is complete (3 partitions). Start over?")
	h.keys("y")
	if !slices.Equal(h.starts, []string{"demo-cursor fresh"}) {
		t.Fatalf("starts %v, want a fresh start", h.starts)
	}
}

// After x, every place says STOPPED, and p says what resumes it.
func TestStoppedIsAStateOfItsOwn(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	h.keys("enter", "x", "y")
	r := h.runs[0]
	r.mu.Lock()
	r.snap.State, r.snap.Err, r.snap.Detail = ingest.StatePaused, nil, "stopped; checkpoint saved"
	r.mu.Unlock()
	h.send(eventsMsg{gen: 1, closed: true})
	h.send(tickMsg(t0))
	h.screenHas("STOPPED checkpoint saved · R resumes")
	h.keys("p")
	h.screenHas("demo-cursor is STOPPED, not paused: R resumes it from its checkpoint")
	if got := h.runs[0].callList(); !slices.Equal(got, []string{"cancel"}) {
		t.Errorf("p on a stopped run called %v", got)
	}
	h.keys("tab")
	h.screenHas("STOPPED")
	if v := h.m.View(); containsAny(v, "PAUSED", "run canceled") {
		t.Errorf("the runs list still says PAUSED or canceled:\n%s", v)
	}
}

func containsAny(s string, subs ...string) bool {
	return slices.ContainsFunc(subs, func(sub string) bool { return strings.Contains(s, sub) })
}
