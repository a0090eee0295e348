package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"siphon/ingest/demoapi"
)

// windowsProfile walks /v1/offset in id windows of every records.
func windowsProfile(name, base string, records, every, concurrency int) string {
	return fmt.Sprintf(`name: %s
base_url: %s
path: /v1/offset
records: .data
primary_key: id
params:
  id_gte: ${partition.start}
  id_lt: ${partition.end}
pagination:
  type: offset
  limit: 20
  total_path: .total
partitions:
  ints: {start: 1, end: %d, every: %d}
concurrency: %d
retry:
  initial_backoff: 1ms
  max_backoff: 5ms
  max_attempts: 20
`, name, base, records+1, every, concurrency)
}

// partitionedIDs counts the ids of every partition's records under out,
// and checks each lies in its partition's window.
func partitionedIDs(t *testing.T, outs ...string) map[int64]int {
	t.Helper()
	seen := map[int64]int{}
	for _, out := range outs {
		dirs, err := filepath.Glob(filepath.Join(out, "partitions", "*"))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range dirs {
			var lo, hi int64
			fmt.Sscanf(filepath.Base(d), "%d-%d", &lo, &hi)
			for id, n := range ids(t, filepath.Join(d, "records.jsonl")) {
				if hi > 0 && (id < lo || id >= hi) {
					t.Errorf("partition %s holds id %d", filepath.Base(d), id)
				}
				seen[id] += n
			}
		}
	}
	return seen
}

// TestKill9Partitioned kills a partitioned `siphon run` with SIGKILL at
// random moments against a faulty server; each resume goes on from every
// partition's checkpoint, and the union holds every record exactly once.
// The shape is the backfill benchmark's: 10 windows, 8 in flight, so later
// runs are in the tail where spare slots fetch pages ahead, and kills land
// with pages held that were never taken.
func TestKill9Partitioned(t *testing.T) {
	const n = 2000
	srv := demoapi.NewServer(demoapi.Options{Records: n, Seed: 9, Faults: demoapi.Faults{ServerErrorRate: 0.05, ResetRate: 0.03, TruncateRate: 0.03}})
	defer srv.Close()
	dir := t.TempDir()
	writeProfile(t, dir, "crashp", windowsProfile("crashp", srv.URL, n, 200, 8))
	kills := killAndResume(t, dir, "crashp", rand.New(rand.NewPCG(3, 4)), 22, 5)
	if kills < 20 {
		t.Fatalf("only %d kills", kills)
	}
	checkExactlyOnce(t, partitionedIDs(t, filepath.Join(dir, "siphon-data", "crashp")), n)
	// Done partitions are not fetched again.
	before := srv.Stats().Requests
	if code, _, stderr := siphon(t, dir, "run", "crashp"); code != 0 {
		t.Fatalf("run after done: exit %d\n%s", code, stderr)
	}
	if d := srv.Stats().Requests - before; d != 0 {
		t.Errorf("a run after the end sent %d requests", d)
	}
	t.Logf("%d kills", kills)
}

// TestTwoShardsAtOnce runs shards 1/2 and 2/2 of one profile at the same
// time into one --out: each writes its own folder, and together they hold
// every record once.
func TestTwoShardsAtOnce(t *testing.T) {
	const n = 1000
	srv := demoapi.NewServer(demoapi.Options{Records: n})
	defer srv.Close()
	dir := t.TempDir()
	writeProfile(t, dir, "sharded", windowsProfile("sharded", srv.URL, n, 100, 2))
	var wg sync.WaitGroup
	errs := make([]string, 2)
	for k := 1; k <= 2; k++ {
		// Not siphon(): its t.Fatal must not run outside the test's goroutine.
		cmd := siphonCmd(t, dir, "run", "sharded", "--out", "out", "--shard", fmt.Sprintf("%d/2", k))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		wg.Go(func() {
			if err := cmd.Run(); err != nil { // an exit code but 0, or no start
				errs[k-1] = fmt.Sprintf("shard %d/2: %v\n%s", k, err, stderr.String())
			}
		})
	}
	wg.Wait()
	for _, e := range errs {
		if e != "" {
			t.Fatal(e)
		}
	}
	one := partitionedIDs(t, filepath.Join(dir, "out", "shard-1-of-2"))
	two := partitionedIDs(t, filepath.Join(dir, "out", "shard-2-of-2"))
	if len(one) != n/2 || len(two) != n/2 {
		t.Errorf("shards hold %d and %d records, want %d each", len(one), len(two), n/2)
	}
	for id := range one {
		if two[id] > 0 {
			t.Fatalf("id %d in both shards", id)
		}
	}
	checkExactlyOnce(t, partitionedIDs(t, filepath.Join(dir, "out", "shard-1-of-2"), filepath.Join(dir, "out", "shard-2-of-2")), n)
	code, _, stderr := siphon(t, dir, "run", "sharded", "--shard", "3/2")
	if code != 2 || !strings.Contains(stderr, "1 ≤ K ≤ N") {
		t.Errorf("--shard 3/2: exit %d\n%s", code, stderr)
	}
}

// TestFanOut: a parent profile lists 50 groups; the child profile walks
// each group's items as a partition. Every item once, each under its
// group's folder; before the parent has run, the child says so.
func TestFanOut(t *testing.T) {
	const n = 1000
	srv := demoapi.NewServer(demoapi.Options{Records: n})
	defer srv.Close()
	dir := t.TempDir()
	writeProfile(t, dir, "groups", fmt.Sprintf("name: groups\nbase_url: %s\npath: /v1/groups\nrecords: .data\npagination:\n  type: offset\n  limit: 20\n  total_path: .total\n", srv.URL))
	writeProfile(t, dir, "items", fmt.Sprintf(`name: items
base_url: %s
path: /v1/group-items
records: .data
primary_key: id
params:
  group: ${partition.value}
pagination:
  type: offset
  limit: 10
  total_path: .total
partitions:
  from: {profile: groups, records: .id}
concurrency: 8
`, srv.URL))
	code, _, stderr := siphon(t, dir, "run", "items")
	if code != 2 || !strings.Contains(stderr, "has not run yet") || !strings.Contains(stderr, "siphon run groups") {
		t.Fatalf("child before parent: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := siphon(t, dir, "run", "groups"); code != 0 {
		t.Fatalf("parent: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := siphon(t, dir, "run", "items"); code != 0 {
		t.Fatalf("child: exit %d\n%s", code, stderr)
	}
	out := filepath.Join(dir, "siphon-data", "items")
	checkExactlyOnce(t, partitionedIDs(t, out), n)
	for g := 1; g <= 50; g++ {
		for id := range ids(t, filepath.Join(out, "partitions", fmt.Sprintf("g%03d", g), "records.jsonl")) {
			if (id-1)%50 != int64(g-1) {
				t.Fatalf("group g%03d holds id %d", g, id)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(out, "run.json")); err != nil {
		t.Error(err)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
