package httphdr

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// fuzzNow maps any int64 onto a sane wall clock (1970 to about 2286), so
// the invariants are about the parser and not about time.Time overflow.
func fuzzNow(unix int64) time.Time {
	const span = int64(10_000_000_000)
	return time.Unix((unix%span+span)%span, 0).UTC()
}

func FuzzParseRetryAfter(f *testing.F) {
	f.Add("120", int64(1741964966))
	f.Add("Wed, 21 Oct 2015 07:28:00 GMT", int64(1445412480))
	f.Fuzz(func(t *testing.T, value string, unix int64) {
		wait, ok := ParseRetryAfter(value, fuzzNow(unix))
		if wait < 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v: negative wait", value, wait)
		}
		if !ok && wait != 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v, false: a refused value must give 0", value, wait)
		}
	})
}

func FuzzParseLinks(f *testing.F) {
	f.Add(`<https://api.example.com/items?page=2>; rel="next"`)
	f.Fuzz(func(t *testing.T, field string) {
		// A newline separates field values, so one input can hold several.
		for _, link := range ParseLinks(strings.Split(field, "\n")) {
			if link.URL == "" {
				t.Fatalf("ParseLinks(%q): link with an empty URL", field)
			}
			if link.Params == nil {
				t.Fatalf("ParseLinks(%q): nil Params", field)
			}
			for _, rel := range link.Rel {
				if rel == "" || rel != strings.ToLower(rel) || strings.ContainsAny(rel, " \t") {
					t.Fatalf("ParseLinks(%q): bad rel %q", field, rel)
				}
			}
		}
	})
}

func FuzzParseRateLimit(f *testing.F) {
	f.Add("X-RateLimit-Limit: 100\nX-RateLimit-Remaining: 50\nX-RateLimit-Reset: 30", int64(1741964966))
	f.Fuzz(func(t *testing.T, block string, unix int64) {
		now := fuzzNow(unix)
		rl, ok := ParseRateLimit(headerBlock(block), now)
		if rl.Limit < -1 || rl.Remaining < -1 || rl.Window < 0 {
			t.Fatalf("ParseRateLimit(%q) = %+v: out of range", block, rl)
		}
		if !rl.Reset.IsZero() && (rl.Reset.Before(now.Add(-time.Second)) || rl.Reset.After(now.Add(MaxResetAhead))) {
			t.Fatalf("ParseRateLimit(%q) = %+v: reset %v outside [now-1s, now+24h]", block, rl, rl.Reset.Sub(now))
		}
		if ok != rl.usable() {
			t.Fatalf("ParseRateLimit(%q) = %+v, %v: ok disagrees with the fields", block, rl, ok)
		}
		if ok && rl.Dialect == "" {
			t.Fatalf("ParseRateLimit(%q) = %+v: no dialect", block, rl)
		}
	})
}

// headerBlock reads "Name: value" lines; lines without a colon are ignored.
func headerBlock(block string) http.Header {
	h := http.Header{}
	for _, line := range strings.Split(block, "\n") {
		if name, value, ok := strings.Cut(line, ":"); ok {
			h.Add(strings.TrimSpace(name), strings.TrimSpace(value))
		}
	}
	return h
}
