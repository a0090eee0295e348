//go:build unix

package ingest_test

import (
	"fmt"
	"testing"
	"time"

	"siphon/ingest"
	"siphon/ingest/demoapi/demoproc"
	_ "siphon/ingest/store/s3store" // serves s3://
	"siphon/ingest/store/s3store/s3test"
)

// BenchmarkS3Output compares the same run (cursor pagination, 100 records
// a page, the page archive on: the defaults) written to a local folder and
// to s3:// on the Versity gateway on loopback, alternating in one
// benchmark run. The API and the gateway are processes of their own.
// s3/local is the throughput ratio (over -count runs, with benchstat).
//
//	go test ./ingest -run '^$' -bench BenchmarkS3Output -benchtime 2x -count 5 | tee s3.txt; benchstat s3.txt
func BenchmarkS3Output(b *testing.B) {
	if testing.Short() {
		b.Skip("-short: the S3 benchmark starts a gateway and moves 100,000 records")
	}
	base := demoproc.Start(b, benchRecords)
	srv := s3test.Start(b)
	srv.Setenv(b)
	srv.Bucket(b, "bench")
	cfg := cursorProfile(base, 100)
	cfg.Output.RawPages = true
	client, err := ingest.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	pass := siphonPass(b, client)
	run := func(out string) {
		if n := pass(out); n != benchRecords {
			b.Fatalf("%d records, want %d", n, benchRecords)
		}
	}
	seq := 0
	// The API and the gateway start once; b.Run's function is called
	// again for each b.N.
	b.Run("alternating", func(b *testing.B) {
		// Alternated within each iteration, so the machine's drift (it is
		// shared) falls on both alike; the ratio is the figure to read.
		var local, remote time.Duration
		for i := range b.N {
			for j := range 2 {
				start := time.Now()
				if (i+j)%2 == 0 {
					run(benchOut(b))
					local += time.Since(start)
				} else {
					seq++
					run(fmt.Sprintf("s3://bench/run-%d", seq))
					remote += time.Since(start)
				}
			}
		}
		n := float64(b.N * benchRecords)
		b.ReportMetric(n/local.Seconds(), "local-records/s")
		b.ReportMetric(n/remote.Seconds(), "s3-records/s")
		b.ReportMetric(local.Seconds()/remote.Seconds(), "s3/local")
	})
}
