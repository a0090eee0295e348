package schema

import ("testing";"encoding/json")

func BenchmarkJSONValid(b *testing.B) {
	recs := benchPage()
	for b.Loop() {
		for _, r := range recs { json.Valid(r) }
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/record")
}
func BenchmarkScanOnly(b *testing.B) {
	recs := benchPage()
	var s recordScanner
	for b.Loop() {
		for _, r := range recs { s.scan(r) }
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/record")
}
