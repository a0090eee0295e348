package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"siphon/ingest/demoapi"
	"siphon/ingest/store/s3store/s3test"
)

// s3Env is what a siphon process needs for the test server, with a
// short lease (a killed owner's successor waits two seconds) and segments
// that close at every commit, so kills land between segments and
// checkpoints. home is the process's own home (another machine's).
func s3Env(srv *s3test.Server, home string) []string {
	return append(srv.Env(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "XDG_CACHE_HOME="+filepath.Join(home, ".cache"),
		"SIPHON_S3_LEASE=2s", "SIPHON_S3_SEGMENT_AGE=1ms")
}

func s3Cmd(t *testing.T, srv *s3test.Server, dir, home string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := siphonCmd(t, dir, args...)
	cmd.Env = append(cmd.Env, s3Env(srv, home)...)
	return cmd
}

// held is a run refused because a lease is held: a killed owner's
// successor meets it until the lease expires.
func held(stderr string) bool { return strings.Contains(stderr, "is held by") }

// s3RunToEnd runs siphon until it ends, again while the prefix's lease
// is still a killed run's; it fails the test on any other failure.
func s3RunToEnd(t *testing.T, srv *s3test.Server, dir, home string, args ...string) string {
	t.Helper()
	for range 200 {
		cmd := s3Cmd(t, srv, dir, home, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		if err == nil {
			return stderr.String()
		}
		if !held(stderr.String()) {
			t.Fatalf("siphon %v: %v\n%s", args, err, lastLines(stderr.String(), 8))
		}
	}
	t.Fatal("the lease never expired")
	return ""
}

// s3KillAndResume runs `siphon run ARGS` again and again, killing it
// with SIGKILL after 1 to maxPages pages, kills times, then lets one
// finish. It returns how many runs it killed.
func s3KillAndResume(t *testing.T, srv *s3test.Server, dir, home string, rng *rand.Rand, kills, maxPages int, args ...string) int {
	t.Helper()
	killed, tries := 0, killTries{}
	for killed < kills {
		tries.check(t, killed)
		cmd := s3Cmd(t, srv, dir, home, append(args, "--log", "json")...)
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var seen strings.Builder
		sc := bufio.NewScanner(io.TeeReader(stderr, &seen))
		if waitForPages(sc, 1+rng.IntN(maxPages)) {
			cmd.Process.Kill()
			io.Copy(io.Discard, stderr)
			cmd.Wait()
			killed++
			continue
		}
		cmd.Wait() // refused while the lease is held, or done already
		tries.count(held(seen.String()))
	}
	s3RunToEnd(t, srv, dir, home, args...)
	return killed
}

// killTries bounds a kill loop's runs that were not killed: those refused
// while a killed run's lease is still held (each a process started and
// refused, in tens of milliseconds, for up to the lease's 2 s: how many
// depends on the machine's speed, not on siphon) and the others (a run
// that ended before its pages came, which must stay rare).
type killTries struct{ held, other int }

func (k *killTries) count(held bool) {
	if held {
		k.held++
	} else {
		k.other++
	}
}

func (k *killTries) check(t *testing.T, killed int) {
	t.Helper()
	if k.other > 40 || k.held > 500*(killed+1) {
		t.Fatalf("only %d kills (%d runs refused while a lease was held, %d ended first)", killed, k.held, k.other)
	}
}

// waitForLines reads until n lines hold s.
func waitForLines(r *bufio.Scanner, s string, n int) bool {
	for r.Scan() {
		if strings.Contains(r.Text(), s) {
			if n--; n <= 0 {
				return true
			}
		}
	}
	return false
}

var segmentKey = regexp.MustCompile(`^records-[0-9]{6}\.jsonl$`)

// s3IDs counts the ids in every records*.jsonl object directly under
// each prefix, as a reader of s3://BUCKET/PREFIX/records*.jsonl sees them.
func s3IDs(t *testing.T, srv *s3test.Server, bucket string, prefixes ...string) map[int64]int {
	t.Helper()
	seen := map[int64]int{}
	for _, prefix := range prefixes {
		for key := range srv.Objects(t, bucket, prefix+"/") {
			if rel := strings.TrimPrefix(key, prefix+"/"); strings.Contains(rel, "/") || !strings.HasPrefix(rel, "records") {
				continue
			} else if !segmentKey.MatchString(rel) {
				t.Errorf("%s: not a segment's name", key)
			}
			sc := bufio.NewScanner(bytes.NewReader(srv.Get(t, bucket, key)))
			for sc.Scan() {
				var rec struct{ ID int64 }
				if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
					t.Fatalf("%s: bad line %q: %v", key, sc.Text(), err)
				}
				seen[rec.ID]++
			}
		}
	}
	return seen
}

// s3PartitionPrefixes lists PREFIX/partitions/* (as a reader's glob would).
func s3PartitionPrefixes(t *testing.T, srv *s3test.Server, bucket, prefix string) []string {
	t.Helper()
	set := map[string]bool{}
	for key := range srv.Objects(t, bucket, prefix+"/partitions/") {
		rel := strings.TrimPrefix(key, prefix+"/partitions/")
		if k, _, ok := strings.Cut(rel, "/"); ok {
			set[path.Join(prefix, "partitions", k)] = true
		}
	}
	var out []string
	for p := range set {
		out = append(out, p)
	}
	return out
}

// TestS3ExactlyOnceThroughKills: `siphon run --out s3://...` against the
// Versity gateway, killed with SIGKILL at random moments against a faulty
// API and resumed each time (after the dead run's lease expires); the
// bucket's record segments hold every record exactly once, and no object
// a reader of records*.jsonl sees is a duplicate.
func TestS3ExactlyOnceThroughKills(t *testing.T) {
	const n = 3000
	s3srv := s3test.Start(t)
	s3srv.Bucket(t, "lake")
	api := demoapi.NewServer(demoapi.Options{Records: n, Seed: 5, Faults: demoapi.Faults{ServerErrorRate: 0.05, ResetRate: 0.03, TruncateRate: 0.03}})
	defer api.Close()
	dir := t.TempDir()
	home := t.TempDir()
	writeProfile(t, dir, "crash", cursorProfile("crash", api.URL, 20))
	kills := s3KillAndResume(t, s3srv, dir, home, rand.New(rand.NewPCG(5, 6)), 12, 10, "run", "crash", "--out", "s3://lake/runs/crash")
	if kills < 10 {
		t.Fatalf("only %d kills", kills)
	}
	checkExactlyOnce(t, s3IDs(t, s3srv, "lake", "runs/crash"), n)
	t.Logf("%d kills", kills)
}

// TestS3SecondOwnerRefused: while one run writes a prefix, a second
// (another working folder and home: another machine) is refused, naming
// the holder; the first ends with every record once.
func TestS3SecondOwnerRefused(t *testing.T) {
	const n = 1500
	s3srv := s3test.Start(t)
	s3srv.Bucket(t, "lake")
	// The API holds the first run's fourth page until the rival has been
	// answered, so the first run is live when the rival comes, however
	// fast either is.
	rivalDone := make(chan struct{})
	api := gatedAPI(t, demoapi.Options{Records: n}, 4, rivalDone)
	first, second := t.TempDir(), t.TempDir()
	for _, d := range []string{first, second} {
		writeProfile(t, d, "owned", cursorProfile("owned", api.URL, 10))
	}
	out := "s3://lake/owned"
	cmd := s3Cmd(t, s3srv, first, t.TempDir(), "run", "owned", "--out", out, "--log", "json")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	if !waitForPages(sc, 3) {
		t.Fatal("the first run ended before 3 pages")
	}
	rival := s3Cmd(t, s3srv, second, t.TempDir(), "run", "owned", "--out", out)
	var rivalErr bytes.Buffer
	rival.Stderr = &rivalErr
	rerr := rival.Run()
	close(rivalDone)
	var rest strings.Builder
	for sc.Scan() {
		rest.WriteString(sc.Text() + "\n")
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("first run: %v\n%s", err, lastLines(rest.String(), 5))
	}
	if rerr == nil || !held(rivalErr.String()) || !strings.Contains(rivalErr.String(), "pid") || !strings.Contains(rivalErr.String(), out) {
		t.Fatalf("second owner: %v\n%s", rerr, rivalErr.String())
	}
	checkExactlyOnce(t, s3IDs(t, s3srv, "lake", "owned"), n)
}

// TestS3ShardsFromTwoMachines: shards 1/2 and 2/2 of a partitioned
// profile, run at once from two working folders with separate homes into
// one prefix; the union of their segments holds every record once.
func TestS3ShardsFromTwoMachines(t *testing.T) {
	const n = 1000
	s3srv := s3test.Start(t)
	s3srv.Bucket(t, "lake")
	api := demoapi.NewServer(demoapi.Options{Records: n})
	defer api.Close()
	var wg sync.WaitGroup
	errs := make([]string, 2)
	for k := 1; k <= 2; k++ {
		dir := t.TempDir()
		writeProfile(t, dir, "sharded", windowsProfile("sharded", api.URL, n, 100, 2))
		cmd := s3Cmd(t, s3srv, dir, t.TempDir(), "run", "sharded", "--out", "s3://lake/backfill", "--shard", fmt.Sprintf("%d/2", k))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		wg.Go(func() {
			if err := cmd.Run(); err != nil {
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
	var prefixes []string
	for k := 1; k <= 2; k++ {
		prefixes = append(prefixes, s3PartitionPrefixes(t, s3srv, "lake", fmt.Sprintf("backfill/shard-%d-of-2", k))...)
	}
	if len(prefixes) != 10 {
		t.Errorf("%d partitions, want 10: %v", len(prefixes), prefixes)
	}
	checkExactlyOnce(t, s3IDs(t, s3srv, "lake", prefixes...), n)
}

// TestS3PartitionedResumedElsewhere: a partitioned run killed with
// SIGKILL is resumed by a process in another working folder with another
// home (another machine): the checkpoints in the bucket are all it needs.
func TestS3PartitionedResumedElsewhere(t *testing.T) {
	const n = 2000
	s3srv := s3test.Start(t)
	s3srv.Bucket(t, "lake")
	api := demoapi.NewServer(demoapi.Options{Records: n, Latency: 3e6})
	defer api.Close()
	first, second := t.TempDir(), t.TempDir()
	for _, d := range []string{first, second} {
		writeProfile(t, d, "parts", windowsProfile("parts", api.URL, n, 200, 4))
	}
	out := "s3://lake/parts"
	cmd := s3Cmd(t, s3srv, first, t.TempDir(), "run", "parts", "--out", out, "--log", "json")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Killed once pages are fetched and checkpoints saved after them.
	sc := bufio.NewScanner(stderr)
	if !waitForPages(sc, 30) || !waitForLines(sc, `"type":"checkpoint"`, 4) {
		t.Fatal("the first run ended before 30 pages and 4 checkpoints")
	}
	cmd.Process.Kill()
	io.Copy(io.Discard, stderr)
	cmd.Wait()
	before := api.Stats().Requests
	s3RunToEnd(t, s3srv, second, t.TempDir(), "run", "parts", "--out", out)
	if got := api.Stats().Requests - before; got >= int64(n/20) {
		t.Errorf("the resume sent %d requests: it started over instead of resuming", got)
	}
	checkExactlyOnce(t, s3IDs(t, s3srv, "lake", s3PartitionPrefixes(t, s3srv, "lake", "parts")...), n)
}
