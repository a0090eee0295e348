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

// BenchmarkRun compares full siphon runs (cursor pagination, records.jsonl
// written) with a plain Go loop over the same API, in the same benchmark
// run, at 100 and at 10 records a page, with the page archive off and on
// (on is the default). The API is `siphon demo-server` in its own process,
// so its CPU is not counted against the client: cpu-ns/rec is this
// process's own user+system time per record. Compare records/s and
// cpu-ns/rec between the impl columns of one run (benchstat -col /impl);
// absolute figures depend on the machine.
//
//	go test ./ingest -run '^$' -bench BenchmarkRun -benchtime 3x -count 6 | tee new.txt
//	benchstat -col /impl new.txt
//
// The baselines are the fastest honest hand-written equivalents:
// plain-loop gets each page with net/http, keeps each record's raw bytes
// and writes them as lines through one buffered writer; plain-archive
// also appends every raw body through a buffered writer to one file, as a
// script that keeps raw pages cheaply would.
func BenchmarkRun(b *testing.B) {
	if testing.Short() {
		b.Skip("-short: the run benchmarks build siphon and move 100,000 records")
	}
	base := demoproc.Start(b, benchRecords)
	// One untimed pass first: the server's and the client's first pages
	// (connections, page cache, heap growth) are not the first case's cost.
	plainLoop(b, base, b.TempDir(), 100, false)
	for _, perPage := range []int{100, 10} {
		b.Run(fmt.Sprintf("page=%d", perPage), func(b *testing.B) {
			benchPageSize(b, base, perPage)
		})
	}
}

// cursorProfile is the run benchmarks' profile: the demo API's cursor
// pages of perPage records, the archive off.
func cursorProfile(base string, perPage int) spec.Config {
	return spec.Config{Name: "bench", BaseURL: base, Path: "/v1/cursor", Records: ".data", PrimaryKey: []string{"id"},
		Pagination: spec.PaginationConfig{Type: "cursor", Limit: perPage, CursorPath: ".pagination.next_cursor"}}
}

func benchPageSize(b *testing.B, base string, perPage int) {
	cfg := cursorProfile(base, perPage)
	b.Run("impl=plain-loop", func(b *testing.B) {
		measure(b, func(out string) int { return plainLoop(b, base, out, perPage, false) })
	})
	b.Run("impl=plain-archive", func(b *testing.B) {
		measure(b, func(out string) int { return plainLoop(b, base, out, perPage, true) })
	})
	for _, variant := range []struct {
		name string
		raw  bool
		opts []ingest.Option
	}{
		{"siphon-archive-off", false, nil},
		{"siphon", true, nil}, // the default: output.raw_pages on
	} {
		b.Run("impl="+variant.name, func(b *testing.B) {
			c := cfg
			c.Output.RawPages = variant.raw
			client, err := ingest.New(c, variant.opts...)
			if err != nil {
				b.Fatal(err)
			}
			measure(b, siphonPass(b, client))
		})
	}
}

// siphonPass is one full siphon run into out, as a pass, started as siphon
// run starts it (headless: no console inspects its pages): it says how many
// records the run wrote.
func siphonPass(b *testing.B, client *ingest.Client) func(out string) int {
	return func(out string) int {
		r := client.Start(context.Background(), ingest.Job{Out: out, Headless: true})
		for range r.Events() {
		}
		if err := r.Wait(); err != nil {
			b.Fatal(err)
		}
		return int(r.Snapshot().Records)
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
func plainLoop(b *testing.B, base, dir string, perPage int, archive bool) int {
	return plainLoopWith(b, http.DefaultClient, base, dir, perPage, archive)
}

// plainLoopWith is plainLoop sending through hc.
func plainLoopWith(b *testing.B, hc *http.Client, base, dir string, perPage int, archive bool) int {
	f, err := os.Create(filepath.Join(dir, "records.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	var bodies *bufio.Writer
	if archive {
		af, err := os.Create(filepath.Join(dir, "bodies.bin"))
		if err != nil {
			b.Fatal(err)
		}
		defer af.Close()
		bodies = bufio.NewWriterSize(af, 1<<20)
	}
	n, cursor := 0, ""
	for {
		resp, err := hc.Get(fmt.Sprintf("%s/v1/cursor?limit=%d&cursor=%s", base, perPage, url.QueryEscape(cursor)))
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
			// What a script that keeps raw pages cheaply does: every
			// body appended to one file.
			body, err := io.ReadAll(resp.Body)
			if err == nil {
				_, err = bodies.Write(body)
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
			if archive {
				if err := bodies.Flush(); err != nil {
					b.Fatal(err)
				}
			}
			return n
		}
		cursor = *page.Pagination.NextCursor
	}
}
