package demoapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startServer runs an API on loopback for one test.
func startServer(t *testing.T, opts Options) *Server {
	t.Helper()
	s := NewServer(opts)
	t.Cleanup(s.Close)
	return s
}

// startPinned serves an API whose rate-limit clock stands still at now.
func startPinned(t *testing.T, opts Options, now time.Time) (*API, *httptest.Server) {
	t.Helper()
	api := New(opts)
	api.now = func() time.Time { return now }
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return api, srv
}

// newClient returns a client that opens a fresh connection per request, so
// net/http never retries a request on its own after a reset.
func newClient(t *testing.T) *http.Client {
	t.Helper()
	tr := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// get fetches url and returns the response with its whole body.
func get(t *testing.T, c *http.Client, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp, body
}

// getOK is get that insists on a 200 JSON answer.
func getOK(t *testing.T, c *http.Client, url string) (*http.Response, []byte) {
	t.Helper()
	resp, body := get(t, c, url)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, body %s", url, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("GET %s: Content-Type %q", url, ct)
	}
	return resp, body
}

// decode unmarshals body into v keeping numbers exact.
func decode(t *testing.T, body []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", truncate(body), err)
	}
}

// idsOf returns the ids of raw records, failing on anything that is not one.
func idsOf(t *testing.T, recs []json.RawMessage) []int64 {
	t.Helper()
	ids := make([]int64, len(recs))
	for i, r := range recs {
		var rec struct {
			ID *int64 `json:"id"`
		}
		decode(t, r, &rec)
		if rec.ID == nil {
			t.Fatalf("record without id: %s", r)
		}
		ids[i] = *rec.ID
	}
	return ids
}

// checkEachOnce asserts ids are exactly 1..n, each once, in order.
func checkEachOnce(t *testing.T, ids []int64, n int) {
	t.Helper()
	if len(ids) != n {
		t.Fatalf("got %d records, want %d", len(ids), n)
	}
	for i, id := range ids {
		if id != int64(i+1) {
			t.Fatalf("record %d has id %d, want %d", i, id, i+1)
		}
	}
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}
