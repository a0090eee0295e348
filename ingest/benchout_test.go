package ingest_test

import (
	"cmp"
	"os"
	"sync"
	"testing"
)

// benchRoot holds the output folders of the run benchmarks, removed only
// when every test and benchmark is over. Removing each pass's thousand
// page files before the next pass made that next pass slower: ext4 skips
// recently deleted inodes when it allocates one (find_inode_bit showed in
// perf under every open), so the harness's own deletions were charged to
// the file creation it measures.
var benchRoot struct {
	once sync.Once
	dir  string
	err  error
}

// benchOut is a fresh output folder where siphon writes by default: below
// the working directory (./siphon-data), not the system's temporary
// folder, which may sit on another file system with other costs.
// SIPHON_BENCH_DIR puts the output folders elsewhere, to tell siphon's cost
// from the file system's.
func benchOut(b *testing.B) string {
	benchRoot.once.Do(func() {
		benchRoot.dir, benchRoot.err = os.MkdirTemp(cmp.Or(os.Getenv("SIPHON_BENCH_DIR"), "."), ".bench-out-")
	})
	if benchRoot.err != nil {
		b.Fatal(benchRoot.err)
	}
	dir, err := os.MkdirTemp(benchRoot.dir, "pass-")
	if err != nil {
		b.Fatal(err)
	}
	return dir
}

// removingBenchOutputs runs the tests and benchmarks, then removes what the
// benchmarks wrote.
type removingBenchOutputs struct{ m *testing.M }

func (r removingBenchOutputs) Run() int {
	code := r.m.Run()
	if benchRoot.dir != "" {
		os.RemoveAll(benchRoot.dir)
	}
	return code
}
