package ingest_test

import (
	"context"
	"testing"
	"time"

	"siphon/ingest"
)

// BenchmarkHeaderPacing measures how close header-only pacing gets to a
// server's announced 20 requests/s, per header dialect: 650 pages of 10, so
// one run lasts at least 32 s. Run it with -benchtime 1x; ratio is achieved
// requests/s over the limit (1 is perfect), and 429s should stay 0. busy_s
// is the time not spent in rate-limit sleeps: on a loaded machine it, not
// the pacing, is what pulls the ratio down.
func BenchmarkHeaderPacing(b *testing.B) {
	const records, pageSize = 6500, 10
	for _, dialect := range pacedDialects {
		b.Run(dialect, func(b *testing.B) {
			srv := pacedServer(dialect, records)
			defer srv.Close()
			c, err := ingest.New(pacedConfig(srv, dialect, pageSize))
			if err != nil {
				b.Fatal(err)
			}
			var elapsed, slept time.Duration
			for i := 0; i < b.N; i++ {
				start := time.Now()
				r := c.Start(context.Background(), ingest.Job{Out: b.TempDir()})
				for ev := range r.Events() {
					if th, ok := ev.(ingest.Throttled); ok {
						slept += th.Wait
					}
				}
				if err := r.Wait(); err != nil {
					b.Fatal(err)
				}
				elapsed += time.Since(start)
				if s := r.Snapshot(); s.Records != records {
					b.Fatalf("%d records, want %d", s.Records, records)
				}
			}
			st := srv.Stats()
			rps := float64(st.Requests) / elapsed.Seconds()
			b.ReportMetric(rps, "achieved_rps")
			b.ReportMetric(rps/pacedLimit, "ratio")
			b.ReportMetric(float64(st.TooMany), "429s")
			b.ReportMetric((elapsed-slept).Seconds()/float64(b.N), "busy_s")
		})
	}
}
