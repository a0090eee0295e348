package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"siphon/ingest"
	"siphon/ingest/partition"
)

// fakePartRun is a partitioned run whose partitions the test sets.
type fakePartRun struct {
	*fakeRun
	parts  []ingest.PartitionSnapshot
	handed int // snapshots handed to the console, to count its work
}

func (f *fakePartRun) PartitionsPage(keep func(key string, state ingest.State) bool, from, n int) ([]ingest.PartitionSnapshot, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []ingest.PartitionSnapshot
	matched := 0
	for _, ps := range f.parts {
		if keep != nil && !keep(ps.Key, ps.State) {
			continue
		}
		if matched >= from && (n < 0 || matched < from+n) {
			out = append(out, ps)
		}
		matched++
	}
	f.handed += len(out)
	return out, matched
}

func (f *fakePartRun) Partition(key string) (ingest.PartitionSnapshot, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ps := range f.parts {
		if ps.Key == key {
			f.handed++
			return ps, true
		}
	}
	return ingest.PartitionSnapshot{}, false
}

func (f *fakePartRun) set(key string, change func(*ingest.Snapshot)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.parts {
		if f.parts[i].Key == key {
			change(&f.parts[i].Snapshot)
			return nil
		}
	}
	return fmt.Errorf("no partition %q", key)
}

func (f *fakePartRun) PausePartition(key string) error {
	f.note("pause " + key)
	return f.set(key, func(s *ingest.Snapshot) { s.State = ingest.StatePaused })
}

func (f *fakePartRun) ResumePartition(key string) error {
	f.note("resume " + key)
	return f.set(key, func(s *ingest.Snapshot) { s.State = ingest.StateRunning })
}

func (f *fakePartRun) RetryPartition(key string) error {
	f.note("retry " + key)
	return f.set(key, func(s *ingest.Snapshot) { s.State, s.Err = ingest.StateStarting, nil })
}

// backfillParts is eight three-hour windows in every state.
func backfillParts(now time.Time) []ingest.PartitionSnapshot {
	var out []ingest.PartitionSnapshot
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 8 {
		start := day.Add(time.Duration(i) * 3 * time.Hour)
		p := partition.Partition{Index: i, Key: start.Format("20060102T1504Z"), Start: start.Format(time.RFC3339), End: start.Add(3 * time.Hour).Format(time.RFC3339)}
		s := ingest.Snapshot{Profile: "demo-backfill", State: ingest.StateStarting}
		switch {
		case i < 3:
			s.State, s.Pages, s.Records, s.Started, s.LastPage = ingest.StateDone, 5, 108, now.Add(-20*time.Second), now.Add(-18*time.Second)
		case i == 3:
			s.State, s.Pages, s.Records, s.Started, s.Retries = ingest.StateRunning, 3, 75, now.Add(-3*time.Second), 1
		case i == 4:
			s.State, s.Detail, s.Until, s.Pages, s.Records, s.Started, s.Retries = ingest.StateRetrying, "2/6 — HTTP 503: retryable status", now.Add(2*time.Second), 1, 25, now.Add(-5*time.Second), 2
		case i == 5:
			s.State, s.Pages, s.Records, s.Started, s.LastPage = ingest.StateFailed, 0, 0, now.Add(-4*time.Second), now.Add(-4*time.Second)
			s.Err = errors.New("HTTP 404: not retryable")
		}
		out = append(out, ingest.PartitionSnapshot{Partition: p, Snapshot: s})
	}
	return out
}

// partHarness is a console whose profiles start partitioned fake runs.
func partHarness(t *testing.T, width, height int) (*harness, *fakePartRun) {
	h := newHarness(t, testProfiles("/out"))
	var run *fakePartRun
	h.m.env.opts.Start = func(p Profile, fresh bool) (Runner, error) {
		snap := ingest.Snapshot{Profile: p.Name, State: ingest.StateRunning, Started: h.clock.t.Add(-20 * time.Second), Pages: 14, Records: 316, Retries: 3, Throttles: 4,
			Partitions: &ingest.PartitionSummary{Total: 8, Done: 3, Running: 2, Failed: 1, Waiting: 2, FailedKeys: []string{"20260101T1500Z"}, Requests: 17, Rate: 50, ServerLimit: -1}}
		run = &fakePartRun{fakeRun: newFakeRun(snap), parts: backfillParts(h.clock.t)}
		h.runs = append(h.runs, run.fakeRun)
		return run, nil
	}
	h.send(tea.WindowSizeMsg{Width: width, Height: height})
	h.keys("enter")
	at := func(d time.Duration) ingest.At { return ingest.At{T: t0.Add(d), Partition: "20260101T0900Z"} }
	h.events(
		ingest.Started{At: ingest.At{T: t0}, Profile: "demo-backfill", URL: "http://127.0.0.1:8093/v1/offset", Out: "/out/demo-backfill"},
		ingest.PartitionStarted{Started: ingest.Started{At: at(0), Out: "/out/demo-backfill/partitions/20260101T0900Z"}},
	)
	for n := 1; n <= 3; n++ {
		pg := samplePage(n, t0.Add(time.Duration(n)*time.Second))
		pg.At.Partition = "20260101T0900Z"
		h.events(pg)
	}
	h.events(ingest.RetryScheduled{At: at(4 * time.Second), Page: 4, Attempt: 1, MaxAttempts: 6, Cause: "HTTP 503: retryable status", Wait: time.Second, Source: "backoff"})
	// Twenty requests a second for two seconds: the budget's rate.
	for i := range 21 {
		h.clock.t = t0.Add(time.Duration(i) * 100 * time.Millisecond)
		run.mu.Lock()
		run.snap.Partitions.Requests = 17 + int64(i*2)
		run.mu.Unlock()
		h.send(tickMsg(h.clock.t))
	}
	return h, run
}

