//go:build unix

package ingest_test

import (
	"fmt"
	"runtime/debug"
	"testing"
	"time"

	"siphon/ingest"
	"siphon/ingest/demoapi/demoproc"
	_ "siphon/ingest/store/s3store" // serves s3://
	"siphon/ingest/store/s3store/s3test"
)

// BenchmarkS3Output compares the same run (cursor pagination, the page
// archive on: the defaults) written to a local folder and to s3:// on the
// Versity gateway on loopback, alternating in one benchmark run. The API
// and the gateway are processes of their own. s3/local is the throughput
// ratio (over -count runs, with benchstat); cpu-s3/local compares
// siphon's own CPU, and gateway-cpu-ms is what the gateway spent a run, on
// the same cores. The collector runs at the siphon binary's pace
// (cmd/siphon/gc.go) on both sides.
//
// Two lengths: 100,000 records (a run of about half a second, where the
// store's fixed costs weigh: taking the lease, listing the prefix, and at
// the end the last parts, the completions and the checkpoint), at 100 and
// at 1,000 records a page (the same bytes in fewer requests, so the
// store's share is larger), and 1,000,000 at 100 a page (about five
// seconds, a backfill's steady state: segments uploaded while the walk
// goes on, and the local folder's syncs).
//
//	go test ./ingest -run '^$' -bench BenchmarkS3Output -benchtime 2x -count 5 | tee s3.txt; benchstat s3.txt
func BenchmarkS3Output(b *testing.B) {
	if testing.Short() {
		b.Skip("-short: the S3 benchmark starts a gateway and moves up to 1,000,000 records")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(200))
	srv := s3test.Start(b)
	srv.Setenv(b)
	srv.Bucket(b, "bench")
	bin := demoproc.Build(b)
	seq := 0
	for _, tc := range []struct {
		records int
		pages   []int // records a page
	}{
		{benchRecords, []int{100, 1000}},
		{1_000_000, []int{100}},
	} {
		base := demoproc.StartWith(b, bin, tc.records)
		b.Run(fmt.Sprintf("records=%d", tc.records), func(b *testing.B) {
			for _, perPage := range tc.pages {
				cfg := cursorProfile(base, perPage)
				cfg.Output.RawPages = true
				client, err := ingest.New(cfg)
				if err != nil {
					b.Fatal(err)
				}
				pass := siphonPass(b, client)
				run := func(out string) {
					if n := pass(out); n != tc.records {
						b.Fatalf("%d records, want %d", n, tc.records)
					}
				}
				// The API and the gateway start once; b.Run's function is
				// called again for each b.N.
				b.Run(fmt.Sprintf("page=%d", perPage), func(b *testing.B) {
					// Alternated within each iteration, so the machine's
					// drift (it is shared) falls on both alike; the ratio is
					// the figure to read.
					var local, remote, cpuLocal, cpuRemote, gateway time.Duration
					_, haveGatewayCPU := demoproc.ProcessCPU(srv.Pid()) // Linux's /proc only
					gatewayCPU := func() time.Duration {
						d, _ := demoproc.ProcessCPU(srv.Pid())
						return d
					}
					for i := range b.N {
						for j := range 2 {
							start, cpu := time.Now(), processCPU(b)
							if (i+j)%2 == 0 {
								run(benchOut(b))
								local += time.Since(start)
								cpuLocal += processCPU(b) - cpu
							} else {
								seq++
								gw := gatewayCPU()
								run(fmt.Sprintf("s3://bench/run-%d", seq))
								remote += time.Since(start)
								cpuRemote += processCPU(b) - cpu
								gateway += gatewayCPU() - gw
							}
						}
					}
					n := float64(b.N * tc.records)
					b.ReportMetric(n/local.Seconds(), "local-records/s")
					b.ReportMetric(n/remote.Seconds(), "s3-records/s")
					b.ReportMetric(local.Seconds()/remote.Seconds(), "s3/local")
					// siphon's own CPU on S3 against local, and the gateway's
					// a run (it shares the machine's cores).
					b.ReportMetric(cpuRemote.Seconds()/cpuLocal.Seconds(), "cpu-s3/local")
					if haveGatewayCPU {
						b.ReportMetric(gateway.Seconds()*1000/float64(b.N), "gateway-cpu-ms")
					}
				})
			}
		})
	}
}
