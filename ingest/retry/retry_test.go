package retry

import (
	"testing"
	"time"

	"siphon/ingest/spec"
)

// TestDecide: the retry policy on its own, no clock, no network.
func TestDecide(t *testing.T) {
	cfg := spec.RetryConfig{MaxElapsed: time.Minute, InitialBackoff: time.Second, MaxBackoff: 8 * time.Second, MaxRetryAfter: 30 * time.Second}
	capped := cfg
	capped.MaxAttempts = 3
	most := func(n int64) int64 { return n - 1 } // the longest backoff jitter allows
	const (
		s429 = 429
		s503 = 503
		s401 = 401
	)
	for _, tc := range []struct {
		name      string
		f         Failure
		attempt   int
		elapsed   time.Duration
		refreshed bool
		cfg       spec.RetryConfig
		want      Decision
	}{
		{"first backoff", Failure{Status: s503}, 1, 0, false, cfg,
			Decision{Wait: time.Second, Source: Backoff}},
		{"backoff doubles", Failure{Status: s503}, 3, 0, false, cfg,
			Decision{Wait: 4 * time.Second, Source: Backoff}},
		{"backoff capped", Failure{Status: s503}, 10, 0, false, cfg,
			Decision{Wait: 8 * time.Second, Source: Backoff}},
		{"backoff shift does not overflow", Failure{Status: s503}, 80, 0, false, cfg,
			Decision{Wait: 8 * time.Second, Source: Backoff}},
		{"429 without Retry-After backs off and slows everyone", Failure{Status: s429}, 1, 0, false, cfg,
			Decision{Wait: time.Second, Source: Backoff, Throttled: true}},
		{"Retry-After is the wait and holds everyone", Failure{Status: s429, RetryAfter: 5 * time.Second}, 2, 0, false, cfg,
			Decision{Wait: 5 * time.Second, Source: RetryAfter, Hold: 5 * time.Second}},
		{"Retry-After over max_retry_after stops, not transient", Failure{Status: s503, RetryAfter: time.Hour}, 1, 0, false, cfg,
			Decision{Stop: true, Final: true, Why: "; the server asks to wait 1h0m0s, more than retry.max_retry_after (30s)"}},
		{"permanent stops", Failure{Status: 404, Permanent: true}, 1, 0, false, cfg,
			Decision{Stop: true}},
		{"permanent 429 stops but still slows everyone", Failure{Status: s429, Permanent: true}, 1, 0, false, cfg,
			Decision{Stop: true, Throttled: true}},
		{"attempts run out", Failure{Status: s503}, 3, 0, false, capped,
			Decision{Stop: true}},
		{"attempts left", Failure{Status: s503}, 2, 0, false, capped,
			Decision{Wait: 2 * time.Second, Source: Backoff}},
		{"max_elapsed spent", Failure{Status: s503}, 4, time.Minute, false, cfg,
			Decision{Stop: true, Why: "; still failing after retry.max_elapsed (1m0s)"}},
		{"last wait cut to max_elapsed", Failure{Status: s503, RetryAfter: 20 * time.Second}, 4, 50 * time.Second, false, cfg,
			Decision{Wait: 10 * time.Second, Source: RetryAfter, Hold: 20 * time.Second}},
		{"no max_elapsed: no cut", Failure{Status: s503, RetryAfter: 20 * time.Second}, 4, time.Hour, false, spec.RetryConfig{MaxBackoff: time.Second, MaxRetryAfter: time.Minute},
			Decision{Wait: 20 * time.Second, Source: RetryAfter, Hold: 20 * time.Second}},
		{"401 with OAuth2 refreshes once", Failure{Status: s401, RefreshAuth: true}, 1, 0, false, capped,
			Decision{Refresh: true, Source: RefreshedToken}},
		{"401 refreshes even on the last attempt", Failure{Status: s401, RefreshAuth: true}, 3, 0, false, capped,
			Decision{Refresh: true, Source: RefreshedToken}},
		{"401 after a refresh stops", Failure{Status: s401, RefreshAuth: true}, 2, 0, true, cfg,
			Decision{Stop: true, Replace: true, Why: "the server refused a freshly refreshed access token; check the token's scopes and the API's permissions"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Decide(tc.f, tc.attempt, tc.elapsed, tc.refreshed, tc.cfg, most); got != tc.want {
				t.Errorf("Decide =\n %+v\nwant\n %+v", got, tc.want)
			}
		})
	}
}

// TestBackoffJitter: a drawn wait lies in (0, ceiling].
func TestBackoffJitter(t *testing.T) {
	cfg := spec.RetryConfig{InitialBackoff: time.Second, MaxBackoff: time.Minute}
	if got := backoff(2, cfg, NoJitter); got != 1 {
		t.Errorf("the shortest backoff is %v, want 1ns", got)
	}
	if got := backoff(2, cfg, func(n int64) int64 { return n - 1 }); got != 2*time.Second {
		t.Errorf("the longest backoff is %v, want 2s", got)
	}
}
