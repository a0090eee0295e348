package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"siphon/ingest/demoapi"
	"siphon/ingest/store"
	"siphon/ingest/store/s3store/s3test"
)

// renewal picks a lease renewal in the proxy's log (or a release: both
// replace .lock If-Match its ETag).
func renewal(r s3test.Request) bool { return s3test.Puts(".lock")(r) && r.Cond == "if-match" }

// gatedAPI is the demo API that holds its page `at` until gate is closed
// (or two minutes pass), so that what the test waits for happens while
// the run is alive, however fast either side is.
func gatedAPI(t *testing.T, opt demoapi.Options, at int64, gate <-chan struct{}) *httptest.Server {
	t.Helper()
	demo := demoapi.New(opt)
	var served atomic.Int64
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if served.Add(1) == at {
			select {
			case <-gate:
			case <-time.After(2 * time.Minute):
			}
		}
		demo.ServeHTTP(w, r)
	}))
	t.Cleanup(api.Close)
	return api
}

// TestS3FlakyStore: a run through a store that fails a fifth of its
// requests (503s, 500s, resets before and after the body, replies lost
// after the store did the write, answers cut short) ends DONE with every
// record exactly once in the bucket; the proxy's log shows faults on
// segment puts, checkpoint puts and lease renewals.
func TestS3FlakyStore(t *testing.T) {
	const n = 5000
	srv := s3test.Start(t)
	srv.Bucket(t, "lake")
	var pass s3test.Fault
	px := srv.Proxy(t, s3test.First(
		// Certainly a fault of each kind where it matters most...
		s3test.When(s3test.Puts("records-"), s3test.Schedule(pass, s3test.ReplyLost, pass, s3test.ResetNow, pass, s3test.CutShort, pass, s3test.Unavailable)),
		s3test.When(s3test.Puts("checkpoint.json"), s3test.Schedule(pass, s3test.ReplyLost, pass, s3test.Unavailable, pass, s3test.ResetLate)),
		s3test.When(renewal, s3test.Schedule(s3test.Unavailable, s3test.ReplyLost)),
		// ... and a fifth of everything at random.
		s3test.Random(11, 0.2, s3test.Unavailable, s3test.Internal, s3test.ResetNow, s3test.ResetLate, s3test.ReplyLost, s3test.CutShort),
	))
	// The API waits at page 150 for a renewal to have met its fault; its
	// latency spreads the run over a dozen segments.
	renewFaulted := px.Seen(func(e s3test.Entry) bool { return renewal(e.Request) && e.Fault.Kind != s3test.Pass })
	api := gatedAPI(t, demoapi.Options{Records: n, Latency: 15 * time.Millisecond}, 150, renewFaulted)
	dir, home := t.TempDir(), t.TempDir()
	writeProfile(t, dir, "flaky", cursorProfile("flaky", api.URL, 20))
	cmd := s3Cmd(t, px.Server(), dir, home, "run", "flaky", "--out", "s3://lake/flaky")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	t.Logf("proxy:\n%s", px.Summary())
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, "WARNING") {
			t.Log(line)
		}
	}
	if err != nil || !strings.Contains(stderr.String(), "DONE") {
		t.Fatalf("run: %v\n%s", err, lastLines(stderr.String(), 20))
	}
	checkExactlyOnce(t, s3IDs(t, srv, "lake", "flaky"), n)
	for _, want := range []struct {
		what  string
		match func(s3test.Request) bool
	}{
		{"a segment put", s3test.Puts("records-")},
		{"a checkpoint put", s3test.Puts("checkpoint.json")},
		{"a lease renewal", renewal},
	} {
		found := false
		for _, e := range px.Faulted() {
			found = found || want.match(e.Request)
		}
		if !found {
			t.Errorf("no fault was injected on %s", want.what)
		}
	}
}

