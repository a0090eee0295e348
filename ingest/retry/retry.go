// Package retry is the retry policy, pure: whether a page whose attempt
// failed is tried again, after how long and why not, and what the failure
// says about the rate budget every request shares. It reads no clock and
// sends nothing, so that every rule is tested on its own.
package retry

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"siphon/ingest/spec"
)

// Source is where a retry's wait comes from, as the retry event says it.
type Source string

const (
	Backoff        Source = "backoff"
	RetryAfter     Source = "retry-after"
	RefreshedToken Source = "refreshed-token"
)

// Failure is what the policy needs to know of a failed attempt.
type Failure struct {
	Status      int
	Permanent   bool          // the same request fails the same way again
	RetryAfter  time.Duration // the server's Retry-After; 0: none
	RefreshAuth bool          // a 401 with OAuth2: a new token may fix it
}

// Decision is the policy's answer for one failed attempt.
type Decision struct {
	Stop    bool          // give up on the page
	Refresh bool          // get a new access token, then try again at once
	Wait    time.Duration // before the next attempt
	Source  Source
	// Why replaces the page error's cause (Replace) or is added to it.
	Why     string
	Replace bool
	Final   bool // the cause is not transient: the page error is not Retryable

	// What the attempt says about the budget every request shares, whether
	// or not this page goes on: hold every request for Hold (the server's
	// Retry-After), or, for a 429 without one, slow down (Throttled).
	Hold      time.Duration
	Throttled bool
}

// Decide is the policy: whether a page whose attempt-th attempt failed
// after elapsed (since its first attempt went out) is tried again, after
// how long, and why not. refreshed says the page already got a new token
// once. draw(n) picks the backoff's jitter, in [0, n).
func Decide(f Failure, attempt int, elapsed time.Duration, refreshed bool, cfg spec.RetryConfig, draw func(n int64) int64) Decision {
	var d Decision
	switch {
	case f.RetryAfter > 0 && f.RetryAfter <= cfg.MaxRetryAfter:
		d.Hold = f.RetryAfter
	case f.RetryAfter == 0 && f.Status == http.StatusTooManyRequests:
		d.Throttled = true
	}
	if f.RefreshAuth {
		// Once a page: a second 401 means the token is not the problem.
		if refreshed {
			d.Stop, d.Replace = true, true
			d.Why = "the server refused a freshly refreshed access token; check the token's scopes and the API's permissions"
			return d
		}
		d.Refresh, d.Source = true, RefreshedToken
		return d
	}
	if f.Permanent || (cfg.MaxAttempts > 0 && attempt >= cfg.MaxAttempts) {
		d.Stop = true
		return d
	}
	wait, source := f.RetryAfter, RetryAfter
	if wait == 0 {
		wait, source = backoff(attempt, cfg, draw), Backoff
	} else if wait > cfg.MaxRetryAfter {
		d.Stop, d.Final = true, true
		d.Why = fmt.Sprintf("; the server asks to wait %s, more than retry.max_retry_after (%s)", wait.Round(time.Second), cfg.MaxRetryAfter)
		return d
	}
	// retry.max_elapsed bounds the page's retrying: the last wait is cut
	// short so the last attempt still comes in time.
	if cfg.MaxElapsed > 0 {
		left := cfg.MaxElapsed - elapsed
		if left <= 0 {
			d.Stop = true
			d.Why = fmt.Sprintf("; still failing after retry.max_elapsed (%s)", cfg.MaxElapsed)
			return d
		}
		wait = min(wait, left)
	}
	d.Wait, d.Source = wait, source
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

// NoJitter draws no jitter, where only the budget part of a decision is used.
func NoJitter(int64) int64 { return 0 }

// Sleep waits d or until ctx ends, whichever is first.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
