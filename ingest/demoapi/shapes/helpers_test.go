package shapes_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"siphon/ingest/demoapi/shapes"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"), goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))
}

const testToken = "tok-Zq81-secret"

// clock is a test clock that only moves when told to.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// serve starts the emulation name on loopback.
func serve(t *testing.T, name string, opts shapes.Options) (*shapes.API, *httptest.Server) {
	t.Helper()
	api, err := shapes.New(name, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return api, srv
}

// client is a plain HTTP client for one emulation: no siphon code.
type client struct {
	t      *testing.T
	base   string
	header map[string]string
	before func() // runs before every request (moves a test clock)
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

// do sends method to target (a path, or an absolute URL) with an optional
// JSON body.
func (c *client) do(method, target string, body any) reply {
	c.t.Helper()
	if !strings.HasPrefix(target, "http") {
		target = c.base + target
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	if c.before != nil {
		c.before()
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

// ok decodes a 200 reply into v.
func (c *client) ok(r reply, v any) {
	c.t.Helper()
	if r.status != http.StatusOK {
		c.t.Fatalf("status %d: %s", r.status, r.body)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		c.t.Fatalf("decoding %s: %v", r.body, err)
	}
}

var nextLink = regexp.MustCompile(`<([^>]+)>;\s*rel="next"`)

// linkNext is the rel="next" URL of a Link header, or "".
func linkNext(h http.Header) string {
	if m := nextLink.FindStringSubmatch(h.Get("Link")); m != nil {
		return m[1]
	}
	return ""
}

// exactlyOnce checks that got holds every id api serves once and nothing
// else.
func exactlyOnce(t *testing.T, api *shapes.API, got []string) {
	t.Helper()
	if why := api.Once(got); why != "" {
		t.Fatal(why)
	}
}
