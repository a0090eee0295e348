package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	"siphon/ingest/remedy"
	"siphon/ingest/spec"
	"siphon/ingest/store"
	"siphon/ingest/transport"
)

// windowsConfig walks srv's offset endpoint in id windows of every records.
func windowsConfig(base string, records, every, concurrency int) spec.Config {
	return spec.Config{Name: "windows", BaseURL: base, Path: "/v1/offset", Records: ".data", PrimaryKey: []string{"id"},
		Params:      map[string]string{"id_gte": "${partition.start}", "id_lt": "${partition.end}"},
		Pagination:  spec.PaginationConfig{Type: "offset", Limit: 10, TotalPath: ".total"},
		Partitions:  spec.PartitionsConfig{Ints: spec.IntPartitions{Start: 1, End: records + 1, Every: every}},
		Concurrency: concurrency,
		Retry:       spec.RetryConfig{InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond},
		Output:      spec.OutputConfig{RawPages: true}}
}

// partitionIDs reads the ids of every partition's records.jsonl, checking
// that each record sits in its own partition's window.
func partitionIDs(t *testing.T, dir string) (ids []int64, perPartition map[string][]int64) {
	t.Helper()
	perPartition = map[string][]int64{}
	entries, err := os.ReadDir(filepath.Join(dir, store.PartitionsDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		got := readIDs(t, filepath.Join(dir, store.PartitionsDir, e.Name()))
		perPartition[e.Name()] = got
		ids = append(ids, got...)
	}
	return ids, perPartition
}

// collected is a run whose events are being gathered.
type collected struct {
	*ingest.Run
	evs  []ingest.Event
	done chan struct{}
}

func startRun(t *testing.T, cfg spec.Config, job ingest.Job) (*ingest.Run, *collected) {
	t.Helper()
	c, err := ingest.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	r := c.Start(context.Background(), job)
	col := &collected{Run: r, done: make(chan struct{})}
	go func() {
		defer close(col.done)
		for ev := range r.Events() {
			col.evs = append(col.evs, ev)
		}
	}()
	return r, col
}

func drain(_ *ingest.Run, col *collected) ([]ingest.Event, error) {
	err := col.Wait()
	<-col.done
	return col.evs, err
}

// TestPartitionsConcurrentlyUnderServerLimit: 8 id windows, 4 at once,
// against a server limit announced in headers: every record once, each in
// its window's folder, no 429.
func TestPartitionsConcurrentlyUnderServerLimit(t *testing.T) {
	const records = 400
	srv := demoapi.NewServer(demoapi.Options{Records: records, Latency: 5 * time.Millisecond,
		Faults: demoapi.Faults{RateLimit: 40, RateLimitHeaders: demoapi.HeadersX}})
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	r, evs := startRun(t, windowsConfig(srv.URL, records, 50, 4), ingest.Job{Out: dir})
	all, err := drain(r, evs)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	ids, per := partitionIDs(t, dir)
	slices.Sort(ids)
	exactlyOnce(t, ids, records)
	if len(per) != 8 {
		t.Errorf("%d partition folders, want 8", len(per))
	}
	for key, got := range per {
		lo, hi, _ := strings.Cut(key, "-")
		for _, id := range got {
			if id < atoi(t, lo) || id >= atoi(t, hi) {
				t.Errorf("partition %s holds id %d", key, id)
			}
		}
	}
	if st := srv.Stats(); st.TooMany != 0 {
		t.Errorf("%d of %d requests answered 429", st.TooMany, st.Requests)
	}
	s := r.Snapshot()
	if s.State != ingest.StateDone || s.Partitions == nil || s.Partitions.Done != 8 || s.Records != records {
		t.Errorf("snapshot %s, %+v, %d records", s.State, s.Partitions, s.Records)
	}
	tagged, starts := 0, 0
	for _, ev := range all {
		switch e := ev.(type) {
		case ingest.PageFetched:
			if e.Partition == "" {
				t.Errorf("page event without its partition: %+v", e)
			}
			tagged++
		case ingest.PartitionStarted:
			starts++
		}
	}
	if tagged == 0 || starts != 8 {
		t.Errorf("%d tagged pages, %d partitions started", tagged, starts)
	}
	if _, ok := lastEvent[ingest.Finished](all); !ok {
		t.Error("no Finished event")
	}

	// Run again: nothing is fetched, every partition is already done.
	before := srv.Stats().Requests
	r, evs = startRun(t, windowsConfig(srv.URL, records, 50, 4), ingest.Job{Out: dir})
	if _, err := drain(r, evs); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if n := srv.Stats().Requests - before; n != 0 {
		t.Errorf("the second run sent %d requests", n)
	}
	if s := r.Snapshot(); s.Records != records || s.StopReason != ingest.StopAlreadyDone {
		t.Errorf("second run: %d records, stop %q", s.Records, s.StopReason)
	}
}

func atoi(t *testing.T, s string) int64 {
	var n int64
	for _, c := range s {
		n = n*10 + int64(c-'0')
	}
	return n
}

// TestPartitionSetChanges: adding partitions starts them; removing or
// moving one is refused with the list of changes.
func TestPartitionSetChanges(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 100})
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	cfg := windowsConfig(srv.URL, 60, 20, 2) // ids 1..60 in 3 windows
	r, evs := startRun(t, cfg, ingest.Job{Out: dir})
	if _, err := drain(r, evs); err != nil {
		t.Fatal(err)
	}
	cfg.Partitions.Ints.End = 101 // two windows more
	r, evs = startRun(t, cfg, ingest.Job{Out: dir})
	if _, err := drain(r, evs); err != nil {
		t.Fatalf("run with added partitions: %v", err)
	}
	ids, _ := partitionIDs(t, dir)
	slices.Sort(ids)
	exactlyOnce(t, ids, 100)

	cfg.Partitions.Ints.Every = 25
	r, evs = startRun(t, cfg, ingest.Job{Out: dir})
	_, err := drain(r, evs)
	var changed *ingest.ProfileChangedError
	if !errors.As(err, &changed) || !strings.Contains(err.Error(), "is gone") || !slices.Contains(remedy.Of(err), remedy.StartOver) {
		t.Fatalf("changed windows: %v", err)
	}
	r, evs = startRun(t, cfg, ingest.Job{Out: dir, Fresh: true})
	if _, err := drain(r, evs); err != nil {
		t.Fatalf("--fresh: %v", err)
	}
}

