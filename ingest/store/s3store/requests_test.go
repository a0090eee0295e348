package s3store

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"siphon/ingest/store"
	"siphon/ingest/store/s3store/s3test"
)

// TestRunSendsNoNeedlessRequest counts what a run's first and last steps
// send, through the fault proxy's log: every request there waits on the
// one before, so each that is not sent is a round trip saved. A fresh
// prefix is claimed without reading a lease, checkpoint or segment list
// that cannot be there; a resumed one without rewriting its marker; the
// history after a release without reading the marker the claim saw.
func TestRunSendsNoNeedlessRequest(t *testing.T) {
	srv := s3test.Start(t)
	b := srv.Bucket(t, "few")
	px := srv.Proxy(t, nil)
	px.Server().Setenv(t)
	// The bucket's check of conditional writes is made once per process:
	// made here, out of the counts.
	warm, err := store.At("s3://few/warm").Claim(false)
	if err != nil {
		t.Fatal(err)
	}
	warm.Release()

	loc := store.At("s3://few/run")
	from := px.Requests()
	sent := func() map[string]int {
		t.Helper()
		px.Settle()
		got := map[string]int{}
		for _, e := range px.Log() {
			if e.N <= from {
				continue
			}
			if (e.Status < 200 || e.Status > 299) && !(e.Op == "get" && e.Status == 404) {
				t.Errorf("request failed: %v", e)
			}
			name := e.Key
			if strings.HasPrefix(name, "run/history/") {
				name = "run/history/*"
			}
			got[e.Op+" "+name+" "+e.Cond]++
		}
		from = px.Requests()
		return got
	}
	check := func(step string, want map[string]int) {
		t.Helper()
		if got := sent(); !maps.Equal(got, want) {
			t.Errorf("%s sent:\n%s\nwant:\n%s", step, show(got), show(want))
		}
	}

	st, w := claimOpen(t, loc, store.Options{})
	cp := &store.Checkpoint{Profile: "p"}
	if err := w.Commit(cp); err != nil {
		t.Fatal(err)
	}
	if err := w.WaitCommit(); err != nil { // the empty start goes up beside the run
		t.Fatal(err)
	}
	check("a fresh prefix's claim, open and first checkpoint", map[string]int{
		"list  ":                                2, // what is under the prefix; the uploads a killed run left
		"put run/.lock if-none-match":           1,
		"put run/.siphon-output if-none-match":  1,
		"put run/checkpoint.json if-none-match": 1,
	})
	if err := commitRecords(w, cp, `{"id":1}`); err != nil {
		t.Fatal(err)
	}
	w.Close()
	st.Release()
	if err := loc.AppendHistory(store.HistoryEntry{Start: time.Now(), End: time.Now(), Profile: "p", Outcome: store.OutcomeDone}); err != nil {
		t.Fatal(err)
	}
	check("a segment, the release and the history", map[string]int{
		"put run/records-000001.jsonl if-none-match": 1,
		"put run/checkpoint.json if-match":           1,
		"put run/.lock if-match":                     1,
		"put run/history/* if-none-match":            1,
	})

	st, err = loc.Claim(false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Release()
	got, err := st.ReadCheckpoint()
	if err != nil || got == nil || got.Segments != 1 {
		t.Fatalf("checkpoint read back: %+v, %v", got, err)
	}
	w, err = st.Open(got, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	check("a resumed prefix's claim and open", map[string]int{
		"list  ":                   3, // what is under the prefix; the uploads; the segments
		"get run/.lock ":           1,
		"put run/.lock if-match":   1,
		"get run/checkpoint.json ": 1,
	})
	// A second read of the checkpoint reads it anew.
	if _, err := st.ReadCheckpoint(); err != nil {
		t.Fatal(err)
	}
	check("a second read of the checkpoint", map[string]int{"get run/checkpoint.json ": 1})

	// The history of a prefix this process did not claim reads the
	// marker first: a prefix siphon never made gets none.
	if err := store.At("s3://few/other").AppendHistory(store.HistoryEntry{End: time.Now()}); err != nil {
		t.Fatal(err)
	}
	check("the history of a prefix siphon never made", map[string]int{"get other/.siphon-output ": 1})
	if objs := srv.Objects(t, b, "other/"); len(objs) != 0 {
		t.Errorf("objects under a prefix siphon never made: %v", objs)
	}
}

func show(m map[string]int) string {
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		lines = append(lines, fmt.Sprintf("%4d  %s", m[k], k))
	}
	return strings.Join(lines, "\n")
}

// TestUploadsUnderAnEmptiedPrefixAreAborted: a prefix whose objects were
// deleted (by hand, or a lifecycle rule) may still have a killed run's
// uploads in progress: a fresh claim of it, which reads nothing else,
// still aborts them and says so.
func TestUploadsUnderAnEmptiedPrefixAreAborted(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	b := srv.Bucket(t, "emptied")
	if _, err := srv.Client().CreateMultipartUpload(t.Context(), &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("run/records-000003.jsonl")}); err != nil {
		t.Fatal(err)
	}
	st, _ := claimWriter(t, store.At("s3://emptied/run"), store.Options{})
	ups, err := srv.Client().ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: aws.String(b), Prefix: aws.String("run/")})
	if err != nil || len(ups.Uploads) != 0 {
		t.Errorf("uploads left after a fresh claim: %d, %v", len(ups.Uploads), err)
	}
	if notes := st.Notes(); len(notes) != 1 || !strings.Contains(notes[0], "1 incomplete uploads") {
		t.Errorf("notes: %v", notes)
	}
}

// TestEmptyStartGoesUpBeside: a new run's first checkpoint, which vouches
// for no segment, goes up while the run goes on; the commit of the first
// segment waits for it, and one that failed stops the run before any
// segment is completed.
func TestEmptyStartGoesUpBeside(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	b := srv.Bucket(t, "start")
	st, err := store.At("s3://start/run").Claim(false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Release()
	// Another writer's checkpoint, there before the new run's: its
	// create fails its condition.
	if _, err := srv.Client().PutObject(t.Context(), putInput(b, "run/checkpoint.json", `{"profile":"other"}`)); err != nil {
		t.Fatal(err)
	}
	w, err := st.Open(nil, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	cp := &store.Checkpoint{Profile: "p"}
	if err := w.Commit(cp); err != nil {
		t.Fatalf("the empty start: %v (it goes up beside the run)", err)
	}
	if err := commitRecords(w, cp, `{"id":1}`); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("the first segment's commit after the empty start failed: %v", err)
	}
	if objs := srv.Objects(t, b, "run/records-"); len(objs) != 0 {
		t.Errorf("a segment completed without the empty start in place: %v", objs)
	}
}
