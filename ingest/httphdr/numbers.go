package httphdr

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// maxDuration is the longest time.Duration; longer waits saturate to it.
const maxDuration = time.Duration(math.MaxInt64)

// parseSeconds reads a non-negative number of seconds written as digits with
// an optional decimal fraction ("30", "1.5"). It refuses signs, exponents,
// hex, "inf" and "nan": strconv.ParseFloat would accept those, but no server
// means them.
func parseSeconds(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return 0, false
		}
	}
	if digits == 0 {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if errors.Is(err, strconv.ErrRange) {
		// Only too many digits get here: a huge number, not garbage.
		return math.MaxFloat64, true
	}
	if err != nil {
		return 0, false
	}
	return f, true
}

// secondsToDuration converts seconds to a Duration, saturating instead of
// overflowing.
func secondsToDuration(secs float64) time.Duration {
	if secs <= 0 {
		return 0
	}
	ns := secs * float64(time.Second)
	if ns >= float64(maxDuration) {
		return maxDuration
	}
	return time.Duration(ns)
}

// parseCount reads a non-negative integer count. Only the first list member
// and its bare item count, so the IETF draft's "100, 100;w=60" reads as 100.
func parseCount(s string) (int64, bool) {
	if i := strings.IndexAny(s, ",;"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// epochSeconds is now as fractional Unix seconds, without the int64 overflow
// UnixNano has for dates far from 1970.
func epochSeconds(now time.Time) float64 {
	return float64(now.Unix()) + float64(now.Nanosecond())/1e9
}
