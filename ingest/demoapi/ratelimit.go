package demoapi

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// fixedWindow counts requests in 1-second windows aligned to the clock.
type fixedWindow struct {
	limit int

	mu     sync.Mutex
	window int64 // unix second of the current window
	count  int
}

// windowState is what one request learned from the limiter.
type windowState struct {
	limit, used, remaining int
	end                    time.Time // when the window resets
	retryAfter             int       // seconds until the end, at least 1
	allowed                bool
}

func (f *fixedWindow) take(now time.Time) windowState {
	f.mu.Lock()
	sec := now.Unix()
	if sec != f.window {
		f.window, f.count = sec, 0
	}
	f.count++
	used := f.count
	f.mu.Unlock()

	end := time.Unix(sec+1, 0)
	retry := int((end.Sub(now) + time.Second - 1) / time.Second) // ceiling
	return windowState{
		limit:      f.limit,
		used:       min(used, f.limit),
		remaining:  max(f.limit-used, 0),
		end:        end,
		retryAfter: max(retry, 1),
		allowed:    used <= f.limit,
	}
}

// setRateLimitHeaders announces the window in the chosen dialect.
func setRateLimitHeaders(h http.Header, dialect string, s windowState) {
	limit, remaining := strconv.Itoa(s.limit), strconv.Itoa(s.remaining)
	delta, epoch := strconv.Itoa(s.retryAfter), strconv.FormatInt(s.end.Unix(), 10)
	switch dialect {
	case HeadersX:
		h.Set("X-RateLimit-Limit", limit)
		h.Set("X-RateLimit-Remaining", remaining)
		h.Set("X-RateLimit-Reset", epoch)
	case HeadersXDelta:
		h.Set("X-RateLimit-Limit", limit)
		h.Set("X-RateLimit-Remaining", remaining)
		h.Set("X-RateLimit-Reset", delta)
	case HeadersIETF:
		h.Set("RateLimit-Limit", limit)
		h.Set("RateLimit-Remaining", remaining)
		h.Set("RateLimit-Reset", delta)
	case HeadersIETFStructured:
		h.Set("RateLimit", "limit="+limit+", remaining="+remaining+", reset="+delta)
		h.Set("RateLimit-Policy", limit+";w=1")
	case HeadersGitHub:
		// GitHub sends lower-case names; set the map directly so they go out as written.
		h["x-ratelimit-limit"] = []string{limit}
		h["x-ratelimit-remaining"] = []string{remaining}
		h["x-ratelimit-used"] = []string{strconv.Itoa(s.used)}
		h["x-ratelimit-reset"] = []string{epoch}
		h["x-ratelimit-resource"] = []string{"core"}
	}
}