// TestFailingPartitionFailsAlone: one partition's API answers 404; the
// others finish, the run ends naming it, and a run after the fix fetches
// only that one.
func TestFailingPartitionFailsAlone(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 60})
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	cfg := spec.Config{Name: "fan", BaseURL: srv.URL, Path: "/v1/group-items", Records: ".data", PrimaryKey: []string{"id"},
		Params:     map[string]string{"group": "${partition.value}"},
		Pagination: spec.PaginationConfig{Type: "offset", Limit: 25, TotalPath: ".total"},
		Partitions: spec.PartitionsConfig{Values: []string{"g001", "nothing-here", "g002"}}, Concurrency: 2}
	r, evs := startRun(t, cfg, ingest.Job{Out: dir})
	_, err := drain(r, evs)
	var failed *ingest.PartitionsFailedError
	if !errors.As(err, &failed) || len(failed.Failed) != 1 || failed.Failed[0].Key != "nothing-here" {
		t.Fatalf("run: %v", err)
	}
	if s := r.Snapshot(); s.State != ingest.StateFailed || s.Partitions.Done != 2 || s.Partitions.Failed != 1 {
		t.Errorf("snapshot %s %+v", s.State, s.Partitions)
	}
	st, err := ingest.ReadRunState(dir)
	if err != nil || st == nil || len(st.Partitions) != 3 || st.Partitions[1].Key != "nothing-here" || ingest.State(st.Partitions[1].State) != ingest.StateFailed || st.Partitions[1].Error == "" || ingest.State(st.Partitions[0].State) != ingest.StateDone {
		t.Errorf("run state: %+v, %v", st, err)
	}
	// A re-run fetches only the failed partition (it fails again here).
	before := srv.Stats().Requests
	r, evs = startRun(t, cfg, ingest.Job{Out: dir})
	if _, err := drain(r, evs); err == nil {
		t.Fatal("the re-run succeeded")
	}
	if n := srv.Stats().Requests - before; n != 1 {
		t.Errorf("the re-run sent %d requests, want 1 (the failed partition's first page)", n)
	}
	// The re-run began its log with how each partition had ended, the
	// failure's error kept.
	lines := logLines(t, dir)
	if len(lines) < 3 || !bytes.Contains(lines[0], []byte(`"state":"DONE"`)) || !bytes.Contains(lines[1], []byte(`"state":"FAILED","error":"`)) || !bytes.Contains(lines[2], []byte(`"state":"DONE"`)) {
		t.Errorf("the re-run's compacted log:\n%s", bytes.Join(lines, []byte("\n")))
	}
}

// TestPartitionsShareOneToken: eight partitions in flight, OAuth2 client
// credentials: one token request serves them all.
func TestPartitionsShareOneToken(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 400, OAuth: &demoapi.OAuth{ClientID: "cid", ClientSecret: "partition-secret-123", TokenTTL: time.Hour}})
	t.Cleanup(srv.Close)
	cfg := windowsConfig(srv.URL, 400, 50, 8)
	cfg.Auth = spec.AuthConfig{Type: spec.AuthOAuth2, Grant: transport.GrantClientCredentials, TokenURL: srv.URL + demoapi.TokenPath,
		ClientID: "cid", ClientSecret: spec.NewSecret("${SECRET}", "partition-secret-123")}
	dir := t.TempDir()
	r, col := startRun(t, cfg, ingest.Job{Out: dir})
	if _, err := drain(r, col); err != nil {
		t.Fatal(err)
	}
	ids, _ := partitionIDs(t, dir)
	slices.Sort(ids)
	exactlyOnce(t, ids, 400)
	var tokens int64
	for _, n := range srv.Stats().TokenRequests {
		tokens += n
	}
	if tokens != 1 {
		t.Errorf("%d token requests for 8 partitions, want 1", tokens)
	}
}

// A partitioned profile's endpoint shows its references as written.
func TestPartitionedEndpointShowsReferences(t *testing.T) {
	c, err := ingest.New(windowsConfig("http://127.0.0.1:1", 100, 10, 2))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Endpoint(); !strings.Contains(got, "id_gte=${partition.start}") || !strings.Contains(got, "id_lt=${partition.end}") {
		t.Errorf("endpoint %s", got)
	}
}
