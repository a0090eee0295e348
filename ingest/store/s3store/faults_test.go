package s3store

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"siphon/ingest/store"
	"siphon/ingest/store/s3store/s3test"
)

// commitRecords writes one page of records and commits it.
func commitRecords(w store.Writer, cp *store.Checkpoint, recs ...string) error {
	w.BeginPage()
	for _, r := range recs {
		if err := w.WriteRecord([]byte(r)); err != nil {
			return err
		}
	}
	w.EndPage()
	return w.Commit(cp)
}

// within waits for ch, failing the test after d (an upper bound, not a
// synchronisation).
func within[T any](t *testing.T, d time.Duration, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(d):
		t.Fatalf("%s: not within %s", what, d)
	}
	var zero T
	return zero
}

// TestAnswersCutShortAreRetried: reads whose answer is cut short (the
// lease, the checkpoint, a listing) are tried again, as the SDK does not
// on its own for a body read after it returns, and the run goes on.
func TestAnswersCutShortAreRetried(t *testing.T) {
	srv := s3test.Start(t)
	srv.Bucket(t, "lake")
	px := srv.Proxy(t, nil)
	px.Server().Setenv(t)
	loc := store.At("s3://lake/cut")
	st, w := claimOpen(t, loc, store.Options{})
	cp := &store.Checkpoint{Profile: "p"}
	if err := commitRecords(w, cp, `{"id":1}`); err != nil {
		t.Fatal(err)
	}
	w.Close()
	st.Release()

	reads := func(op, name string) func(s3test.Request) bool {
		return func(r s3test.Request) bool { return r.Op == op && strings.HasSuffix(r.Key, name) }
	}
	px.SetPolicy(s3test.First(
		s3test.When(reads("get", "/.lock"), s3test.Schedule(s3test.CutShort)),
		s3test.When(reads("get", "/checkpoint.json"), s3test.Schedule(s3test.CutShort, s3test.Fault{}, s3test.CutShort)),
		s3test.When(reads("list", ""), s3test.Schedule(s3test.CutShort, s3test.Fault{}, s3test.Fault{}, s3test.CutShort)),
	))
	st, err := loc.Claim(false)
	if err != nil {
		t.Fatalf("claim with answers cut short: %v", err)
	}
	defer st.Release()
	got, err := st.ReadCheckpoint()
	if err != nil || got == nil || got.Segments != 1 {
		t.Fatalf("checkpoint read with answers cut short: %+v, %v", got, err)
	}
	if w, err = st.Open(got, store.Options{}); err != nil {
		t.Fatalf("open with answers cut short: %v", err)
	}
	defer w.Close()
	if err := commitRecords(w, got, `{"id":2}`); err != nil {
		t.Fatal(err)
	}
	var cut []string
	for _, e := range px.Faulted() {
		cut = append(cut, e.Op+" "+e.Key)
	}
	if len(cut) < 4 {
		t.Errorf("only %d answers were cut: %v", len(cut), cut)
	}
	t.Logf("cut short: %v", cut)
}

// TestRetriesAreTold: a request that fails twice in a row tells the run
// the store is failing (naming the object and what siphon does), and
// that it answers again once it does; one failure alone is a blip and
// says nothing.
func TestRetriesAreTold(t *testing.T) {
	srv := s3test.Start(t)
	srv.Bucket(t, "lake")
	px := srv.Proxy(t, nil)
	px.Server().Setenv(t)
	var mu sync.Mutex
	var said []string
	loc := store.WithWarnings(store.At("s3://lake/told"), func(s string) {
		mu.Lock()
		defer mu.Unlock()
		said = append(said, s)
	})
	_, w := claimWriter(t, loc, store.Options{})
	cp := &store.Checkpoint{Profile: "p"}
	px.SetPolicy(s3test.When(s3test.Puts("records-"), s3test.Schedule(s3test.Unavailable)))
	if err := commitRecords(w, cp, `{"id":1}`); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(said) != 0 {
		t.Errorf("one failure told: %q", said)
	}
	mu.Unlock()
	px.SetPolicy(s3test.When(s3test.Puts("records-"), s3test.Schedule(s3test.Unavailable, s3test.ResetNow)))
	if err := commitRecords(w, cp, `{"id":2}`); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(said) != 2 ||
		!strings.Contains(said[0], "the store is failing: writing s3://lake/told/records-000002.jsonl failed 2 times (") ||
		!strings.Contains(said[0], "the run waits and loses nothing") ||
		!strings.Contains(said[1], "the store answers again: writing s3://lake/told/records-000002.jsonl succeeded at attempt 3") {
		t.Errorf("told:\n%s", strings.Join(said, "\n"))
	}
}

