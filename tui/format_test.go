package tui

import (
	"errors"
	"testing"
	"time"

	"siphon/ingest"
	"siphon/ingest/httphdr"
	"siphon/ingest/store"
)

var t0 = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

func TestFormatCountAndBytes(t *testing.T) {
	counts := map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4200: "-4,200"}
	for n, want := range counts {
		if got := formatCount(n); got != want {
			t.Errorf("formatCount(%d) = %q, want %q", n, got, want)
		}
	}
	sizes := map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 3500: "3.4 KiB", 20 << 20: "20 MiB", 3 << 30: "3.0 GiB"}
	for n, want := range sizes {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	tests := map[time.Duration]string{
		-time.Second:            "0s",
		950 * time.Millisecond:  "950ms",
		2500 * time.Millisecond: "2.5s",
		12 * time.Second:        "12s",
		184 * time.Second:       "3m04s",
		62 * time.Minute:        "1h02m",
	}
	for d, want := range tests {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestStateDetail(t *testing.T) {
	tests := []struct {
		name string
		snap ingest.Snapshot
		word string
		want string
	}{
		{"starting", ingest.Snapshot{State: ingest.StateStarting}, "RUNNING", "starting"},
		{"running", ingest.Snapshot{State: ingest.StateRunning}, "RUNNING", ""},
		{"sleeping counts down, rounded up", ingest.Snapshot{State: ingest.StateSleeping, Detail: "429 Retry-After", Until: t0.Add(11200 * time.Millisecond)}, "SLEEPING", "12s — 429 Retry-After"},
		{"retrying puts the wait after the attempt", ingest.Snapshot{State: ingest.StateRetrying, Detail: "2/6 — HTTP 503: retryable status", Until: t0.Add(3 * time.Second)}, "RETRYING", "2/6 in 3s — HTTP 503: retryable status"},
		{"retry wait over", ingest.Snapshot{State: ingest.StateRetrying, Detail: "3/6 — reset", Until: t0.Add(-time.Second)}, "RETRYING", "3/6 in 0s — reset"},
		{"done says why", ingest.Snapshot{State: ingest.StateDone, Detail: "no next cursor"}, "DONE", "no next cursor"},
		{"failed says why", ingest.Snapshot{State: ingest.StateFailed, Detail: "HTTP 404"}, "FAILED", "HTTP 404"},
	}
	for _, tt := range tests {
		if got := stateWord(tt.snap); got != tt.word {
			t.Errorf("%s: word %q, want %q", tt.name, got, tt.word)
		}
		if got := stateDetail(tt.snap, t0); got != tt.want {
			t.Errorf("%s: detail %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestRateLimitText(t *testing.T) {
	tests := []struct {
		rl   httphdr.RateLimit
		want string
	}{
		{httphdr.RateLimit{Limit: 5, Remaining: 3, Reset: t0.Add(1500 * time.Millisecond)}, "▮▮▮▮▮▮▯▯▯▯ 3/5 left, resets in 2s"},
		{httphdr.RateLimit{Limit: -1, Remaining: 7}, "7 left"},
		{httphdr.RateLimit{Limit: 100, Remaining: -1, Reset: t0.Add(-time.Second)}, "limit 100, reset"},
	}
	for _, tt := range tests {
		got := rateLimitText(ingest.Snapshot{RateLimit: tt.rl, HasRateLimit: true}, t0)
		if got != tt.want {
			t.Errorf("rateLimitText(%+v) = %q, want %q", tt.rl, got, tt.want)
		}
	}
	if got := rateLimitText(ingest.Snapshot{}, t0); got != "no rate-limit headers seen" {
		t.Errorf("without headers: %q", got)
	}
}

func TestSparkline(t *testing.T) {
	tests := []struct {
		values []float64
		width  int
		want   string
	}{
		{nil, 3, "   "},
		{[]float64{0, 1, 2, 4, 8}, 5, " ▁▂▄█"},
		{[]float64{5, 5, 5, 8, 8}, 2, "██"},
		{[]float64{0, 0}, 2, "  "},
	}
	for _, tt := range tests {
		if got := sparkline(tt.values, tt.width); got != tt.want {
			t.Errorf("sparkline(%v, %d) = %q, want %q", tt.values, tt.width, got, tt.want)
		}
	}
}

func TestCheckpointText(t *testing.T) {
	tests := []struct {
		cp   *store.Checkpoint
		err  error
		want string
	}{
		{nil, nil, "new"},
		{&store.Checkpoint{Pages: 12, UpdatedAt: t0.Add(-3 * time.Minute)}, nil, "resumable at page 13 · 3m ago"},
		{&store.Checkpoint{Pages: 10, Done: true, UpdatedAt: t0.Add(-2 * time.Second)}, nil, "done · 2.0s ago"},
		{nil, errors.New("torn"), "checkpoint damaged"},
	}
	for _, tt := range tests {
		if got := checkpointText(tt.cp, tt.err, t0); got != tt.want {
			t.Errorf("checkpointText(%+v, %v) = %q, want %q", tt.cp, tt.err, got, tt.want)
		}
	}
}

func TestFitAndCut(t *testing.T) {
	if got := fit("abcdef", 4); got != "abc…" {
		t.Errorf("fit cuts: %q", got)
	}
	if got := fit("ab", 4); got != "ab  " {
		t.Errorf("fit pads: %q", got)
	}
	if got := cut("ab", 4); got != "ab" {
		t.Errorf("cut does not pad: %q", got)
	}
	if got := fit("x", 0); got != "" {
		t.Errorf("fit to nothing: %q", got)
	}
}

func TestThroughput(t *testing.T) {
	tp := newThroughput()
	// 100 records a second for 3 s, observed 10 times a second, then idle.
	for i := range 31 {
		tp.observe(t0.Add(time.Duration(i)*100*time.Millisecond), int64(i*10))
	}
	if r := tp.rate(); r < 99 || r > 101 {
		t.Errorf("rate %v, want 100", r)
	}
	if got := tp.perSecond(); len(got) != 3 || got[0] != 100 || got[2] != 100 {
		t.Errorf("history %v", got)
	}
	tp.observe(t0.Add(10*time.Second), 300)
	if r := tp.rate(); r != 0 {
		t.Errorf("idle rate %v, want 0", r)
	}
	if got := tp.perSecond(); len(got) != 10 || got[9] != 0 {
		t.Errorf("idle seconds are not zeros: %v", got)
	}
}
