package ingest

import (
	"fmt"
	"net/http"
	"time"

	"siphon/ingest/spec"
)

// Where a retry's wait comes from, as RetryScheduled.Source says it.
const (
	sourceBackoff        = "backoff"
	sourceRetryAfter     = "retry-after"
	sourceRefreshedToken = "refreshed-token"
)

// attemptFailure is what the retry policy needs to know of a failed attempt.
type attemptFailure struct {
	status      int
	permanent   bool          // the same request fails the same way again
	retryAfter  time.Duration // the server's Retry-After; 0: none
	refreshAuth bool          // a 401 with OAuth2: a new token may fix it
}

func failureOf(o outcome) attemptFailure {
	return attemptFailure{status: o.status, permanent: o.fail, retryAfter: o.wait, refreshAuth: o.refreshAuth}
}

// retryDecision is the policy's answer for one failed attempt.
type retryDecision struct {
	stop    bool          // give up on the page
	refresh bool          // get a new access token, then try again at once
	wait    time.Duration // before the next attempt
	source  string        // sourceBackoff, sourceRetryAfter, sourceRefreshedToken
	// why replaces the page error's cause (replace) or is added to it.
	why     string
	replace bool
	final   bool // the cause is not transient: PageError.Retryable is false

	// What the attempt says about the budget every request shares, whether
	// or not this page goes on: hold every request for hold (the server's
	// Retry-After), or, for a 429 without one, slow down (throttled).
	hold      time.Duration
	throttled bool
}

// decideRetry is the retry policy, pure: whether a page whose attempt-th
// attempt failed after elapsed (since its first attempt went out) is tried
// again, after how long, and why not. refreshed says the page already got
// a new token once. draw(n) picks the backoff's jitter, in [0, n).
func decideRetry(f attemptFailure, attempt int, elapsed time.Duration, refreshed bool, cfg spec.RetryConfig, draw func(n int64) int64) retryDecision {
	var d retryDecision
	switch {
	case f.retryAfter > 0 && f.retryAfter <= cfg.MaxRetryAfter:
		d.hold = f.retryAfter
	case f.retryAfter == 0 && f.status == http.StatusTooManyRequests:
		d.throttled = true
	}
	if f.refreshAuth {
		// Once a page: a second 401 means the token is not the problem.
		if refreshed {
			d.stop, d.replace = true, true
			d.why = "the server refused a freshly refreshed access token; check the token's scopes and the API's permissions"
			return d
		}
		d.refresh, d.source = true, sourceRefreshedToken
		return d
	}
	if f.permanent || (cfg.MaxAttempts > 0 && attempt >= cfg.MaxAttempts) {
		d.stop = true
		return d
	}
	wait, source := f.retryAfter, sourceRetryAfter
	if wait == 0 {
		wait, source = backoff(attempt, cfg, draw), sourceBackoff
	} else if wait > cfg.MaxRetryAfter {
		d.stop, d.final = true, true
		d.why = fmt.Sprintf("; the server asks to wait %s, more than retry.max_retry_after (%s)", wait.Round(time.Second), cfg.MaxRetryAfter)
		return d
	}
	// retry.max_elapsed bounds the page's retrying: the last wait is cut
	// short so the last attempt still comes in time.
	if cfg.MaxElapsed > 0 {
		left := cfg.MaxElapsed - elapsed
		if left <= 0 {
			d.stop = true
			d.why = fmt.Sprintf("; still failing after retry.max_elapsed (%s)", cfg.MaxElapsed)
			return d
		}
		wait = min(wait, left)
	}
	d.wait, d.source = wait, source
	return d
}

// backoff is full jitter: a wait up to initial·2^(attempt-1), capped at
// max_backoff, drawn with draw.
func backoff(attempt int, cfg spec.RetryConfig, draw func(n int64) int64) time.Duration {
	ceiling := cfg.InitialBackoff << min(attempt-1, 30)
	if ceiling <= 0 || ceiling > cfg.MaxBackoff {
		ceiling = cfg.MaxBackoff
	}
	return time.Duration(draw(int64(ceiling)) + 1)
}

// noJitter draws no jitter, where only the budget part of a decision is used.
func noJitter(int64) int64 { return 0 }
