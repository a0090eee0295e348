package ingest_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"siphon/ingest"
	"siphon/ingest/partition"
	"siphon/ingest/partition/partlist"
	"siphon/ingest/spec"
)

// seen is what a loopback API received: each request's path as sent (not
// decoded), query, headers and body.
type seen struct {
	mu   sync.Mutex
	reqs []seenRequest
}

type seenRequest struct {
	path, query, auth, tenant, body string
}

func (s *seen) server(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		// RequestURI is the request line's target exactly as the client
		// wrote it: no cleaning, no decoding.
		path, query, _ := strings.Cut(r.RequestURI, "?")
		s.reqs = append(s.reqs, seenRequest{path: path, query: query, auth: r.Header.Get("Authorization"), tenant: r.Header.Get("X-Tenant"), body: string(b)})
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"data":[{"id":1}]}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func (s *seen) all() []seenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// TestPartitionValuesStayInTheirSlot: values (from a profile or from an
// API) never change which path is asked. In the path a value is one
// segment ('/' escaped); a dot segment, plain or percent-encoded, is
// refused; CR, LF and NUL are refused wherever the value goes. A refused
// partition fails alone, named, without a request (so without
// credentials); the others are fetched.
func TestPartitionValuesStayInTheirSlot(t *testing.T) {
	values := []string{
		"acme",                      // 0
		"a/b",                       // 1: one segment, a%2Fb
		"../../../admin/delete-all", // 2: one segment, no dot segment
		"..",                        // 3: refused in the path
		".",                         // 4: refused in the path
		"%2e%2e",                    // 5: refused in the path (decodes to ..)
		".%2E",                      // 6: refused in the path
		"%252e%252e",                // 7: refused in the path (decodes twice to ..)
		"x\r\nX-Evil: 1",            // 8: refused everywhere
		"nul\x00byte",               // 9: refused everywhere
		"q?x=1#frag",                // 10: escaped in the path
	}
	refusedEverywhere := []int{8, 9}
	cases := []struct {
		name      string
		path      string
		params    map[string]string
		headers   map[string]string
		body      string
		refused   []int          // indexes refused
		wantPaths map[int]string // index -> path the server saw
	}{
		{name: "path", path: "/repos/${partition.value}/issues", refused: []int{3, 4, 5, 6, 7, 8, 9},
			wantPaths: map[int]string{0: "/repos/acme/issues", 1: "/repos/a%2Fb/issues", 2: "/repos/..%2F..%2F..%2Fadmin%2Fdelete-all/issues", 10: "/repos/q%3Fx=1%23frag/issues"}},
		{name: "params", path: "/items", params: map[string]string{"group": "${partition.value}"}, refused: refusedEverywhere},
		{name: "headers", path: "/items", headers: map[string]string{"X-Tenant": "${partition.value}"}, refused: refusedEverywhere},
		{name: "body", path: "/search", body: `{"group":"${partition.value}"}`, refused: refusedEverywhere},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s seen
			srv := s.server(t)
			cfg := spec.Config{Name: "slot", BaseURL: srv.URL + "/api", Path: tc.path, Records: ".data",
				Params: tc.params, Headers: tc.headers,
				Auth:       spec.AuthConfig{Type: spec.AuthBearer, Token: spec.NewSecret("${TOKEN}", "slot-token-4711")},
				Partitions: spec.PartitionsConfig{Values: values}, Concurrency: 3}
			if tc.body != "" {
				cfg.Method, cfg.Body = http.MethodPost, []byte(tc.body)
			}
			_, err := run(t, cfg, ingest.Job{Out: t.TempDir()})

			// The refused partitions, and only they, failed, each named.
			var failed *ingest.PartitionsFailedError
			if !errors.As(err, &failed) {
				t.Fatalf("run: %v", err)
			}
			parts, lerr := partlist.Of(cfg)
			if lerr != nil {
				t.Fatal(lerr)
			}
			var gotKeys, wantKeys []string
			for _, f := range failed.Failed {
				gotKeys = append(gotKeys, f.Key)
				var pve *partition.ValueError
				if !errors.As(f.Err, &pve) || !errors.Is(f.Err, partition.ErrUnsafeValue) || pve.Key != f.Key {
					t.Errorf("partition %s failed with %v, want a refused value", f.Key, f.Err)
				} else if msg := f.Err.Error(); !strings.Contains(msg, "partition ") || !strings.Contains(msg, f.Key) || !strings.Contains(msg, "retrying cannot help") {
					t.Errorf("message does not name the partition: %s", msg)
				}
			}
			for _, i := range tc.refused {
				wantKeys = append(wantKeys, parts[i].Key)
			}
			slices.Sort(gotKeys)
			slices.Sort(wantKeys)
			if !slices.Equal(gotKeys, wantKeys) {
				t.Errorf("failed partitions %q, want %q", gotKeys, wantKeys)
			}

			// One request for each accepted partition, none for the refused.
			reqs := s.all()
			if want := len(values) - len(tc.refused); len(reqs) != want {
				t.Errorf("%d requests, want %d: %+v", len(reqs), want, reqs)
			}
			for _, r := range reqs {
				if r.auth != "Bearer slot-token-4711" {
					t.Errorf("request %s without its credentials", r.path)
				}
				for _, seg := range strings.Split(r.path, "/") {
					if seg == "." || seg == ".." {
						t.Errorf("request path %s has a dot segment", r.path)
					}
				}
				if strings.Contains(r.path, "/../") || strings.Contains(r.path, "/./") || !strings.HasPrefix(r.path, "/api/") {
					t.Errorf("request path %s left /api/", r.path)
				}
				for _, i := range tc.refused {
					v := values[i]
					if strings.ContainsAny(v, "\r\n\x00") && (strings.Contains(r.tenant, "X-Evil") || strings.Contains(r.body, "nul")) {
						t.Errorf("a refused value was sent: %+v", r)
					}
				}
			}
			for i, want := range tc.wantPaths {
				if !slices.ContainsFunc(reqs, func(r seenRequest) bool { return r.path == "/api"+want }) {
					t.Errorf("value %q: no request for /api%s; got %+v", values[i], want, reqs)
				}
			}
			// Outside the path the value is sent as it is, in its own encoding.
			switch tc.name {
			case "params":
				if !slices.ContainsFunc(reqs, func(r seenRequest) bool {
					q, _ := url.ParseQuery(r.query)
					return q.Get("group") == ".."
				}) {
					t.Errorf("the value .. was not sent as a query parameter: %+v", reqs)
				}
			case "headers":
				if !slices.ContainsFunc(reqs, func(r seenRequest) bool { return r.tenant == "../../../admin/delete-all" }) {
					t.Errorf("the header value was not sent as it is: %+v", reqs)
				}
			case "body":
				if !slices.ContainsFunc(reqs, func(r seenRequest) bool { return r.body == `{"group":"q?x=1#frag"}` }) {
					t.Errorf("the body value was not sent as it is: %+v", reqs)
				}
			}
		})
	}
}
