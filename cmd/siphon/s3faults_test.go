package main

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"siphon/ingest/demoapi"
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
	const n = 4000
	srv := s3test.Start(t)
	srv.Bucket(t, "lake")
	px := srv.Proxy(t, s3test.First(
		// Certainly a fault of each kind where it matters most...
		s3test.When(s3test.Puts("records-"), s3test.Schedule(s3test.Fault{}, s3test.ReplyLost, s3test.ResetNow, s3test.CutShort, s3test.Unavailable)),
		s3test.When(s3test.Puts("checkpoint.json"), s3test.Schedule(s3test.Fault{}, s3test.ReplyLost, s3test.Unavailable, s3test.ResetLate)),
		s3test.When(renewal, s3test.Schedule(s3test.Unavailable, s3test.ReplyLost)),
		// ... and a fifth of everything at random.
		s3test.Random(11, 0.2, s3test.Unavailable, s3test.Internal, s3test.ResetNow, s3test.ResetLate, s3test.ReplyLost, s3test.CutShort),
	))
	// The API waits at page 150 for a renewal to have met its fault.
	renewFaulted := px.Seen(func(e s3test.Entry) bool { return renewal(e.Request) && e.Fault.Kind != s3test.Pass })
	api := gatedAPI(t, demoapi.Options{Records: n, Latency: 2 * time.Millisecond}, 150, renewFaulted)
	dir, home := t.TempDir(), t.TempDir()
	writeProfile(t, dir, "flaky", cursorProfile("flaky", api.URL, 20))
	cmd := s3Cmd(t, px.Server(), dir, home, "run", "flaky", "--out", "s3://lake/flaky")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	t.Logf("proxy:\n%s", px.Summary())
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
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	t.Logf("the run took %s; stderr:\n%s", time.Since(start), lastLines(stderr.String(), 30))
	t.Logf("proxy:\n%s", px.Summary())
	select {
	case <-down:
	default:
		t.Fatal("the store never went down")
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v", err)
	}
}
