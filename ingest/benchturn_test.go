//go:build unix

package ingest_test

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"siphon/ingest"
	"siphon/ingest/demoapi/demoproc"
)

// BenchmarkRunTurnaround splits a page's time at 10 records a page, for
// siphon and the plain loop taking turns, into what the client spends
// between pages and what the request takes. On a shared machine the
// throughput ratio of BenchmarkRunAlternating swings by a tenth from run
// to run; these medians barely move, so a change to the run loop shows in
// them when it does not show there:
//
//	go test ./ingest -run '^$' -bench BenchmarkRunTurnaround -benchtime 2x -count 3
//
// turn-us is the median time from the last byte of a page's body (its
// read that returns io.EOF) to the next request reaching the transport:
// everything the client does between pages (siphon: scan the end of the
// body, write, archive, checkpoint bookkeeping, the page event, the next
// request through resty). rt-us is the median of the transport's round
// trips (the API's time, and net/http's); the rest of a page's time is
// between the round trip's return and the last byte, the first reads of
// the body.
func BenchmarkRunTurnaround(b *testing.B) {
	if testing.Short() {
		b.Skip("-short: the run benchmarks build siphon and move 100,000 records")
	}
	base := demoproc.Start(b, benchRecords)
	plainLoop(b, base, b.TempDir(), 100, false) // warm both ends first, untimed
	const perPage = 10
	for _, archive := range []bool{true, false} {
		b.Run(fmt.Sprintf("page=%d/archive=%v", perPage, archive), func(b *testing.B) {
			siphonTaps, loopTaps := &turnTap{next: newBenchTransport()}, &turnTap{next: newBenchTransport()}
			cfg := cursorProfile(base, perPage)
			cfg.Output.RawPages = archive
			client, err := ingest.New(cfg, ingest.WithTransport(siphonTaps))
			if err != nil {
				b.Fatal(err)
			}
			loopClient := &http.Client{Transport: loopTaps}
			passes := [2]func(out string) int{
				func(out string) int { return plainLoopWith(b, loopClient, base, out, perPage, archive) },
				siphonPass(b, client),
			}
			b.ResetTimer()
			for i := range b.N {
				for j := range 2 {
					if n := passes[(i+j)%2](benchOut(b)); n != benchRecords {
						b.Fatalf("%d records, want %d", n, benchRecords)
					}
					siphonTaps.between() // a pass's first request follows no page
					loopTaps.between()
				}
			}
			b.StopTimer()
			b.ReportMetric(median(siphonTaps.turns), "siphon-turn-us")
			b.ReportMetric(median(loopTaps.turns), "loop-turn-us")
			b.ReportMetric(median(siphonTaps.trips), "siphon-rt-us")
			b.ReportMetric(median(loopTaps.trips), "loop-rt-us")
		})
	}
}

// newBenchTransport is what a client without a transport of its own gets:
// both sides of a turnaround benchmark send through one like it.
func newBenchTransport() http.RoundTripper { return http.DefaultTransport.(*http.Transport).Clone() }

// turnTap times the requests of one client that sends one at a time: how
// long each round trip takes, and how long from a body's end to the next
// request.
type turnTap struct {
	next         http.RoundTripper
	ended        time.Time // the last body's end; zero: none since the last request
	turns, trips []time.Duration
}

func (t *turnTap) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	if !t.ended.IsZero() {
		t.turns = append(t.turns, start.Sub(t.ended))
		t.ended = time.Time{}
	}
	resp, err := t.next.RoundTrip(req)
	t.trips = append(t.trips, time.Since(start))
	if err == nil {
		resp.Body = &endTap{ReadCloser: resp.Body, t: t}
	}
	return resp, err
}

// between forgets the last body's end: the next request starts a pass.
func (t *turnTap) between() { t.ended = time.Time{} }

// endTap notes when its body's last byte was read.
type endTap struct {
	io.ReadCloser
	t *turnTap
}

func (e *endTap) Read(p []byte) (int, error) {
	n, err := e.ReadCloser.Read(p)
	if err == io.EOF && e.t.ended.IsZero() {
		e.t.ended = time.Now()
	}
	return n, err
}

// median is the middle of d, in microseconds.
func median(d []time.Duration) float64 {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return float64(s[len(s)/2]) / float64(time.Microsecond)
}
