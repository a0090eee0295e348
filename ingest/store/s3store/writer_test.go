package s3store

import (
	"bytes"
	"testing"

	"siphon/ingest/store"
	"siphon/ingest/store/s3store/s3test"
)

// TestRoomDoubles: a segment buffer grows by doubling and keeps its bytes.
func TestRoomDoubles(t *testing.T) {
	b := room(nil, 10)
	if len(b) != 0 || cap(b) < 10 {
		t.Fatalf("empty: len %d cap %d", len(b), cap(b))
	}
	b = append(b, bytes.Repeat([]byte("x"), cap(b))...)
	full := cap(b)
	b = room(b, 1)
	if cap(b) != 2*full || len(b) != full || !bytes.Equal(b, bytes.Repeat([]byte("x"), full)) {
		t.Fatalf("grown: len %d cap %d, want %d bytes kept and cap %d", len(b), cap(b), full, 2*full)
	}
	if c := cap(room(b, 1)); c != 2*full {
		t.Fatalf("room to spare grew it again: cap %d", c)
	}
}

// TestCommitBusyAndSpare: the walk is told to wait once nothing is in
// flight or the open segment reached twice its bound; a segment whose
// upload succeeded lends its buffers to the next one, and what the
// objects hold is unchanged by the reuse.
func TestCommitBusyAndSpare(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	b := srv.Bucket(t, "spare")
	st, err := store.At("s3://spare/run").Claim(false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Release()
	sw, err := st.Open(nil, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := sw.(*writer)
	defer w.Close()
	if w.CommitBusy() {
		t.Fatal("busy with nothing in flight")
	}
	cp := &store.Checkpoint{Profile: "p"}
	for i, rec := range []string{`{"id":1}`, `{"id":2}`} {
		w.BeginPage()
		if err := w.WriteRecord([]byte(rec)); err != nil {
			t.Fatal(err)
		}
		w.EndPage()
		if err := w.Commit(cp); err != nil {
			t.Fatal(err)
		}
		if w.CommitBusy() {
			t.Fatalf("busy after commit %d", i+1)
		}
		if got := len(w.spare); got != 1 {
			t.Fatalf("after commit %d: %d spare buffer sets, want 1", i+1, got)
		}
	}
	if got := string(srv.Get(t, b, "run/records-000002.jsonl")); got != "{\"id\":2}\n" {
		t.Errorf("segment 2 (in reused buffers): %q", got)
	}
	if got := string(srv.Get(t, b, "run/records-000001.jsonl")); got != "{\"id\":1}\n" {
		t.Errorf("segment 1: %q", got)
	}
	// An upload in flight with the open segment at twice the bound: wait.
	w.inflight = make(chan error, 1)
	w.rec, w.pageStart = make([]byte, 2*SegmentBytes), 2*SegmentBytes
	if w.CommitBusy() {
		t.Error("busy although the open segment reached twice its bound")
	}
	w.rec, w.pageStart = w.rec[:0], 0
	if !w.CommitBusy() {
		t.Error("not busy with an upload in flight and room to fill")
	}
	w.inflight <- nil
	if w.CommitBusy() {
		t.Error("busy after the upload finished")
	}
	if err := w.WaitCommit(); err != nil {
		t.Fatal(err)
	}
}
