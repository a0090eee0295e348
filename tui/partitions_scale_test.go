package tui

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest"
	"siphon/ingest/partition"
)

// manyPartRun is a run of n partitions: every seventh failed, the first
// half done, eight running, the rest waiting.
func manyPartRun(n int, now time.Time) *fakePartRun {
	parts := make([]ingest.PartitionSnapshot, n)
	sum := &ingest.PartitionSummary{Total: n, ServerLimit: -1}
	for i := range parts {
		s := ingest.Snapshot{Profile: "many", State: ingest.StateStarting}
		switch {
		case i%7 == 3:
			s.State, s.Err, s.Started = ingest.StateFailed, fmt.Errorf("HTTP 404 for %d", i), now.Add(-time.Minute)
			sum.Failed++
		case i < n/2:
			s.State, s.Pages, s.Records, s.Started, s.LastPage = ingest.StateDone, 1, 100, now.Add(-time.Minute), now.Add(-time.Second)
			sum.Done++
		case i < n/2+8:
			s.State, s.Pages, s.Records, s.Started = ingest.StateRunning, 1, 50, now.Add(-time.Second)
			sum.Running++
		default:
			sum.Waiting++
		}
		parts[i] = ingest.PartitionSnapshot{Partition: partition.Partition{Index: i, Key: fmt.Sprintf("%06d", i)}, Snapshot: s}
	}
	snap := ingest.Snapshot{Profile: "many", State: ingest.StateRunning, Started: now.Add(-time.Minute), Partitions: sum}
	return &fakePartRun{fakeRun: newFakeRun(snap), parts: parts}
}

// keyRow matches a partition's row in the table: its key.
var keyRow = regexp.MustCompile(`(?m)^[› ] ([0-9]{6}) `)

// TestPartitionTableOf50000: a run of 50,000 partitions costs the table a
// screenful of rows per key press and per tick: the rows the run hands
// over (made and copied) and the rows drawn stay under a bound set by the
// screen's height, whether the cursor moves, jumps to the end or a filter
// is typed; the header counts every state.
func TestPartitionTableOf50000(t *testing.T) {
	const n, height = 50_000, 30
	h := newHarness(t, testProfiles("/out"))
	var run *fakePartRun
	h.m.env.opts.Start = func(p Profile, fresh bool) (Runner, error) {
		run = manyPartRun(n, h.clock.t)
		h.runs = append(h.runs, run.fakeRun)
		return run, nil
	}
	h.send(tea.WindowSizeMsg{Width: 120, Height: height})
	h.keys("enter")
	h.send(tickMsg(h.clock.t))
	// Counts by state, and the progress over all 50,000.
	sum := run.snap.Partitions
	h.screenHas(fmt.Sprintf("partitions %d/%d done", sum.Done, n), fmt.Sprintf("%d running", sum.Running), fmt.Sprintf("%d failed", sum.Failed), fmt.Sprintf("%d waiting", sum.Waiting))

	// At most a few passes over the screen's rows per message: the count
	// (from 0, n 0) and the window, and the open partitions' own.
	const bound = 3 * height
	step := func(what string, send func()) string {
		t.Helper()
		run.mu.Lock()
		run.handed = 0
		run.mu.Unlock()
		send()
		view := h.m.View()
		run.mu.Lock()
		handed := run.handed
		run.mu.Unlock()
		if handed > bound {
			t.Errorf("%s: the run handed over %d partitions, want at most %d", what, handed, bound)
		}
		if rows := len(keyRow.FindAllString(view, -1)); rows == 0 || rows > height {
			t.Errorf("%s: %d rows drawn, want 1..%d:\n%s", what, rows, height, view)
		}
		return view
	}
	step("a key down", func() { h.keys("j") })
	step("a tick", func() { h.send(tickMsg(h.clock.t.Add(time.Second))) })
	step("a page down", func() { h.keys("f") })
	if view := step("to the end", func() { h.keys("G") }); !regexp.MustCompile(`› 049999 `).MatchString(view) {
		t.Errorf("the cursor is not on the last partition:\n%s", view)
	}
	h.screenHas(fmt.Sprintf("%d/%d", n, n))
	step("to the top", func() { h.keys("g") })
	h.keys("/")
	for _, r := range "fail" {
		step("typing the filter", func() { h.keys(string(r)) })
	}
	view := step("the filter applied", func() { h.keys("enter") })
	failed := run.snap.Partitions.Failed
	h.screenHas(fmt.Sprintf("1/%d", failed))
	for _, row := range keyRow.FindAllStringSubmatch(view, -1) {
		var i int
		if _, err := fmt.Sscanf(row[1], "%d", &i); err != nil || i%7 != 3 {
			t.Errorf("filtered on failed, shows %q", row[0])
		}
	}
	step("to the end of the filtered", func() { h.keys("G") })
	h.screenHas(fmt.Sprintf("%d/%d", failed, failed))
}
