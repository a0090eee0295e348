package httphdr

import (
	"net/http"
	"strings"
	"time"
)

// ParseRetryAfter reads a Retry-After value: delta-seconds (a non-negative
// integer; a decimal fraction is tolerated) or an HTTP-date in any of the
// three formats http.ParseTime knows. A date in the past gives 0. ok is false
// for an empty, negative or unreadable value. Waits too long for a Duration
// saturate; judging whether a wait is acceptable is the caller's business.
func ParseRetryAfter(value string, now time.Time) (wait time.Duration, ok bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if secs, ok := parseSeconds(value); ok {
		return secondsToDuration(secs), true
	}
	at, err := http.ParseTime(value)
	if err != nil {
		return 0, false
	}
	if !at.After(now) {
		return 0, true
	}
	return at.Sub(now), true
}