// TestLeaseOutlastedByFailures: the owner's lease renewals fail with 503
// or hang for longer than the lease (alone, or with every other request
// of the owner): the owner writes nothing once the lease may have run out, a
// successor on another machine takes the prefix over and writes, and
// once the store answers the owner again it finds the takeover and stops
// with ErrLeaseLost, without a write after the successor's first.
func TestLeaseOutlastedByFailures(t *testing.T) {
	renewals := func(r s3test.Request) bool { return s3test.Puts(".lock")(r) && r.Cond == "if-match" }
	for _, tc := range []struct {
		name   string
		policy s3test.Policy
		// early: the owner's commit starts before the successor takes
		// over (its writes fail and are retried across the takeover);
		// else after (its write finds the lease stale and renews it).
		early bool
	}{
		{"renewals fail", s3test.When(renewals, s3test.Always(s3test.Unavailable)), false},
		{"renewals hang", s3test.When(renewals, s3test.Always(s3test.Fault{Kind: s3test.Delay, Delay: 10 * time.Minute})), false},
		{"the store is unreachable", s3test.Always(s3test.Unavailable), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := s3test.Start(t)
			srv.Bucket(t, "lake")
			t.Setenv("SIPHON_S3_LEASE", "2s")
			// A failed test waits for the owner's commit as it closes:
			// not for the default five minutes.
			t.Setenv("SIPHON_S3_MAX_ELAPSED", "90s")
			px := srv.Proxy(t, nil)
			px.Server().Setenv(t) // the owner reaches the store through the proxy
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("proxy:\n%s", summary(px.Log()))
				}
			})
			loc := store.At("s3://lake/stall")
			owner, err := loc.Claim(false)
			if err != nil {
				t.Fatal(err)
			}
			defer owner.Release()
			w, err := owner.Open(nil, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			cp := &store.Checkpoint{Profile: "p"}
			if err := commitRecords(w, cp, `{"id":1}`); err != nil {
				t.Fatal(err)
			}

			px.SetPolicy(tc.policy)
			done := make(chan error, 1)
			commit := func() { go func() { done <- commitRecords(w, cp, `{"id":"owner-2"}`) }() }
			if tc.early {
				commit()
			}
			// The successor, on another machine, reaches the store
			// directly: it is refused until the lease expires.
			srv.Setenv(t)
			var next store.Store
			deadline := time.Now().Add(time.Minute)
			for next == nil {
				if next, err = loc.Claim(false); err != nil && !errors.Is(err, store.ErrFolderInUse) {
					t.Fatal(err)
				}
				if time.Now().After(deadline) {
					t.Fatal("the successor never took over")
				}
			}
			defer next.Release()
			takenAt, takenN := len(px.Log()), px.Requests()
			ncp, err := next.ReadCheckpoint()
			if err != nil {
				t.Fatal(err)
			}
			nw, err := next.Open(ncp, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer nw.Close()
			if !tc.early {
				commit()
			}
			// The owner meets the failing store once more (its write
			// waits for the lease); then the store answers it again,
			// before the successor wrote its first segment: a write of
			// the owner's would get there first.
			within(t, time.Minute, "a fault after the takeover", px.Seen(func(e s3test.Entry) bool { return e.N > takenN && e.Fault.Kind != s3test.Pass }))
			px.SetPolicy(nil)
			err = within(t, time.Minute, "the owner's commit", done)
			if !errors.Is(err, ErrLeaseLost) || !strings.Contains(err.Error(), "another run took over s3://lake/stall") {
				t.Fatalf("the owner's commit: %v", err)
			}
			for _, e := range px.Log()[takenAt:] {
				if e.Method != "GET" && e.Method != "HEAD" && e.Status >= 200 && e.Status < 300 {
					t.Errorf("the owner wrote after the takeover: %v", e)
				}
			}
			for _, id := range []string{"successor-2", "successor-3"} {
				if err := commitRecords(nw, ncp, `{"id":"`+id+`"}`); err != nil {
					t.Fatalf("the successor's commit of %s: %v", id, err)
				}
			}
			if got := string(srv.Get(t, "lake", "stall/records-000002.jsonl")); got != `{"id":"successor-2"}`+"\n" {
				t.Errorf("segment 2: %q", got)
			}
			last, err := next.ReadCheckpoint()
			if err != nil || last.Segments != 3 {
				t.Errorf("the successor's checkpoint: %+v, %v", last, err)
			}
			t.Logf("proxy after the takeover:\n%s", summary(px.Log()[takenAt:]))
		})
	}
}

func summary(es []s3test.Entry) string {
	var b strings.Builder
	for _, e := range es {
		fmt.Fprintln(&b, e)
	}
	return b.String()
}

// TestOwnRenewalIsNoTakeover: a renewal the store took although its
// answer was lost, then retried until it gave up, leaves the lease's
// ETag moved on without the owner knowing: the next renewal meets a
// failed condition, finds its own token in .lock, and goes on, rather
// than taking it for another run's takeover.
func TestOwnRenewalIsNoTakeover(t *testing.T) {
	srv := s3test.Start(t)
	srv.Bucket(t, "lake")
	t.Setenv("SIPHON_S3_LEASE", "2s")
	px := srv.Proxy(t, nil)
	px.Server().Setenv(t)
	_, w := claimWriter(t, store.At("s3://lake/own"), store.Options{})
	renewals := func(r s3test.Request) bool { return s3test.Puts(".lock")(r) && r.Cond == "if-match" }
	// The first renewal goes through but its answer is lost; its retries
	// fail until it gives up (a fifth of the lease), and so does the
	// next renewal's first attempt.
	var faults []s3test.Fault
	faults = append(faults, s3test.ReplyLost)
	for range 40 {
		faults = append(faults, s3test.Unavailable)
	}
	px.SetPolicy(s3test.When(renewals, s3test.Schedule(faults...)))
	conflicted := px.Seen(func(e s3test.Entry) bool { return renewals(e.Request) && e.Status == 412 })
	within(t, time.Minute, "a renewal's failed condition", conflicted)
	renewedAfter := px.Requests()
	within(t, time.Minute, "a renewal after it", px.Seen(func(e s3test.Entry) bool {
		return renewals(e.Request) && e.N > renewedAfter && e.Status == 200
	}))
	if err := commitRecords(w, &store.Checkpoint{Profile: "p"}, `{"id":1}`); err != nil {
		t.Fatalf("commit after the owner's own renewal conflicted: %v", err)
	}
}