// TestGoldenPartitions draws a partitioned run's table, filtered, and one
// partition opened. Update with: go test ./tui -run TestGoldenPartitions -update
func TestGoldenPartitions(t *testing.T) {
	views := []struct {
		name string
		keys []string
	}{
		{name: "table"},
		{name: "filtered", keys: []string{"/", "f", "a", "i", "l", "enter"}},
		{name: "help", keys: []string{"?"}},
		{name: "partition", keys: []string{"j", "j", "j", "enter"}},
		{name: "partition-records", keys: []string{"j", "j", "j", "enter", "r"}},
	}
	for _, size := range [][2]int{{80, 24}, {100, 30}} {
		for _, v := range views {
			t.Run(fmt.Sprintf("%s-%dx%d", v.name, size[0], size[1]), func(t *testing.T) {
				h, _ := partHarness(t, size[0], size[1])
				for _, k := range v.keys {
					if k == "enter" || k == "esc" {
						h.keys(k)
						continue
					}
					h.send(runes(k))
				}
				h.send(tickMsg(h.clock.t))
				golden.RequireEqual(t, []byte(h.m.View()))
			})
		}
	}
}

// TestPartitionKeys drives the table: move, pause and resume one, pause
// all, retry a failed one, filter, open one and go back.
func TestPartitionKeys(t *testing.T) {
	h, run := partHarness(t, 100, 30)
	h.screenHas("budget 20.0 req/s of 50.0/s", "partitions 3/8 done", "20260101T1500Z", "HTTP 404: not retryable", "WAITING")

	h.send(runes("j"))
	h.send(runes("p"))
	h.send(tickMsg(h.clock.t))
	h.screenHas("pausing 20260101T0300Z after its page")
	h.send(runes("p"))
	h.send(runes("P"))
	h.send(runes("G")) // the last row: a partition not started
	h.send(runes("R"))
	h.screenHas("only a failed partition can be retried")

	h.send(runes("/"))
	for _, r := range "fail" {
		h.send(runes(string(r)))
	}
	h.keys("enter")
	h.send(runes("R"))
	h.send(tickMsg(h.clock.t))
	h.screenHas("retrying 20260101T1500Z from its checkpoint")
	h.keys("esc") // clears the filter
	h.send(tickMsg(h.clock.t))
	h.screenHas("20260101T0000Z", "20260101T1500Z")

	want := []string{"pause 20260101T0300Z", "resume 20260101T0300Z", "pause", "retry 20260101T1500Z"}
	if got := run.callList(); !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}

	// Open the partition with events: its own log and pages.
	h.send(runes("g"))
	for range 3 {
		h.send(runes("j"))
	}
	h.keys("enter")
	v := h.m.top().(runView)
	if v.sess.partKey != "20260101T0900Z" || !strings.Contains(strings.Join(v.crumbs(nil), " › "), "20260101T0900Z") {
		t.Fatalf("opened %q", v.sess.partKey)
	}
	if v.sess.pages.len() != 3 || v.sess.log.len() == 0 {
		t.Errorf("the partition holds %d pages and %d log lines", v.sess.pages.len(), v.sess.log.len())
	}
	h.send(runes("p"))
	if got := run.callList(); got[len(got)-1] != "pause 20260101T0900Z" {
		t.Errorf("p on the partition called %q", got)
	}
	h.keys("esc")
	if _, ok := h.m.top().(runView); !ok || h.m.top().(runView).sess.parent != nil {
		t.Errorf("esc did not go back to the run")
	}
	// The whole run's log names each line's partition.
	parent := h.m.top().(runView).sess
	found := false
	for pos := parent.log.first(); pos < parent.log.end(); pos++ {
		e, _ := parent.log.at(pos)
		found = found || strings.HasPrefix(e.text, "20260101T0900Z: retry page 4")
	}
	if !found {
		t.Errorf("the run's log lacks the partition's retry")
	}
}

// TestPartitionSessionsStayBounded sends events of many partitions: only
// maxPartSessions of them keep their own buffers.
func TestPartitionSessionsStayBounded(t *testing.T) {
	h, _ := partHarness(t, 80, 24)
	for i := range 3 * maxPartSessions {
		h.events(ingest.CheckpointSaved{At: ingest.At{T: t0, Partition: fmt.Sprintf("p%03d", i)}, Pages: 1, Records: 1})
	}
	s := h.runView().sess
	if len(s.parts) > maxPartSessions {
		t.Errorf("%d partition sessions kept, want at most %d", len(s.parts), maxPartSessions)
	}
	if _, ok := s.parts[fmt.Sprintf("p%03d", 3*maxPartSessions-1)]; !ok {
		t.Errorf("the latest partition's session was dropped")
	}
}
