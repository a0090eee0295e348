package schema

import (
	"encoding/json"
	"fmt"
	"testing"
)

// benchPage is 100 records of 10 fields, a few of them nested or escaped,
// like a typical orders API page.
func benchPage() []json.RawMessage {
	recs := make([]json.RawMessage, 100)
	for i := range recs {
		recs[i] = json.RawMessage(fmt.Sprintf(`{"id":%d,"created_at":"2024-05-01T12:%02d:00Z","status":"paid",`+
			`"amount":%d.25,"currency":"EUR","note":"said \"thanks\" \u00e9",`+
			`"customer":{"id":%d,"name":"Ann Example","country":"SE"},"items":[{"sku":"A-1","qty":2}],`+
			`"paid":true,"coupon":null}`, i, i%60, i*3, 1000+i))
	}
	return recs
}

func BenchmarkObserve(b *testing.B) {
	recs := benchPage()
	tr := NewTracker()
	for range baselinePages {
		tr.Observe(recs)
	}
	if tr.learning {
		b.Fatal("baseline not finished")
	}
	bytes := 0
	for _, r := range recs {
		bytes += len(r)
	}
	b.SetBytes(int64(bytes))
	b.ReportAllocs()
	for b.Loop() {
		if d := tr.Observe(recs); d != nil {
			b.Fatalf("stable page drifted: %v", d)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/record")
}

// BenchmarkJSONValidReference times encoding/json's validity check on the same
// page: a yardstick for BenchmarkObserve on a machine of unknown speed.
func BenchmarkJSONValidReference(b *testing.B) {
	recs := benchPage()
	for b.Loop() {
		for _, r := range recs {
			if !json.Valid(r) {
				b.Fatal("invalid benchmark record")
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/record")
}

// Steady-state observing must not allocate: it runs on every page.
func TestObserveDoesNotAllocate(t *testing.T) {
	recs := benchPage()
	tr := NewTracker()
	for range baselinePages {
		tr.Observe(recs)
	}
	if allocs := testing.AllocsPerRun(20, func() { tr.Observe(recs) }); allocs != 0 {
		t.Errorf("Observe allocated %v times per page after the baseline", allocs)
	}
}
