package s3store

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
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
	st, w := claimOpen(t, loc, store.Options{})
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
	var (
		next store.Store
		err  error
	)
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

// TestStoreWithoutConditionalWritesIsRefused: a store that takes a write
// with If-None-Match: * over an existing object (as older S3-compatible
// stores do) cannot hold a lease: siphon refuses to run there, saying so.
// The store here is a loopback HTTP server that stores objects and ignores
// the conditions, as such a store does.
func TestStoreWithoutConditionalWritesIsRefused(t *testing.T) {
	var mu sync.Mutex
	objects := map[string][]byte{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch r.Method {
		case http.MethodPut:
			b, _ := io.ReadAll(r.Body)
			objects[r.URL.Path] = b
			w.Header().Set("ETag", fmt.Sprintf(`"%x"`, len(objects)))
		case http.MethodDelete:
			delete(objects, r.URL.Path)
			w.WriteHeader(http.StatusNoContent)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "k")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "s")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	_, err := store.At("s3://plain/x").Claim(false)
	if !errors.Is(err, ErrNoConditionalWrites) || !strings.Contains(err.Error(), "will not run") {
		t.Fatalf("Claim on a store without conditional writes: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(objects) != 0 {
		t.Errorf("left behind: %v", objects)
	}
}

// TestBucketNames: what Parse takes as a bucket name, its length bounds
// included (2 to 255 characters, lower case, starting with a letter or digit).
func TestBucketNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"lake", true},
		{"my-lake.2026_raw", true},
		{"ab", true},
		{"a", false},
		{strings.Repeat("a", 255), true},
		{strings.Repeat("a", 256), false},
		{"Lake", false},
		{"-lake", false},
		{".lake", false},
		{"la ke", false},
		{"lake\n", false},
		{"", false},
	} {
		_, err := Parse("s3://" + tc.name + "/x")
		if (err == nil) != tc.ok {
			t.Errorf("%.20q (%d characters): taken %v, want %v (%v)", tc.name, len(tc.name), err == nil, tc.ok, err)
		}
	}
}
