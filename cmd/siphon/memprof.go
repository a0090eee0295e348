//go:build memprof

package main

// Built only with -tags memprof, for finding what is live when a run's
// resident set peaks (see BenchmarkPartitionsPeakRSS): with SIPHON_MEMPROF
// naming a folder, siphon writes a heap profile there each time its
// resident set reaches a new high (by 512 KiB or more), and a line of
// heap figures to stderr. SIPHON_MEMPROF_RATE sets runtime.MemProfileRate
// (4096 sees small objects; the default samples every 512 KiB).
//
// A developer's tool, not a feature: the profiles go straight into the
// named folder, not through the output store, which is why no release
// build carries this file (README, Benchmarks).

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"time"
)

func init() {
	dir := os.Getenv("SIPHON_MEMPROF")
	if dir == "" {
		return
	}
	if rate, err := strconv.Atoi(os.Getenv("SIPHON_MEMPROF_RATE")); err == nil {
		runtime.MemProfileRate = rate
	}
	go func() {
		var high int64
		for n := 0; ; time.Sleep(50 * time.Millisecond) {
			rss := procStatus("VmRSS:")
			if rss < high+512<<10 {
				continue
			}
			high = rss
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if f, err := os.Create(filepath.Join(dir, fmt.Sprintf("heap-%03d-%dk.pprof", n, rss>>10))); err == nil {
				pprof.Lookup("heap").WriteTo(f, 0)
				f.Close()
			}
			fmt.Fprintf(os.Stderr, "memprof: rss=%dk anon=%dk file=%dk heapInuse=%dk heapIdle=%dk released=%dk stacks=%dk goroutines=%d gcs=%d\n",
				rss>>10, procStatus("RssAnon:")>>10, procStatus("RssFile:")>>10, ms.HeapInuse>>10, ms.HeapIdle>>10, ms.HeapReleased>>10, ms.StackSys>>10, runtime.NumGoroutine(), ms.NumGC)
			n++
		}
	}()
}

// procStatus is a size field of /proc/self/status in bytes; 0 where there
// is none.
func procStatus(field string) int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for line := range bytes.Lines(b) {
		if rest, ok := bytes.CutPrefix(line, []byte(field)); ok {
			kb, _ := strconv.ParseInt(string(bytes.Fields(rest)[0]), 10, 64)
			return kb << 10
		}
	}
	return 0
}
