//go:build unix

package ingest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"siphon/ingest"
	"siphon/ingest/demoapi/demoproc"
	"siphon/ingest/spec"
)

// benchRecords is the data set of the run benchmarks: 1000 pages of 100.
const benchRecords = 100_000

// BenchmarkRun compares a full siphon run (cursor pagination, 100 records a
// page, records.jsonl written) with a plain Go loop over the same API, in the
// same benchmark run. The API is `siphon demo-server` in its own process, so
// its CPU is not counted against the client: cpu-ns/rec is this process's
// own user+system time per record. Compare records/s and cpu-ns/rec between
// variants of one run; absolute figures depend on the machine.
//
//	go test ./ingest -run '^$' -bench BenchmarkRun -benchtime 3x
func BenchmarkRun(b *testing.B) {
	if testing.Short() {
		b.Skip("-short: the run benchmarks build siphon and move 100,000 records")
	}
	base := demoproc.Start(b, benchRecords)
	cfg := spec.Config{Name: "bench", BaseURL: base, Path: "/v1/cursor", Records: ".data", PrimaryKey: []string{"id"},
		Pagination: spec.PaginationConfig{Type: "cursor", Limit: 100, CursorPath: ".pagination.next_cursor"}}

	b.Run("plain-loop", func(b *testing.B) {
		measure(b, func(out string) int { return plainLoop(b, base, out, false) })
	})
	// The same loop keeping each raw body in a file of its own, as
	// siphon's page archive does: what one file created per page costs on
	// this file system, whoever creates it.
	b.Run("plain-loop-raw-pages", func(b *testing.B) {
		measure(b, func(out string) int { return plainLoop(b, base, out, true) })
	})
	for _, variant := range []struct {
		name string
		raw  bool
		opts []ingest.Option
	}{
		{"siphon", false, nil},
		{"siphon-raw-pages", true, nil},
		{"siphon-no-checkpoints", false, []ingest.Option{ingest.WithCommitInterval(-1)}},
	} {
		b.Run(variant.name, func(b *testing.B) {
			c := cfg
			c.Output.RawPages = variant.raw
			client, err := ingest.New(c, variant.opts...)
			if err != nil {
				b.Fatal(err)
			}
			measure(b, func(out string) int {
				r := client.Start(context.Background(), ingest.Job{Out: out})
				for range r.Events() {
				}
				if err := r.Wait(); err != nil {
					b.Fatal(err)
				}
				return int(r.Snapshot().Records)
			})
		})
	}
}

// measure runs one full pass per iteration, each into a fresh output
// folder (see benchOut), and reports, per record: the throughput, this
// process's CPU time, and the heap allocations.
func measure(b *testing.B, pass func(out string) int) {
	var mem0, mem1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&mem0)
	var cpu time.Duration
	b.ResetTimer()
	records := 0
	for range b.N {
		out := benchOut(b)
		cpu0 := processCPU(b)
		n := pass(out)
		cpu += processCPU(b) - cpu0
		if n != benchRecords {
			b.Fatalf("%d records, want %d", n, benchRecords)
		}
		records += n
	}
	b.StopTimer()
	runtime.ReadMemStats(&mem1)
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(records), "cpu-ns/rec")
	b.ReportMetric(float64(mem1.Mallocs-mem0.Mallocs)/float64(records), "allocs/rec")
	b.ReportMetric(float64(mem1.TotalAlloc-mem0.TotalAlloc)/float64(records), "B/rec")
}

// processCPU is the user+system CPU time this process has used so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// plainLoop is what a hand-written Go program does: get a page, decode it
// into a struct that keeps each record's raw bytes, write those bytes as a
// line into a buffered file, follow the cursor.
func plainLoop(b *testing.B, base, dir string, archive bool) int {
	f, err := os.Create(filepath.Join(dir, "records.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if archive {
		if err := os.Mkdir(filepath.Join(dir, "pages"), 0o700); err != nil {
			b.Fatal(err)
		}
	}
	w := bufio.NewWriterSize(f, 1<<20)
	n, cursor := 0, ""
	for pageNo := 1; ; pageNo++ {
		resp, err := http.Get(fmt.Sprintf("%s/v1/cursor?limit=100&cursor=%s", base, url.QueryEscape(cursor)))
		if err != nil {
			b.Fatal(err)
		}
		var page struct {
			Data       []json.RawMessage `json:"data"`
			Pagination struct {
				NextCursor *string `json:"next_cursor"`
			} `json:"pagination"`
		}
		if archive {
			// What a script that keeps raw pages does: a file a body.
			body, err := io.ReadAll(resp.Body)
			if err == nil {
				err = os.WriteFile(filepath.Join(dir, "pages", fmt.Sprintf("%06d.body", pageNo)), body, 0o600)
			}
			if err == nil {
				err = json.Unmarshal(body, &page)
			}
			if err != nil {
				b.Fatal(err)
			}
		} else if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		for _, rec := range page.Data {
			w.Write(rec)
			w.WriteByte('\n')
			n++
		}
		if page.Pagination.NextCursor == nil || *page.Pagination.NextCursor == "" {
			if err := w.Flush(); err != nil {
				b.Fatal(err)
			}
			return n
		}
		cursor = *page.Pagination.NextCursor
	}
}
