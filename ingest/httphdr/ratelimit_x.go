package httphdr

import (
	"net/http"
	"strings"
	"time"
)

// parseXRateLimit reads X-RateLimit-Limit/Remaining/Reset. When
// X-RateLimit-Reset-After (Discord: delta seconds, may be fractional) is
// present it wins over X-RateLimit-Reset, being immune to clock skew.
func parseXRateLimit(h http.Header, now time.Time) RateLimit {
	return xStyle(h, now, DialectXRateLimit, "X-Ratelimit-")
}

// parseXRateLimitDash reads the Twitter-style X-Rate-Limit-* fields.
func parseXRateLimitDash(h http.Header, now time.Time) RateLimit {
	return xStyle(h, now, DialectXRateLimitDash, "X-Rate-Limit-")
}

func xStyle(h http.Header, now time.Time, dialect, prefix string) RateLimit {
	rl := unknownRateLimit(dialect)
	rl.Limit = countHeader(h, prefix+"Limit")
	rl.Remaining = countHeader(h, prefix+"Remaining")
	rl.Reset = resetFromDelta(h.Get(prefix+"Reset-After"), now)
	if rl.Reset.IsZero() {
		rl.Reset = resetFromAmbiguous(h.Get(prefix+"Reset"), now)
	}
	return rl
}

// parseGitHub reads GitHub's x-ratelimit-* fields, recognised by
// x-ratelimit-used or x-ratelimit-resource. The reset is epoch seconds.
func parseGitHub(h http.Header, now time.Time) RateLimit {
	if !hasAny(h, "X-Ratelimit-Used", "X-Ratelimit-Resource") {
		return unknownRateLimit(DialectGitHub)
	}
	rl := unknownRateLimit(DialectGitHub)
	rl.Limit = countHeader(h, "X-Ratelimit-Limit")
	rl.Remaining = countHeader(h, "X-Ratelimit-Remaining")
	if used := countHeader(h, "X-Ratelimit-Used"); rl.Remaining < 0 && rl.Limit >= 0 && used >= 0 {
		rl.Remaining = max(rl.Limit-used, 0)
	}
	if epoch, ok := parseSeconds(h.Get("X-Ratelimit-Reset")); ok {
		rl.Reset = resetAtEpoch(now, epoch)
	}
	return rl
}

// parseShopify reads Shopify's leaky-bucket "used/limit" call limit.
func parseShopify(h http.Header, _ time.Time) RateLimit {
	rl := unknownRateLimit(DialectShopify)
	usedText, limitText, found := strings.Cut(h.Get("X-Shopify-Shop-Api-Call-Limit"), "/")
	if !found {
		return rl
	}
	used, okUsed := parseCount(usedText)
	limit, okLimit := parseCount(limitText)
	if !okUsed || !okLimit {
		return rl
	}
	rl.Limit = limit
	rl.Remaining = max(limit-used, 0) // an overfull bucket has nothing left
	return rl
}
