package store

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestSmallWritesAllocateLittle: a writer that sees a page of two small
// records (a partition of a large fan-out) allocates a few KiB, not its
// buffers' full size: thousands of such partitions come and go in a run.
func TestSmallWritesAllocateLittle(t *testing.T) {
	for _, opt := range []Options{{}, {RawPages: true}, {RawPages: true, Rejected: true}} {
		t.Run(fmt.Sprintf("%+v", opt), func(t *testing.T) {
			parent := t.TempDir()
			const runs = 20
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for i := range runs {
				s, err := Dir(filepath.Join(parent, fmt.Sprint(i))).Claim(false)
				if err != nil {
					t.Fatal(err)
				}
				w, err := s.Open(nil, opt)
				if err != nil {
					t.Fatal(err)
				}
				w.BeginPage()
				for id := range 2 {
					if err := w.WriteRecord([]byte(fmt.Sprintf(`{"id":%d}`, id))); err != nil {
						t.Fatal(err)
					}
				}
				if opt.Rejected {
					if err := w.WriteRejected(1, "no", []byte(`{"id":"x"}`)); err != nil {
						t.Fatal(err)
					}
				}
				w.EndPage()
				if err := w.ArchivePage(&PageEntry{Page: 1, Status: 200}, []byte(`{"data":[{"id":0},{"id":1}]}`), false, false); err != nil {
					t.Fatal(err)
				}
				if err := w.Commit(&Checkpoint{Profile: "p", Pages: 1}); err != nil {
					t.Fatal(err)
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				s.Release()
			}
			runtime.ReadMemStats(&after)
			if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > 64<<10 {
				t.Errorf("a writer of one small page allocates %d KiB, want at most 64", per>>10)
			}
		})
	}
}

// TestGrowBuf: a buffer grows by doubling up to its limit, and exactly to
// a write larger than the limit.
func TestGrowBuf(t *testing.T) {
	var b []byte
	b = growBuf(b, 10, 1<<20)
	if cap(b) != 4<<10 || len(b) != 0 {
		t.Fatalf("first growth: len %d cap %d", len(b), cap(b))
	}
	b = append(b, strings.Repeat("x", 4000)...)
	b = growBuf(b, 200, 1<<20)
	if cap(b) != 8<<10 || string(b) != strings.Repeat("x", 4000) {
		t.Fatalf("doubling: len %d cap %d", len(b), cap(b))
	}
	if b = growBuf(b, 1<<20, 1<<20); cap(b) != 4000+1<<20 {
		t.Fatalf("past the limit: cap %d", cap(b))
	}
	if b = growBuf(b[:0], 5, 1<<20); cap(b) != 4000+1<<20 {
		t.Fatalf("room enough: cap %d", cap(b))
	}
}
