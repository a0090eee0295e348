//go:build unix

package ingest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	"siphon/ingest/demoapi/demoproc"
	"siphon/ingest/spec"
)

// BenchmarkPartitionsUnderLimit: 50,000 records in 10 id windows, offset
// paging, against `siphon demo-server --latency 50ms --rate-limit 100` in
// its own process (X-RateLimit headers, 1-second windows). It reports the
// share of the server's limit the run used (requests/s over the run ÷ 100)
// and the 429s it provoked, with 8 partitions in flight and with 1; and
// the same data in 40 windows. The counts are the server's own (requests
// fetched ahead and never used count too). At the tail of 10 windows,
// fewer partitions than workers are left and spare slots fetch their pages
// ahead (ahead.go); without that the run reached 0.73 of the limit.
//
//	go test ./ingest -run '^$' -bench BenchmarkPartitionsUnderLimit -benchtime 1x
//
// serverStats reads the demo server's counters.
func serverStats(b *testing.B, base string) demoapi.Stats {
	resp, err := http.Get(strings.TrimSuffix(base, "/") + demoapi.StatsPath)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var st demoapi.Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		b.Fatal(err)
	}
	return st
}

func BenchmarkPartitionsUnderLimit(b *testing.B) {
	if testing.Short() {
		b.Skip("-short: builds siphon and runs for half a minute")
	}
	const records, limit = 50_000, 100
	base := demoproc.Start(b, records, "--latency", "50ms", "--rate-limit", "100", "--rate-limit-headers", "x")
	for _, v := range []struct {
		name                 string
		windows, concurrency int
	}{{"10-windows-concurrency-8", 10, 8}, {"10-windows-concurrency-1", 10, 1}, {"40-windows-concurrency-8", 40, 8}} {
		windows, concurrency := v.windows, v.concurrency
		b.Run(v.name, func(b *testing.B) {
			cfg := spec.Config{Name: "bench-windows", BaseURL: base, Path: "/v1/offset", Records: ".data", PrimaryKey: []string{"id"},
				Params:      map[string]string{"id_gte": "${partition.start}", "id_lt": "${partition.end}"},
				Pagination:  spec.PaginationConfig{Type: "offset", Limit: 100, TotalPath: ".total"},
				Partitions:  spec.PartitionsConfig{Ints: spec.IntPartitions{Start: 1, End: records + 1, Every: records / windows}},
				Concurrency: concurrency}
			var ratio, tooMany, requests float64
			for range b.N {
				client, err := ingest.New(cfg)
				if err != nil {
					b.Fatal(err)
				}
				before := serverStats(b, base)
				start := time.Now()
				r := client.Start(context.Background(), ingest.Job{Out: b.TempDir()})
				for range r.Events() {
				}
				if err := r.Wait(); err != nil {
					b.Fatal(err)
				}
				elapsed := time.Since(start)
				after := serverStats(b, base)
				if s := r.Snapshot(); s.Records != records {
					b.Fatalf("%d records, want %d", s.Records, records)
				}
				// The server's own counts: every request it served, those
				// fetched ahead and never used included.
				ratio += float64(after.Requests-before.Requests) / elapsed.Seconds() / limit
				tooMany += float64(after.TooMany - before.TooMany)
				requests += float64(after.Requests - before.Requests)
			}
			b.ReportMetric(ratio/float64(b.N), "of-limit")
			b.ReportMetric(tooMany/float64(b.N), "429s")
			b.ReportMetric(requests/float64(b.N), "requests")
		})
	}
}
