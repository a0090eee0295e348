package httphdr

import (
	"math"
	"net/http"
	"strings"
	"time"
)

// Rate-limit header dialects, as reported in RateLimit.Dialect.
const (
	DialectXRateLimit     = "x-ratelimit"     // X-RateLimit-Limit/Remaining/Reset[-After] (many APIs, Discord)
	DialectGitHub         = "github"          // x-ratelimit-* with x-ratelimit-used or x-ratelimit-resource
	DialectIETF           = "ietf"            // RateLimit-Limit/Remaining/Reset (IETF drafts up to 05)
	DialectIETFStructured = "ietf-structured" // RateLimit with RateLimit-Policy (IETF drafts 06 and later)
	DialectXRateLimitDash = "x-rate-limit"    // X-Rate-Limit-Limit/Remaining/Reset (Twitter style)
	DialectShopify        = "shopify"         // X-Shopify-Shop-Api-Call-Limit: used/limit
)

// MaxResetAhead caps how far in the future a reported reset is believed.
const MaxResetAhead = 24 * time.Hour

// RateLimit is what a response says about the client's request budget.
type RateLimit struct {
	Dialect   string        // which header family it came from (the Dialect constants)
	Limit     int64         // requests allowed per window; -1 unknown
	Remaining int64         // requests left in the window; -1 unknown
	Reset     time.Time     // when the window resets, within [now, now+MaxResetAhead]; zero: unknown
	Window    time.Duration // the window length from a policy (w=); zero: unknown
}

// dialectParsers are tried in order; the first that finds usable information
// wins. Standard headers come first: a server sending both says the same
// thing twice, and the standard reading is the least ambiguous.
var dialectParsers = []func(http.Header, time.Time) RateLimit{
	parseIETFStructured,
	parseIETFDraft,
	parseGitHub,
	parseXRateLimit,
	parseXRateLimitDash,
	parseShopify,
}

// ParseRateLimit reads the rate-limit headers of whichever dialect the
// response uses (see the Dialect constants). Malformed or absurd values are
// ignored rather than trusted: negative numbers and non-numbers leave the
// field unknown, a reset more than MaxResetAhead away is capped, a reset in
// the past reads as now, and a Remaining larger than Limit keeps both as
// sent. ok is false when no usable rate-limit information is present.
//
// X-RateLimit-Reset and X-Rate-Limit-Reset are sent as delta seconds, epoch
// seconds or epoch milliseconds depending on the API. The reading chosen is
// the one that lands closest to now: a delta lands within its own value of
// now, while an epoch reading lands near now only if the server meant it.
//
// The parsers name fields in canonical form (X-Ratelimit-Limit), as
// http.Header keeps them: a lookup then needs no canonical copy of the
// name, on every page.
func ParseRateLimit(h http.Header, now time.Time) (RateLimit, bool) {
	if !namesALimit(h) {
		return unknownRateLimit(""), false // most responses: one look at the names
	}
	for _, parse := range dialectParsers {
		if rl := parse(h, now); rl.usable() {
			return rl, true
		}
	}
	return unknownRateLimit(""), false
}

// namesALimit reports whether a field name holds "limit" in any case, as
// every dialect's fields do (RateLimit, X-Rate-Limit-*, ...-Call-Limit).
func namesALimit(h http.Header) bool {
	for name := range h {
		for i := 0; i+len("limit") <= len(name); i++ {
			if name[i]|0x20 == 'l' && strings.EqualFold(name[i:i+len("limit")], "limit") {
				return true
			}
		}
	}
	return false
}

func unknownRateLimit(dialect string) RateLimit {
	return RateLimit{Dialect: dialect, Limit: -1, Remaining: -1}
}

func (rl RateLimit) usable() bool {
	return rl.Limit >= 0 || rl.Remaining >= 0 || !rl.Reset.IsZero() || rl.Window > 0
}

// resetAfter is now plus secs, clamped into [now, now+MaxResetAhead].
func resetAfter(now time.Time, secs float64) time.Time {
	switch {
	case secs <= 0 || math.IsNaN(secs):
		return now
	case secs >= MaxResetAhead.Seconds():
		return now.Add(MaxResetAhead)
	}
	return now.Add(secondsToDuration(secs))
}

// resetAtEpoch reads epoch seconds as a reset time, clamped like resetAfter.
func resetAtEpoch(now time.Time, epoch float64) time.Time {
	return resetAfter(now, epoch-epochSeconds(now))
}

// resetFromAmbiguous reads a reset that may be delta seconds, epoch seconds
// or epoch milliseconds, taking the reading closest to now (see
// ParseRateLimit). An HTTP-date is accepted too.
func resetFromAmbiguous(value string, now time.Time) time.Time {
	if value == "" {
		return time.Time{} // absent: not worth a failed parse per format
	}
	v, ok := parseSeconds(value)
	if !ok {
		if at, err := http.ParseTime(value); err == nil {
			return resetAfter(now, at.Sub(now).Seconds())
		}
		return time.Time{}
	}
	nowSecs := epochSeconds(now)
	best := v // delta seconds
	for _, ahead := range []float64{v - nowSecs, v/1000 - nowSecs} {
		if math.Abs(ahead) < math.Abs(best) {
			best = ahead
		}
	}
	return resetAfter(now, best)
}

// resetFromDelta reads delta seconds (fractions allowed) as a reset time.
func resetFromDelta(value string, now time.Time) time.Time {
	if v, ok := parseSeconds(value); ok {
		return resetAfter(now, v)
	}
	return time.Time{}
}

// countHeader reads a count header, -1 when absent or malformed.
func countHeader(h http.Header, name string) int64 {
	if n, ok := parseCount(h.Get(name)); ok {
		return n
	}
	return -1
}

// hasAny reports whether h has any of the named fields.
func hasAny(h http.Header, names ...string) bool {
	for _, name := range names {
		if len(h.Values(name)) > 0 {
			return true
		}
	}
	return false
}
