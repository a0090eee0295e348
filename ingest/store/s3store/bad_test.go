package s3store

import (
	"errors"
	"strings"
	"testing"
	"time"

	"siphon/ingest/store"
	"siphon/ingest/store/s3store/s3test"
)

// TestBadBucketsAndCredentials: a missing bucket and refused credentials
// are said in words, without the secret; nothing is written.
func TestBadBucketsAndCredentials(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	srv.Bucket(t, "lake")
	if _, err := store.At("s3://nosuchbucket/x").Claim(false); err == nil || !strings.Contains(err.Error(), "the bucket does not exist") {
		t.Errorf("missing bucket: %v", err)
	}
	if _, err := Parse("s3://Bad_Bucket/x"); err == nil {
		t.Error("a bad bucket name was taken")
	}
	if _, err := Parse("s3://lake/a/../b"); err == nil {
		t.Error("a .. segment was taken")
	}

	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret-value-123")
	_, err := store.At("s3://lake/x").Claim(false)
	if err == nil || !strings.Contains(err.Error(), "credentials were refused") {
		t.Errorf("wrong secret: %v", err)
	}
	if err != nil && strings.Contains(err.Error(), "wrong-secret-value-123") {
		t.Errorf("the secret is in the message: %v", err)
	}
	if objs := srv.Objects(t, "lake", ""); len(objs) != 0 {
		t.Errorf("written with refused credentials: %v", objs)
	}
}

// TestStalledOwnerStops: an owner whose lease runs out while it is alive
// but not renewing (stalled) loses the prefix to a successor, and its next
// commit fails without writing a segment or the checkpoint.
func TestStalledOwnerStops(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	srv.Bucket(t, "lake")
	t.Setenv("SIPHON_S3_LEASE", "1s")
	loc := store.At("s3://lake/stall")
	st, err := loc.Claim(false)
	if err != nil {
		t.Fatal(err)
	}
	w, err := st.Open(nil, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w.BeginPage()
	w.WriteRecord([]byte(`{"id":1}`))
	w.EndPage()
	if err := w.Commit(&store.Checkpoint{Profile: "p"}); err != nil {
		t.Fatal(err)
	}
	// The owner stalls: its renewals stop (as in a stopped process).
	ls := st.(*held).lease
	close(ls.stop)
	<-ls.stopped
	var next store.Store
	deadline := time.Now().Add(30 * time.Second)
	for next == nil {
		next, err = loc.Claim(false)
		if err != nil && !errors.Is(err, store.ErrFolderInUse) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("the stalled lease was never taken over")
		}
	}
	defer next.Release()
	w.BeginPage()
	w.WriteRecord([]byte(`{"id":2}`))
	w.EndPage()
	if err := w.Commit(&store.Checkpoint{Profile: "p"}); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("the stalled owner's commit: %v", err)
	}
	if _, ok := srv.Objects(t, "lake", "stall/")["stall/records-000002.jsonl"]; ok {
		t.Error("the stalled owner wrote a segment after losing its lease")
	}
	cp, err := next.ReadCheckpoint()
	if err != nil || cp.Segments != 1 {
		t.Errorf("the successor's checkpoint: %+v, %v", cp, err)
	}
}
