package ingest_test

import (
	"errors"
	"net/http"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"siphon/ingest"
	"siphon/ingest/jqguard"
	"siphon/ingest/spec"
)

// peakHeap samples the heap until stop is closed and returns the largest
// value seen.
func peakHeap(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak atomic.Uint64
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				out <- peak.Load()
				return
			case <-t.C:
			}
		}
	}()
	return out
}

// TestRunawayJQIsStoppedByMemory runs expressions that grow without end, in
// the records and in the cursor path: each stops with an error naming it
// long before the request timeout, and the heap stays near the bound.
func TestRunawayJQIsStoppedByMemory(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocates hundreds of MiB; under -race, slowly and with another heap")
	}
	const limit = 256 << 20
	srv := newHostile(t, nil, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"data":[{"id":1}],"a":1}`))
	})
	cases := []struct {
		name, records, cursor, names string
		slack                        uint64 // what one step of the expression may allocate at once
	}{
		{"repeat", "repeat(.)", "", "records repeat(.)", 64 << 20},
		{"recursion", "def f: [f]; f", "", "records def f: [f]; f", 128 << 20},
		// one string repeat is a single allocation of 7 bytes × 1e8 = 670
		// MiB, which nothing can interrupt; what follows it is stopped
		{"string repeat", ".a | tostring * 1e8", "", "records .a | tostring * 1e8", 800 << 20},
		{"cursor", ".data", "[repeat(1)]", "cursor_path [repeat(1)]", 64 << 20},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			runtime.GC()
			cfg := spec.Config{Name: "runaway", BaseURL: srv.URL, Records: tc.records, Timeout: time.Minute, Retry: spec.RetryConfig{MaxAttempts: 1}}
			if tc.cursor != "" {
				cfg.Pagination = spec.PaginationConfig{Type: "cursor", CursorPath: tc.cursor}
			}
			stop := make(chan struct{})
			peak := peakHeap(stop)
			start := time.Now()
			_, err := run(t, cfg, ingest.Job{Out: t.TempDir()}, ingest.WithJQMemoryLimit(limit))
			took := time.Since(start)
			close(stop)
			p := <-peak
			t.Logf("%s: stopped after %s, heap peak %d MiB (bound %d MiB)", tc.name, took.Round(time.Millisecond), p>>20, limit>>20)
			if !errors.Is(err, jqguard.ErrMemory) || !strings.Contains(err.Error(), tc.names) {
				t.Fatalf("got %v, want a memory stop naming %q", err, tc.names)
			}
			// The guard samples the heap every few milliseconds; on a loaded
			// machine its goroutine may run late, so the bound is checked
			// with room for that: still megabytes, where an unguarded run
			// takes gigabytes.
			if p > limit+max(tc.slack, limit/2) {
				t.Errorf("heap peaked at %d MiB, bound %d MiB", p>>20, limit>>20)
			}
		})
	}
}
