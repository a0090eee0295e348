package pagescan

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// BenchmarkPage reads one 100-record page of the demo API (25 KB) the ways
// a page pipeline can: the one pass (with and without keys and fields, from
// bytes and from a reader), encoding/json as ingest did (body into a map,
// records array, each record compacted), and encoding/json as a plain loop
// does (into a struct of raw records). Every variant writes each record and
// a newline into a buffer.
func BenchmarkPage(b *testing.B) {
	page, err := os.ReadFile("testdata/demo-page.json")
	if err != nil {
		b.Fatal(err)
	}
	var out bytes.Buffer
	out.Grow(2 * len(page))
	report := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/rec")
		b.SetBytes(int64(len(page)))
	}
	for _, v := range []struct {
		name   string
		full   bool
		reader bool
	}{{"pagescan", false, false}, {"pagescan-keys-fields", true, false}, {"pagescan-reader", false, true}} {
		b.Run(v.name, func(b *testing.B) {
			spec := Spec{Records: Path{Keys: []string{"data"}}, Values: []Path{{Keys: []string{"pagination", "next_cursor"}}}}
			if v.full {
				spec.Keys, spec.FieldDepth = []string{"id"}, 3
			}
			s, err := New(spec)
			if err != nil {
				b.Fatal(err)
			}
			write := func(r *Record) error {
				out.Write(r.Raw)
				out.WriteByte('\n')
				return nil
			}
			rd := bytes.NewReader(page)
			b.ReportAllocs()
			for b.Loop() {
				out.Reset()
				var res Result
				if v.reader {
					rd.Reset(page)
					res, err = s.ScanReader(rd, write)
				} else {
					res, err = s.Scan(page, write)
				}
				if err != nil || res.Records != 100 || res.Values[0] == nil {
					b.Fatal(res, err)
				}
			}
			report(b)
		})
	}
	b.Run("encoding-json-as-ingest-did", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out.Reset()
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(page, &obj); err != nil {
				b.Fatal(err)
			}
			var recs []json.RawMessage
			if err := json.Unmarshal(obj["data"], &recs); err != nil {
				b.Fatal(err)
			}
			var pag map[string]json.RawMessage
			if err := json.Unmarshal(obj["pagination"], &pag); err != nil || pag["next_cursor"] == nil {
				b.Fatal(err)
			}
			for _, rec := range recs {
				if err := json.Compact(&out, rec); err != nil {
					b.Fatal(err)
				}
				out.WriteByte('\n')
			}
		}
		report(b)
	})
	b.Run("encoding-json-struct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out.Reset()
			var p struct {
				Data       []json.RawMessage `json:"data"`
				Pagination struct {
					NextCursor *string `json:"next_cursor"`
				} `json:"pagination"`
			}
			if err := json.Unmarshal(page, &p); err != nil || len(p.Data) != 100 {
				b.Fatal(err)
			}
			for _, rec := range p.Data {
				out.Write(rec)
				out.WriteByte('\n')
			}
		}
		report(b)
	})
}
