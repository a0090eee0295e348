package httphdr

import (
	"net/http"
	"strings"
	"time"
)

// parseIETFDraft reads the RateLimit-Limit/Remaining/Reset fields of the
// IETF drafts up to 05. The reset is delta seconds by the drafts, but GitLab
// sends epoch seconds in the same field, so it is read like X-RateLimit-Reset
// (a delta of decades is no delta). The limit may carry
// quota policies ("100, 100;w=60"); the window comes from the first w= there
// or in RateLimit-Policy.
func parseIETFDraft(h http.Header, now time.Time) RateLimit {
	rl := unknownRateLimit(DialectIETF)
	if !hasAny(h, "Ratelimit-Limit", "Ratelimit-Remaining", "Ratelimit-Reset") {
		return rl
	}
	rl.Limit = countHeader(h, "Ratelimit-Limit")
	rl.Remaining = countHeader(h, "Ratelimit-Remaining")
	rl.Reset = resetFromAmbiguous(h.Get("Ratelimit-Reset"), now)
	for _, field := range []string{"Ratelimit-Limit", "Ratelimit-Policy"} {
		if rl.Window > 0 {
			break
		}
		for _, m := range parseSFMembers(joined(h, field)) {
			if w := window(m); w > 0 {
				rl.Window = w
				break
			}
		}
	}
	return rl
}

// parseIETFStructured reads the RateLimit field of the IETF drafts from 06:
//   - drafts 06 and 07, a dictionary: `RateLimit: limit=100, remaining=50, reset=30`
//     with `RateLimit-Policy: 100;w=60`;
//   - drafts 08 and later, a list of named policies:
//     `RateLimit: "default";r=50;t=30` with `RateLimit-Policy: "default";q=100;w=60`.
//
// With several policies, the one with the fewest remaining requests binds.
func parseIETFStructured(h http.Header, now time.Time) RateLimit {
	members := parseSFMembers(joined(h, "Ratelimit"))
	policies := parseSFMembers(joined(h, "Ratelimit-Policy"))
	for _, m := range members {
		if m.Key != "" {
			return ietfDictionary(members, policies, now)
		}
	}
	return ietfNamedPolicies(members, policies, now)
}

func ietfDictionary(members, policies []sfMember, now time.Time) RateLimit {
	rl := unknownRateLimit(DialectIETFStructured)
	for _, m := range members {
		switch m.Key {
		case "limit":
			rl.Limit = countOr(m.Value, rl.Limit)
			if w := window(m); w > 0 {
				rl.Window = w
			}
		case "remaining":
			rl.Remaining = countOr(m.Value, rl.Remaining)
		case "reset":
			if reset := resetFromDelta(m.Value, now); !reset.IsZero() {
				rl.Reset = reset
			}
		}
	}
	if rl.Window > 0 {
		return rl
	}
	// The policy matching the limit gives the window, else the first that has one.
	for _, p := range policies {
		if n, ok := parseCount(p.Value); ok && n == rl.Limit && window(p) > 0 {
			rl.Window = window(p)
			return rl
		}
	}
	for _, p := range policies {
		if w := window(p); w > 0 {
			rl.Window = w
			break
		}
	}
	return rl
}

func ietfNamedPolicies(members, policies []sfMember, now time.Time) RateLimit {
	best := unknownRateLimit(DialectIETFStructured)
	found := false
	for _, m := range members {
		rl := unknownRateLimit(DialectIETFStructured)
		rl.Remaining = countOr(m.Params["r"], -1)
		rl.Reset = resetFromDelta(m.Params["t"], now)
		for _, p := range policies {
			if p.Key == "" && p.Value == m.Value {
				rl.Limit = countOr(p.Params["q"], -1)
				rl.Window = window(p)
				break
			}
		}
		if !rl.usable() {
			continue
		}
		if !found || binds(rl, best) {
			best, found = rl, true
		}
	}
	return best
}

// binds reports whether policy a is more constraining than b: fewer
// requests remaining, an unknown remaining counting as unconstrained.
func binds(a, b RateLimit) bool {
	switch {
	case a.Remaining < 0:
		return false
	case b.Remaining < 0:
		return true
	}
	return a.Remaining < b.Remaining
}

// window reads a policy's w= parameter.
func window(m sfMember) time.Duration {
	if secs, ok := parseSeconds(m.Params["w"]); ok {
		return secondsToDuration(secs)
	}
	return 0
}

func countOr(s string, fallback int64) int64 {
	if n, ok := parseCount(s); ok {
		return n
	}
	return fallback
}

// joined is every value of a field as one comma-separated list, which is how
// HTTP combines repeated fields.
func joined(h http.Header, name string) string {
	return strings.Join(h.Values(name), ", ")
}
