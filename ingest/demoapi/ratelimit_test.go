package demoapi

import (
	"net/http"
	"testing"
	"time"
)

func TestRateLimitDialects(t *testing.T) {
	// The clock stands 250ms into the second 1800000000, so the window ends
	// at 1800000001, 0.75s away: Retry-After and delta resets round up to 1.
	now := time.Unix(1_800_000_000, 250_000_000)
	tests := []struct {
		dialect string
		first   map[string]string // headers on the first, allowed request
		second  map[string]string // headers on the second, refused request
	}{
		{HeadersX,
			map[string]string{"X-RateLimit-Limit": "1", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1800000001"},
			map[string]string{"X-RateLimit-Limit": "1", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1800000001"}},
		{HeadersXDelta,
			map[string]string{"X-RateLimit-Limit": "1", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1"},
			map[string]string{"X-RateLimit-Reset": "1"}},
		{HeadersIETF,
			map[string]string{"RateLimit-Limit": "1", "RateLimit-Remaining": "0", "RateLimit-Reset": "1"},
			map[string]string{"RateLimit-Limit": "1", "RateLimit-Remaining": "0", "RateLimit-Reset": "1"}},
		{HeadersIETFStructured,
			map[string]string{"RateLimit": "limit=1, remaining=0, reset=1", "RateLimit-Policy": "1;w=1"},
			map[string]string{"RateLimit": "limit=1, remaining=0, reset=1", "RateLimit-Policy": "1;w=1"}},
		{HeadersGitHub,
			map[string]string{"x-ratelimit-limit": "1", "x-ratelimit-remaining": "0", "x-ratelimit-used": "1",
				"x-ratelimit-reset": "1800000001", "x-ratelimit-resource": "core"},
			map[string]string{"x-ratelimit-remaining": "0", "x-ratelimit-used": "1"}},
		{HeadersNone,
			map[string]string{"X-RateLimit-Limit": "", "RateLimit-Limit": "", "RateLimit": ""},
			map[string]string{"X-RateLimit-Limit": "", "RateLimit": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.dialect, func(t *testing.T) {
			api, srv := startPinned(t, Options{Records: 5, Faults: Faults{RateLimit: 1, RateLimitHeaders: tt.dialect}}, now)
			c := newClient(t)
			resp, _ := getOK(t, c, srv.URL+"/v1/none")
			checkHeaders(t, "allowed", resp.Header, tt.first)
			resp, body := get(t, c, srv.URL+"/v1/none")
			if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" {
				t.Fatalf("over the limit: status %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
			}
			wantJSONError(t, resp, body)
			checkHeaders(t, "refused", resp.Header, tt.second)
			if st := api.Stats(); st.TooMany != 1 || st.ByStatus[200] != 1 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

func checkHeaders(t *testing.T, which string, h http.Header, want map[string]string) {
	t.Helper()
	for name, v := range want {
		if got := h.Get(name); got != v {
			t.Errorf("%s response: %s = %q, want %q", which, name, got, v)
		}
	}
}

func TestRateLimitWindowsReset(t *testing.T) {
	w := &fixedWindow{limit: 2}
	base := time.Unix(1_800_000_000, 0)
	steps := []struct {
		at        time.Duration
		allowed   bool
		remaining int
		retry     int
	}{
		{0, true, 1, 1},
		{100 * time.Millisecond, true, 0, 1},
		{900 * time.Millisecond, false, 0, 1},
		{time.Second, true, 1, 1}, // a new window
		{1500 * time.Millisecond, true, 0, 1},
		{1999 * time.Millisecond, false, 0, 1},
	}
	for _, s := range steps {
		got := w.take(base.Add(s.at))
		if got.allowed != s.allowed || got.remaining != s.remaining || got.retryAfter != s.retry {
			t.Errorf("at +%s: allowed %v remaining %d retry %d; want %v %d %d",
				s.at, got.allowed, got.remaining, got.retryAfter, s.allowed, s.remaining, s.retry)
		}
	}
}

func TestRateLimitSparesHealthz(t *testing.T) {
	api, srv := startPinned(t, Options{Records: 1, Faults: Faults{RateLimit: 1}}, time.Unix(1_800_000_000, 0))
	c := newClient(t)
	for range 3 {
		if resp, _ := get(t, c, srv.URL+"/healthz"); resp.StatusCode != 200 {
			t.Fatalf("/healthz: %d", resp.StatusCode)
		}
	}
	getOK(t, c, srv.URL+"/v1/none") // the limit's one request is still there
	if st := api.Stats(); st.Requests != 4 || st.TooMany != 0 {
		t.Fatalf("stats %+v", st)
	}
}