// TestS3StoreGoesDown: the store stops answering for good in the middle
// of a run (every request fails): the run stops with an error that names
// the store and says what to do, exit 1, without a stack trace; the
// checkpoint in the bucket vouches for whole segments only; once the
// store is back, a resume ends with every record exactly once.
func TestS3StoreGoesDown(t *testing.T) {
	const n = 3000
	srv := s3test.Start(t)
	srv.Bucket(t, "lake")
	var isDown atomic.Bool
	failAll := s3test.Random(3, 1, s3test.Unavailable, s3test.Internal, s3test.ResetNow)
	px := srv.Proxy(t, func(r s3test.Request) s3test.Fault {
		if isDown.Load() {
			return failAll(r)
		}
		return s3test.Fault{}
	})
	// The store goes down once a segment is vouched for (the second
	// checkpoint: the first vouches for the empty start), with pages left
	// to fetch.
	var saved atomic.Int64
	down := px.Seen(func(e s3test.Entry) bool {
		if s3test.Puts("checkpoint.json")(e.Request) && e.Status == http.StatusOK && saved.Add(1) == 2 {
			isDown.Store(true)
			return true
		}
		return false
	})
	api := demoapi.NewServer(demoapi.Options{Records: n, Latency: 5 * time.Millisecond})
	defer api.Close()
	dir, home := t.TempDir(), t.TempDir()
	writeProfile(t, dir, "down", cursorProfile("down", api.URL, 20))
	cmd := s3Cmd(t, px.Server(), dir, home, "run", "down", "--out", "s3://lake/down")
	cmd.Env = append(cmd.Env, "SIPHON_S3_MAX_ELAPSED=3s") // how long a request is retried (5 minutes by default)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	out := stderr.String()
	t.Logf("proxy:\n%s", px.Summary())
	select {
	case <-down:
	default:
		t.Fatal("the store never went down")
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v\n%s", err, lastLines(out, 20))
	}
	// Told while it waited, then why it stopped and what to do.
	warned := strings.Index(out, "WARNING: the store is failing: writing s3://lake/down/")
	failed := strings.Index(out, "siphon: run down failed: ")
	if warned < 0 || failed < warned {
		t.Errorf("no warning that the store is failing before the failure:\n%s", lastLines(out, 20))
	}
	// Which request gives up first (a segment's object, or the lease's
	// renewal that the others then follow) depends on timing: either
	// says the store is failing.
	if tail := out[max(failed, 0):]; !strings.Contains(tail, "the store failed or could not be reached for 3") && !strings.Contains(tail, "the store still fails") {
		t.Errorf("the failure does not say the store fails:\n%s", tail)
	}
	for _, want := range []string{"run again once it answers", "Resume with: siphon run down --out s3://lake/down"} {
		if !strings.Contains(out[max(failed, 0):], want) {
			t.Errorf("the failure does not say %q:\n%s", want, out[max(failed, 0):])
		}
	}
	if strings.Contains(out, "goroutine ") || strings.Contains(out, "panic") {
		t.Errorf("a stack trace:\n%s", out)
	}
	// The checkpoint in the bucket vouches for whole segments only, and
	// the message says what it holds.
	cp, err := store.ParseCheckpoint("checkpoint.json", srv.Get(t, "lake", "down/checkpoint.json"))
	if err != nil {
		t.Fatal(err)
	}
	objs := srv.Objects(t, "lake", "down/")
	var vouched int64
	for k := 1; k <= cp.Segments; k++ {
		size, ok := objs[fmt.Sprintf("down/records-%06d.jsonl", k)]
		if !ok {
			t.Errorf("segment %d of %d is missing", k, cp.Segments)
		}
		vouched += size
	}
	if vouched != cp.RecordsBytes || cp.Segments < 1 || cp.Pages >= n/20 {
		t.Errorf("the checkpoint vouches for %d segments, %d pages, %d bytes; the segments hold %d", cp.Segments, cp.Pages, cp.RecordsBytes, vouched)
	}
	if want := fmt.Sprintf("The checkpoint holds %d pages (%d records)", cp.Pages, cp.Records); !strings.Contains(out, want) {
		t.Errorf("the message does not say %q:\n%s", want, lastLines(out, 5))
	}
	t.Logf("stderr:\n%s", out)

	// The store is back: the resume ends with every record once.
	isDown.Store(false)
	s3RunToEnd(t, px.Server(), dir, home, "run", "down", "--out", "s3://lake/down")
	checkExactlyOnce(t, s3IDs(t, srv, "lake", "down"), n)
}

// TestS3SlowStore: every write to the store takes 300 ms more: the run
// still ends with every record exactly once, and fetching goes on while
// segments upload (most pages are fetched while a write is in flight),
// rather than waiting for each.
func TestS3SlowStore(t *testing.T) {
	const n, perPage = 3000, 20
	srv := s3test.Start(t)
	srv.Bucket(t, "lake")
	writes := func(r s3test.Request) bool { return r.Method == http.MethodPut || r.Method == http.MethodPost }
	px := srv.Proxy(t, s3test.When(writes, s3test.Always(s3test.Fault{Kind: s3test.Delay, Delay: 300 * time.Millisecond})))
	demo := demoapi.New(demoapi.Options{Records: n, Latency: 5 * time.Millisecond})
	// Of the pages fetched once the first segment began to upload (the
	// pages before it had nothing to overlap with), how many were
	// fetched while a write of a segment or checkpoint was in flight.
	segmentUp := func(r s3test.Request) bool { return s3test.Puts("records-")(r) }
	write := func(r s3test.Request) bool { return r.Op == "put" && !strings.HasSuffix(r.Key, "/.lock") }
	segmentDone := px.Seen(func(e s3test.Entry) bool { return segmentUp(e.Request) })
	var pages, after, overlapped atomic.Int64
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pages.Add(1)
		busy := px.InFlight(write) > 0
		began := px.InFlight(segmentUp) > 0
		select {
		case <-segmentDone:
			began = true
		default:
		}
		if began {
			after.Add(1)
			if busy {
				overlapped.Add(1)
			}
		}
		demo.ServeHTTP(w, r)
	}))
	defer api.Close()
	dir, home := t.TempDir(), t.TempDir()
	writeProfile(t, dir, "slow", cursorProfile("slow", api.URL, perPage))
	cmd := s3Cmd(t, px.Server(), dir, home, "run", "slow", "--out", "s3://lake/slow")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil || !strings.Contains(stderr.String(), "DONE") {
		t.Fatalf("run: %v\n%s", err, lastLines(stderr.String(), 20))
	}
	checkExactlyOnce(t, s3IDs(t, srv, "lake", "slow"), n)
	segments := 0
	for key := range srv.Objects(t, "lake", "slow/") {
		if segmentKey.MatchString(strings.TrimPrefix(key, "slow/")) {
			segments++
		}
	}
	t.Logf("%d pages; of the %d after the first upload began, %d were fetched while a segment or checkpoint was being written; %d segments", pages.Load(), after.Load(), overlapped.Load(), segments)
	if after.Load() < 10 || overlapped.Load() < after.Load()/2 || segments < 2 {
		t.Errorf("of %d pages fetched after the first upload began, %d were fetched while a write was in flight (%d segments): the walk waited for the store", after.Load(), overlapped.Load(), segments)
	}
}
