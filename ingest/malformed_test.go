package ingest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"siphon/ingest"
)

// TestMalformedResponseIsNotRetried: a server that answers with a control
// character in a header (refused by Go's client) answers so again; the run
// fails at once, naming it, instead of retrying for retry.max_elapsed.
func TestMalformedResponseIsNotRetried(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("X-Evil", "\x1b]52;c;eA==\x07")
		w.Write([]byte(`{"data":[{"id":1}],"next":null}`))
	}))
	defer srv.Close()
	_, err := run(t, scriptConfig(srv.URL), ingest.Job{Out: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "malformed response") {
		t.Fatalf("want a failure naming the malformed response, got %v", err)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("%d requests, want 1: a malformed response is permanent", n)
	}
}
