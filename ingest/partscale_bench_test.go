//go:build unix

package ingest_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"siphon/ingest"
	"siphon/ingest/demoapi/demoproc"
	"siphon/ingest/spec"
)

// BenchmarkPartitionsScale: the same 100,000 records (offset paging, 100 a
// page, 8 partitions in flight) in 10, 1,000 and 5,000 id windows, against
// `siphon demo-server` in its own process. A partition's cost should not
// grow with the number of partitions: 1,000 one-page windows are 1,000
// pages like 10 windows of 100 pages, plus 1,000 partition folders and
// checkpoints; 5,000 windows are five times the partitions of 1,000. It
// reports each count's seconds, the CPU seconds this process (siphon, not
// the API) spent on it (cpu-s-N: steadier than wall time on a busy
// machine), and the ratios x1000/10 and x5000/1000.
//
//	go test ./ingest -run '^$' -bench BenchmarkPartitionsScale -benchtime 1x
func BenchmarkPartitionsScale(b *testing.B) {
	if testing.Short() {
		b.Skip("-short: builds siphon and moves 100,000 records three times")
	}
	base := demoproc.Start(b, benchRecords)
	counts := []int{10, 1000, 5000}
	secs := make([]float64, len(counts))
	cpus := make([]float64, len(counts))
	for range b.N {
		for i, n := range counts {
			cfg := scaleWindows(base, n)
			client, err := ingest.New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			start, cpu := time.Now(), processCPU(b)
			// benchOut: outputs stay until the benchmarks are over, or
			// deleting one count's tens of thousands of files would be
			// charged to the next count's file creation (see benchRoot).
			r := client.Start(context.Background(), ingest.Job{Out: filepath.Join(benchOut(b), "out")})
			for range r.Events() {
			}
			if err := r.Wait(); err != nil {
				b.Fatal(err)
			}
			secs[i] += time.Since(start).Seconds()
			cpus[i] += (processCPU(b) - cpu).Seconds()
			if s := r.Snapshot(); s.Records != benchRecords {
				b.Fatalf("%d windows: %d records, want %d", n, s.Records, benchRecords)
			}
		}
	}
	for i, n := range counts {
		b.ReportMetric(secs[i]/float64(b.N), fmt.Sprintf("s-%d", n))
		b.ReportMetric(cpus[i]/float64(b.N), fmt.Sprintf("cpu-s-%d", n))
	}
	b.ReportMetric(secs[1]/secs[0], "x1000/10")
	b.ReportMetric(secs[2]/secs[1], "x5000/1000")
}

// scaleWindows is the profile of BenchmarkPartitionsScale: n id windows.
func scaleWindows(base string, n int) spec.Config {
	return spec.Config{Name: "bench-scale", BaseURL: base, Path: "/v1/offset", Records: ".data", PrimaryKey: []string{"id"},
		Params:      map[string]string{"id_gte": "${partition.start}", "id_lt": "${partition.end}"},
		Pagination:  spec.PaginationConfig{Type: "offset", Limit: 100, TotalPath: ".total"},
		Partitions:  spec.PartitionsConfig{Ints: spec.IntPartitions{Start: 1, End: benchRecords + 1, Every: benchRecords / n}},
		Concurrency: 8}
}

// BenchmarkPartitionsPeakRSS runs a real `siphon run` as a process of its
// own and reports its peak resident set (the kernel's maxrss): 5,000 id
// windows of the 100,000 records, and a fan-out over 50,000 values (two
// records each, one request each), 8 partitions in flight.
//
//	go test ./ingest -run '^$' -bench BenchmarkPartitionsPeakRSS -benchtime 1x
//
// What is live at the peak: a siphon built with -tags memprof and run with
// SIPHON_MEMPROF=DIR writes a heap profile into DIR at each new high of its
// resident set (cmd/siphon/memprof.go); GODEBUG=gctrace=1 shows the heap
// at each collection.
func BenchmarkPartitionsPeakRSS(b *testing.B) {
	if testing.Short() {
		b.Skip("-short: builds siphon and runs 55,000 partitions")
	}
	bin := demoproc.Build(b)
	base := demoproc.StartWith(b, bin, benchRecords)
	windows := fmt.Sprintf(`path: /v1/offset
params: {id_gte: "${partition.start}", id_lt: "${partition.end}"}
pagination: {type: offset, limit: 100, total_path: .total}
partitions:
  ints: {start: 1, end: %d, every: 20}
`, benchRecords+1)
	var values strings.Builder
	// Records after since_id, two of them: one request a partition.
	values.WriteString("path: /v1/keyset\nparams: {since_id: \"${partition.value}\", limit: \"2\"}\npagination: {type: none}\npartitions:\n  values:\n")
	for id := 0; id < benchRecords; id += 2 {
		fmt.Fprintf(&values, "    - \"%d\"\n", id)
	}
	for _, v := range []struct{ name, body string }{{"windows-5000", windows}, {"fanout-50000", values.String()}} {
		b.Run(v.name, func(b *testing.B) {
			var peak int64
			for range b.N {
				peak = max(peak, siphonRunRSS(b, bin, base, v.body))
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
		})
	}
}

// siphonRunRSS runs `siphon run` on a profile made of body, in a home of its
// own, checks every record arrived, and returns the process's peak RSS in
// bytes.
func siphonRunRSS(b *testing.B, bin, base, body string) int64 {
	dir := b.TempDir()
	profiles := filepath.Join(dir, "profiles")
	if err := os.MkdirAll(profiles, 0o700); err != nil {
		b.Fatal(err)
	}
	profile := "name: scale\nbase_url: " + base + "\nrecords: .data\nprimary_key: id\nconcurrency: 8\n" + body
	if err := os.WriteFile(filepath.Join(profiles, "scale.yaml"), []byte(profile), 0o600); err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	cmd := exec.Command(bin, "run", "scale", "--out", out)
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, ".config"), "XDG_CACHE_HOME="+filepath.Join(dir, ".cache"), "SIPHON_PROFILES="+profiles)
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("siphon run: %v\n%s", err, tail(msg))
	}
	if n := countRecords(b, filepath.Join(out, "partitions")); n != benchRecords {
		b.Fatalf("%d records, want %d", n, benchRecords)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		b.Skip("no rusage on this system")
	}
	return maxRSSBytes(ru)
}

// countRecords counts the lines of every partition's records.jsonl.
func countRecords(b *testing.B, parts string) int {
	files, err := filepath.Glob(filepath.Join(parts, "*", "records.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		n += strings.Count(string(data), "\n")
	}
	return n
}

// tail is the last lines of a process's output, for a failure message.
func tail(b []byte) string {
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}
