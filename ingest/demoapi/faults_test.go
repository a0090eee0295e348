package demoapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestResetDropsTheConnection(t *testing.T) {
	s := startServer(t, Options{Records: 10, Faults: Faults{ResetRate: 1}})
	resp, err := newClient(t).Get(s.URL + "/v1/cursor")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got status %d, want a connection error", resp.StatusCode)
	}
	if st := s.Stats(); st.Resets != 1 || len(st.ByStatus) != 0 {
		t.Fatalf("stats %+v, want one reset and no response", st)
	}
}

func TestTruncateEndsTheBodyEarly(t *testing.T) {
	s := startServer(t, Options{Records: 10, Faults: Faults{TruncateRate: 1}})
	resp, err := newClient(t).Get(s.URL + "/v1/keyset")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("status %d, read error %v; want 200 and unexpected EOF", resp.StatusCode, err)
	}
	if want := resp.ContentLength / 2; int64(len(body)) != want {
		t.Fatalf("read %d bytes of %d announced, want %d", len(body), resp.ContentLength, want)
	}
	if st := s.Stats(); st.Truncations != 1 || st.ByStatus[200] != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestStatusFaults(t *testing.T) {
	tests := []struct {
		name   string
		faults Faults
		check  func(t *testing.T, resp *http.Response, body []byte)
	}{
		{"server error", Faults{ServerErrorRate: 1}, func(t *testing.T, resp *http.Response, body []byte) {
			if resp.StatusCode != 500 && resp.StatusCode != 502 && resp.StatusCode != 503 {
				t.Errorf("status %d, want 500, 502 or 503", resp.StatusCode)
			}
			wantJSONError(t, resp, body)
		}},
		{"html", Faults{HTMLRate: 1}, func(t *testing.T, resp *http.Response, body []byte) {
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
				!strings.Contains(string(body), "502 Bad Gateway") {
				t.Errorf("status %d, Content-Type %q, body %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
		}},
		{"429", Faults{TooManyRate: 1}, func(t *testing.T, resp *http.Response, body []byte) {
			if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" {
				t.Errorf("status %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
			}
			wantJSONError(t, resp, body)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, Options{Records: 10, Faults: tt.faults})
			resp, body := get(t, newClient(t), s.URL+"/v1/none")
			tt.check(t, resp, body)
		})
	}
}

func wantJSONError(t *testing.T, resp *http.Response, body []byte) {
	t.Helper()
	var e errorBody
	decode(t, body, &e)
	if resp.Header.Get("Content-Type") != "application/json" || e.Status != resp.StatusCode || e.Error == "" {
		t.Errorf("error body %s, Content-Type %q", body, resp.Header.Get("Content-Type"))
	}
}

func TestDelays(t *testing.T) {
	const d = 60 * time.Millisecond
	tests := []struct {
		name string
		opts Options
	}{
		{"latency", Options{Records: 5, Latency: d}},
		{"slow", Options{Records: 5, Faults: Faults{SlowRate: 1, SlowDelay: d}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, tt.opts)
			start := time.Now()
			getOK(t, newClient(t), s.URL+"/v1/none")
			if took := time.Since(start); took < d {
				t.Fatalf("answered in %s, want at least %s", took, d)
			}
		})
	}
}

func TestStallHoldsUntilTheServerCloses(t *testing.T) {
	s := NewServer(Options{Records: 50, Faults: Faults{StallRate: 1}})
	defer s.Close()
	resp, err := newClient(t).Get(s.URL + "/v1/none")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	half := make([]byte, resp.ContentLength/2)
	if _, err := io.ReadFull(resp.Body, half); err != nil {
		t.Fatalf("reading the first half: %v", err)
	}
	rest := make(chan error, 1)
	go func() { _, err := io.ReadAll(resp.Body); rest <- err }()
	select {
	case err := <-rest:
		t.Fatalf("the body ended (%v) before the server closed", err)
	case <-time.After(100 * time.Millisecond): // still stalled, as it should be
	}
	s.Close()
	if err := <-rest; !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("after the stall: %v, want unexpected EOF", err)
	}
	if st := s.Stats(); st.Stalls != 1 {
		t.Fatalf("stats %+v, want one stall", st)
	}
}

func TestStallEndsWhenTheClientLeaves(t *testing.T) {
	s := startServer(t, Options{Records: 50, Faults: Faults{StallRate: 1}})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/v1/none", nil)
	resp, err := newClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Fatal("read the stalled body to the end")
	}
	resp.Body.Close()
	// Shutdown waits for the handler, so this hangs (and the test times out)
	// unless the handler noticed the client leave.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel2()
	if err := s.srv.Shutdown(ctx2); err != nil {
		t.Fatalf("shutdown with the client gone: %v", err)
	}
}

// outcome names what one request got: a status, or how the connection failed.
func outcome(c *http.Client, url string) string {
	resp, err := c.Get(url)
	if err != nil {
		return "error"
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err != nil {
		return "truncated"
	}
	return strconv.Itoa(resp.StatusCode) + " " + resp.Header.Get("Content-Type")
}

func TestSameSeedSameFaults(t *testing.T) {
	faults := Faults{ServerErrorRate: 0.2, ResetRate: 0.1, TruncateRate: 0.1, HTMLRate: 0.1, TooManyRate: 0.1}
	run := func(seed int64) []string {
		s := startServer(t, Options{Records: 20, Seed: seed, Faults: faults})
		c := newClient(t)
		var seq []string
		for range 40 {
			seq = append(seq, outcome(c, s.URL+"/v1/keyset?limit=5"))
		}
		return seq
	}
	a, b, other := run(7), run(7), run(8)
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Fatalf("seed 7 twice:\n%v\n%v", a, b)
	}
	if strings.Join(a, ",") == strings.Join(other, ",") {
		t.Fatalf("seeds 7 and 8 gave the same %d outcomes", len(a))
	}
	kinds := map[string]bool{}
	for _, o := range a {
		kinds[o] = true
	}
	if len(kinds) < 4 {
		t.Fatalf("40 requests gave only %v", kinds)
	}
}

func TestServerErrorsMoveNoCursor(t *testing.T) {
	s := startServer(t, Options{Records: 30, Seed: 3, Faults: Faults{ServerErrorRate: 0.5}})
	c := newClient(t)
	var cursor string
	var ids []int64
	for n := 0; n < 100 && len(ids) < 30; n++ {
		resp, body := get(t, c, s.URL+"/v1/cursor?limit=7&cursor="+cursor)
		if resp.StatusCode != 200 {
			continue // retry the same cursor: a failure must not move anything
		}
		var page cursorPage
		decode(t, body, &page)
		ids = append(ids, idsOf(t, page.Data)...)
		if page.Pagination.NextCursor == nil {
			break
		}
		cursor = *page.Pagination.NextCursor
	}
	checkEachOnce(t, ids, 30)
	if st := s.Stats(); st.ByStatus[500]+st.ByStatus[502]+st.ByStatus[503] == 0 {
		t.Fatalf("stats %+v: no server errors at rate 0.5", st)
	}
}
