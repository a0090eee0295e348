package ingest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"siphon/ingest"
	"siphon/ingest/demoapi"
)

// benchRecords is the data set of the run benchmarks: 100 pages of 100.
const benchRecords = 10_000

// BenchmarkRun compares a full siphon run (cursor pagination, 100 records a
// page, records.jsonl written) with a plain net/http + encoding/json loop
// over the same server, in the same benchmark run. Compare records/s.
func BenchmarkRun(b *testing.B) {
	srv := demoapi.NewServer(demoapi.Options{Records: benchRecords})
	defer srv.Close()
	cfg := ingest.Config{Name: "bench", BaseURL: srv.URL, Path: "/v1/cursor", Records: ".data", PrimaryKey: []string{"id"},
		Pagination: ingest.PaginationConfig{Type: "cursor", Limit: 100, CursorPath: ".pagination.next_cursor"}}

	b.Run("plain-loop", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if n := plainLoop(b, srv.URL, b.TempDir()); n != benchRecords {
				b.Fatalf("%d records", n)
			}
		}
		b.ReportMetric(float64(benchRecords*b.N)/b.Elapsed().Seconds(), "records/s")
	})
	for _, variant := range []struct {
		name string
		raw  bool
		opts []ingest.Option
	}{
		{"siphon", false, nil},
		{"siphon-raw-pages", true, nil},
		{"siphon-no-checkpoints", false, []ingest.Option{ingest.WithCommitInterval(-1)}},
	} {
		b.Run(variant.name, func(b *testing.B) {
			c := cfg
			c.Output.RawPages = variant.raw
			client, err := ingest.New(c, variant.opts...)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				r := client.Start(context.Background(), ingest.Job{Out: b.TempDir()})
				for range r.Events() {
				}
				if err := r.Wait(); err != nil {
					b.Fatal(err)
				}
				if s := r.Snapshot(); s.Records != benchRecords {
					b.Fatalf("%d records", s.Records)
				}
			}
			b.ReportMetric(float64(benchRecords*b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// plainLoop is what a hand-written script does: get a page, decode it,
// write each record as a JSON line, follow the cursor.
func plainLoop(b *testing.B, base, dir string) int {
	f, err := os.Create(filepath.Join(dir, "records.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	defer w.Flush()
	enc := json.NewEncoder(w)
	n, cursor := 0, ""
	for {
		resp, err := http.Get(fmt.Sprintf("%s/v1/cursor?limit=100&cursor=%s", base, cursor))
		if err != nil {
			b.Fatal(err)
		}
		var page struct {
			Data       []map[string]any `json:"data"`
			Pagination struct {
				NextCursor *string `json:"next_cursor"`
			} `json:"pagination"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		for _, rec := range page.Data {
			enc.Encode(rec)
			n++
		}
		if page.Pagination.NextCursor == nil || *page.Pagination.NextCursor == "" {
			return n
		}
		cursor = *page.Pagination.NextCursor
	}
}
