//go:build !race

package ingest_test

import (
	"context"
	"runtime"
	"testing"

	"siphon/ingest"
	"siphon/ingest/demoapi"
)

// TestMemoryStaysFlat: the heap after page 800 is what it was after page
// 100. Records stream to disk; nothing per record or per page piles up
// beyond small bounded state. (Not under -race, which inflates the heap.)
func TestMemoryStaysFlat(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 40_000})
	defer srv.Close()
	cfg := styleConfigs(srv.URL)["cursor"]
	cfg.Pagination.Limit = 50
	c, err := ingest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Start(context.Background(), ingest.Job{Out: t.TempDir()})
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var early, late uint64
	for ev := range r.Events() {
		if p, ok := ev.(ingest.PageFetched); ok {
			switch p.Page {
			case 100:
				early = heap()
			case 800:
				late = heap()
			}
		}
	}
	if err := r.Wait(); err != nil {
		t.Fatal(err)
	}
	if late > early+4<<20 {
		t.Fatalf("heap grew from %d KiB at page 100 to %d KiB at page 800", early>>10, late>>10)
	}
	t.Logf("heap %d KiB at page 100, %d KiB at page 800", early>>10, late>>10)
}
