package tui

import (
	"testing"
	"time"

	"siphon/ingest"
)

func TestRunProgress(t *testing.T) {
	tests := []struct {
		name     string
		snap     ingest.Snapshot
		ended    bool
		width    int
		wantOK   bool
		wantBar  string
		wantText string
		noRate   bool
	}{
		{name: "no total: counters only", snap: ingest.Snapshot{State: ingest.StateRunning, Records: 100}},
		{name: "records known, ETA from the record rate",
			snap: ingest.Snapshot{State: ingest.StateRunning, Records: 250, TotalRecords: 1000, Pages: 3, TotalPages: 10}, width: 80, wantOK: true,
			wantBar: "███████▌" + "░░░░░░░░░░░░░░░░░░░░░░", wantText: " 25% · 250 of 1,000 records · ETA 15s"},
		{name: "pages when only they are known",
			snap: ingest.Snapshot{State: ingest.StateSleeping, Pages: 3, TotalPages: 12}, width: 80, wantOK: true,
			wantBar: "███████▌" + "░░░░░░░░░░░░░░░░░░░░░░", wantText: " 25% · 3 of 12 pages · ETA 3m00s"},
		{name: "no rate yet", snap: ingest.Snapshot{State: ingest.StateRunning, Records: 0, TotalRecords: 10}, noRate: true, width: 80, wantOK: true,
			wantBar: "░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░", wantText: "  0% · 0 of 10 records · ETA …"},
		{name: "paused", snap: ingest.Snapshot{State: ingest.StatePaused, Records: 5, TotalRecords: 10}, width: 80, wantOK: true,
			wantBar: "███████████████░░░░░░░░░░░░░░░", wantText: " 50% · 5 of 10 records · ETA when resumed"},
		{name: "a total the API got wrong stays at 100%", snap: ingest.Snapshot{State: ingest.StateDone, Records: 12, TotalRecords: 10}, ended: true, width: 80, wantOK: true,
			wantBar: "██████████████████████████████", wantText: "100% · 12 of 10 records"},
		{name: "narrow: no bar", snap: ingest.Snapshot{State: ingest.StateRunning, Records: 5, TotalRecords: 10}, width: 36, wantOK: true,
			wantText: " 50% · 5 of 10 records · ETA 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recordRate, pageRate := 50.0, 0.05
			if tt.noRate {
				recordRate, pageRate = 0, 0
			}
			p, ok := runProgress(tt.snap, recordRate, pageRate)
			if ok != tt.wantOK {
				t.Fatalf("ok = %v", ok)
			}
			if !ok {
				return
			}
			bar, text := progressText(p, tt.snap.State, tt.ended, tt.width)
			if bar != tt.wantBar || text != tt.wantText {
				t.Errorf("got %q %q\nwant %q %q", bar, text, tt.wantBar, tt.wantText)
			}
		})
	}
}

func TestProgressBarEighths(t *testing.T) {
	tests := map[float64]string{0: "····", 1: "████", 0.5: "██··", 0.53: "██▏·", 2: "████", -1: "····"}
	for f, want := range tests {
		if got := []rune(progressBar(f, 4)); string(got) != replaceDots(want) {
			t.Errorf("progressBar(%v) = %q, want %q", f, string(got), replaceDots(want))
		}
	}
}

func replaceDots(s string) string {
	out := []rune(s)
	for i, r := range out {
		if r == '·' {
			out[i] = '░'
		}
	}
	return string(out)
}

func TestETAFollowsTheRecentRate(t *testing.T) {
	p := progress{done: 100, total: 1000, rate: 30}
	if d, ok := p.eta(); !ok || d != 30*time.Second {
		t.Errorf("eta = %v, %v", d, ok)
	}
	if got := etaText(90500 * time.Millisecond); got != "1m30s" {
		t.Errorf("etaText = %q", got)
	}
}
