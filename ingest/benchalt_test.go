//go:build unix

package ingest_test

import (
	"fmt"
	"testing"
	"time"

	"siphon/ingest"
	"siphon/ingest/demoapi/demoproc"
)

// BenchmarkRunAlternating puts siphon and the plain loop side by side
// within each iteration, taking turns on who goes first: siphon's default
// (archive on) at 100 records a page against the loop that keeps no
// pages, and at 10 a page with the archive on (the loop then appends every
// body to one file, as a script that keeps raw pages cheaply would) and
// off. BenchmarkRun's -count repeats
// each implementation several times in a row, so a shared machine's load
// drifting between them falls on one side only; here it falls on both
// alike, and the ratios are the figures to read:
//
//	go test ./ingest -run '^$' -bench BenchmarkRunAlternating -benchtime 4x -count 6 | tee alt.txt
//	benchstat alt.txt
//
// siphon/loop is siphon's throughput over the loop's (above 1: faster);
// cpu-siphon/loop is its CPU per record over the loop's (this process's
// user+system time; the API is a process of its own), and srv-siphon/loop
// the API's CPU while serving siphon over while serving the loop (Linux).
func BenchmarkRunAlternating(b *testing.B) {
	if testing.Short() {
		b.Skip("-short: the run benchmarks build siphon and move 100,000 records")
	}
	base := demoproc.Start(b, benchRecords)
	plainLoop(b, base, b.TempDir(), 100, false) // warm both ends first, untimed
	for _, c := range []struct {
		perPage     int
		archive     bool // siphon's output.raw_pages
		loopArchive bool // the loop appends every body to one file
	}{
		{100, true, false}, // the default against the loop that keeps no pages: the strict comparison
		{10, true, true},   // small pages, both keeping them
		{10, false, false}, // small pages, neither keeping them
	} {
		perPage := c.perPage
		b.Run(fmt.Sprintf("page=%d/archive=%v", perPage, c.archive), func(b *testing.B) {
			cfg := cursorProfile(base, perPage)
			cfg.Output.RawPages = c.archive // on is the default
			client, err := ingest.New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			passes := [2]func(out string) int{
				func(out string) int { return plainLoop(b, base, out, perPage, c.loopArchive) },
				siphonPass(b, client),
			}
			var wall, cpu, srv [2]time.Duration
			srvOK := true
			b.ResetTimer()
			for i := range b.N {
				for j := range 2 {
					k := (i + j) % 2
					out := benchOut(b)
					srv0, ok0 := demoproc.CPU(base)
					cpu0, start := processCPU(b), time.Now()
					if n := passes[k](out); n != benchRecords {
						b.Fatalf("%d records, want %d", n, benchRecords)
					}
					wall[k] += time.Since(start)
					cpu[k] += processCPU(b) - cpu0
					srv1, ok1 := demoproc.CPU(base)
					srvOK = srvOK && ok0 && ok1
					srv[k] += srv1 - srv0
				}
			}
			b.StopTimer()
			recs := float64(b.N * benchRecords)
			b.ReportMetric(recs/wall[0].Seconds(), "loop-records/s")
			b.ReportMetric(recs/wall[1].Seconds(), "siphon-records/s")
			b.ReportMetric(wall[0].Seconds()/wall[1].Seconds(), "siphon/loop")
			b.ReportMetric(cpu[1].Seconds()/cpu[0].Seconds(), "cpu-siphon/loop")
			if srv[0] > 0 && srvOK {
				// The server's CPU per pass, siphon's over the loop's: the
				// same requests, so above 1 means a slower client's pauses
				// cost the server too (its threads park and are woken).
				b.ReportMetric(srv[1].Seconds()/srv[0].Seconds(), "srv-siphon/loop")
			}
		})
	}
}
