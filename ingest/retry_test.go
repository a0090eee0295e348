package ingest

import (
	"testing"
	"time"

	"siphon/ingest/spec"
)

// TestDecideRetry: the retry policy on its own, no clock, no network.
func TestDecideRetry(t *testing.T) {
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
		f         attemptFailure
		attempt   int
		elapsed   time.Duration
		refreshed bool
		cfg       spec.RetryConfig
		want      retryDecision
	}{
		{"first backoff", attemptFailure{status: s503}, 1, 0, false, cfg,
			retryDecision{wait: time.Second, source: sourceBackoff}},
		{"backoff doubles", attemptFailure{status: s503}, 3, 0, false, cfg,
			retryDecision{wait: 4 * time.Second, source: sourceBackoff}},
		{"backoff capped", attemptFailure{status: s503}, 10, 0, false, cfg,
			retryDecision{wait: 8 * time.Second, source: sourceBackoff}},
		{"backoff shift does not overflow", attemptFailure{status: s503}, 80, 0, false, cfg,
			retryDecision{wait: 8 * time.Second, source: sourceBackoff}},
		{"429 without Retry-After backs off and slows everyone", attemptFailure{status: s429}, 1, 0, false, cfg,
			retryDecision{wait: time.Second, source: sourceBackoff, throttled: true}},
		{"Retry-After is the wait and holds everyone", attemptFailure{status: s429, retryAfter: 5 * time.Second}, 2, 0, false, cfg,
			retryDecision{wait: 5 * time.Second, source: sourceRetryAfter, hold: 5 * time.Second}},
		{"Retry-After over max_retry_after stops, not transient", attemptFailure{status: s503, retryAfter: time.Hour}, 1, 0, false, cfg,
			retryDecision{stop: true, final: true, why: "; the server asks to wait 1h0m0s, more than retry.max_retry_after (30s)"}},
		{"permanent stops", attemptFailure{status: 404, permanent: true}, 1, 0, false, cfg,
			retryDecision{stop: true}},
		{"permanent 429 stops but still slows everyone", attemptFailure{status: s429, permanent: true}, 1, 0, false, cfg,
			retryDecision{stop: true, throttled: true}},
		{"attempts run out", attemptFailure{status: s503}, 3, 0, false, capped,
			retryDecision{stop: true}},
		{"attempts left", attemptFailure{status: s503}, 2, 0, false, capped,
			retryDecision{wait: 2 * time.Second, source: sourceBackoff}},
		{"max_elapsed spent", attemptFailure{status: s503}, 4, time.Minute, false, cfg,
			retryDecision{stop: true, why: "; still failing after retry.max_elapsed (1m0s)"}},
		{"last wait cut to max_elapsed", attemptFailure{status: s503, retryAfter: 20 * time.Second}, 4, 50 * time.Second, false, cfg,
			retryDecision{wait: 10 * time.Second, source: sourceRetryAfter, hold: 20 * time.Second}},
		{"no max_elapsed: no cut", attemptFailure{status: s503, retryAfter: 20 * time.Second}, 4, time.Hour, false, spec.RetryConfig{MaxBackoff: time.Second, MaxRetryAfter: time.Minute},
			retryDecision{wait: 20 * time.Second, source: sourceRetryAfter, hold: 20 * time.Second}},
		{"401 with OAuth2 refreshes once", attemptFailure{status: s401, refreshAuth: true}, 1, 0, false, capped,
			retryDecision{refresh: true, source: sourceRefreshedToken}},
		{"401 refreshes even on the last attempt", attemptFailure{status: s401, refreshAuth: true}, 3, 0, false, capped,
			retryDecision{refresh: true, source: sourceRefreshedToken}},
		{"401 after a refresh stops", attemptFailure{status: s401, refreshAuth: true}, 2, 0, true, cfg,
			retryDecision{stop: true, replace: true, why: "the server refused a freshly refreshed access token; check the token's scopes and the API's permissions"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := decideRetry(tc.f, tc.attempt, tc.elapsed, tc.refreshed, tc.cfg, most); got != tc.want {
				t.Errorf("decideRetry =\n %+v\nwant\n %+v", got, tc.want)
			}
		})
	}
}

// TestBackoffJitter: a drawn wait lies in (0, ceiling].
func TestBackoffJitter(t *testing.T) {
	cfg := spec.RetryConfig{InitialBackoff: time.Second, MaxBackoff: time.Minute}
	if got := backoff(2, cfg, noJitter); got != 1 {
		t.Errorf("the shortest backoff is %v, want 1ns", got)
	}
	if got := backoff(2, cfg, func(n int64) int64 { return n - 1 }); got != 2*time.Second {
		t.Errorf("the longest backoff is %v, want 2s", got)
	}
}
