package httphdr

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

// header builds an http.Header from name, value pairs.
func header(pairs ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(pairs); i += 2 {
		h.Add(pairs[i], pairs[i+1])
	}
	return h
}

func TestParseRateLimit(t *testing.T) {
	now := testNow
	epoch := now.Unix()
	at := func(d time.Duration) time.Time { return now.Add(d) }
	tests := []struct {
		name   string
		h      http.Header
		want   RateLimit
		wantOK bool
	}{
		{
			name: "x-ratelimit with epoch seconds",
			h: header("X-RateLimit-Limit", "100", "X-RateLimit-Remaining", "42",
				"X-RateLimit-Reset", strconv.FormatInt(epoch+90, 10)),
			want:   RateLimit{Dialect: "x-ratelimit", Limit: 100, Remaining: 42, Reset: at(90 * time.Second)},
			wantOK: true,
		},
		{
			name:   "x-ratelimit with epoch milliseconds",
			h:      header("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", strconv.FormatInt(epoch*1000+2500, 10)),
			want:   RateLimit{Dialect: "x-ratelimit", Limit: -1, Remaining: 0, Reset: at(2500 * time.Millisecond)},
			wantOK: true,
		},
		{
			name:   "x-ratelimit with delta seconds",
			h:      header("X-RateLimit-Limit", "60", "X-RateLimit-Remaining", "59", "X-RateLimit-Reset", "60"),
			want:   RateLimit{Dialect: "x-ratelimit", Limit: 60, Remaining: 59, Reset: at(time.Minute)},
			wantOK: true,
		},
		{
			name:   "x-ratelimit reset slightly in the past reads as now",
			h:      header("X-RateLimit-Remaining", "10", "X-RateLimit-Reset", strconv.FormatInt(epoch-3, 10)),
			want:   RateLimit{Dialect: "x-ratelimit", Limit: -1, Remaining: 10, Reset: now},
			wantOK: true,
		},
		{
			name:   "x-ratelimit reset as http-date",
			h:      header("X-RateLimit-Remaining", "1", "X-RateLimit-Reset", "Fri, 14 Mar 2025 15:10:26 GMT"),
			want:   RateLimit{Dialect: "x-ratelimit", Limit: -1, Remaining: 1, Reset: at(time.Minute)},
			wantOK: true,
		},
		{
			name: "discord reset-after wins over reset",
			h: header("X-RateLimit-Limit", "5", "X-RateLimit-Remaining", "0",
				"X-RateLimit-Reset", strconv.FormatInt(epoch+100, 10)+".123", "X-RateLimit-Reset-After", "1.25",
				"X-RateLimit-Bucket", "abcd1234"),
			want:   RateLimit{Dialect: "x-ratelimit", Limit: 5, Remaining: 0, Reset: at(1250 * time.Millisecond)},
			wantOK: true,
		},
		{
			name: "github",
			h: header("x-ratelimit-limit", "5000", "x-ratelimit-remaining", "4987", "x-ratelimit-used", "13",
				"x-ratelimit-reset", strconv.FormatInt(epoch+1800, 10), "x-ratelimit-resource", "core"),
			want:   RateLimit{Dialect: "github", Limit: 5000, Remaining: 4987, Reset: at(30 * time.Minute)},
			wantOK: true,
		},
		{
			name:   "github remaining derived from used",
			h:      header("x-ratelimit-limit", "60", "x-ratelimit-used", "61", "x-ratelimit-resource", "search"),
			want:   RateLimit{Dialect: "github", Limit: 60, Remaining: 0},
			wantOK: true,
		},
		{
			name: "twitter x-rate-limit",
			h: header("X-Rate-Limit-Limit", "900", "X-Rate-Limit-Remaining", "899",
				"X-Rate-Limit-Reset", strconv.FormatInt(epoch+900, 10)),
			want:   RateLimit{Dialect: "x-rate-limit", Limit: 900, Remaining: 899, Reset: at(15 * time.Minute)},
			wantOK: true,
		},
		{
			name:   "ietf draft with window in limit",
			h:      header("RateLimit-Limit", "100, 100;w=60", "RateLimit-Remaining", "50", "RateLimit-Reset", "30"),
			want:   RateLimit{Dialect: "ietf", Limit: 100, Remaining: 50, Reset: at(30 * time.Second), Window: time.Minute},
			wantOK: true,
		},
		{
			name:   "ietf draft with window in policy",
			h:      header("RateLimit-Limit", "10", "RateLimit-Remaining", "9", "RateLimit-Reset", "1", "RateLimit-Policy", "10;w=1;comment=\"burst\""),
			want:   RateLimit{Dialect: "ietf", Limit: 10, Remaining: 9, Reset: at(time.Second), Window: time.Second},
			wantOK: true,
		},
		{
			name: "gitlab sends epoch seconds in RateLimit-Reset",
			h: header("RateLimit-Limit", "600", "RateLimit-Observed", "67", "RateLimit-Remaining", "533",
				"RateLimit-Reset", strconv.FormatInt(epoch+45, 10), "RateLimit-ResetTime", "Fri, 14 Mar 2025 15:10:11 GMT"),
			want:   RateLimit{Dialect: "ietf", Limit: 600, Remaining: 533, Reset: at(45 * time.Second)},
			wantOK: true,
		},
		{
			name:   "ietf draft wins over x-ratelimit",
			h:      header("RateLimit-Remaining", "3", "X-RateLimit-Remaining", "7"),
			want:   RateLimit{Dialect: "ietf", Limit: -1, Remaining: 3},
			wantOK: true,
		},
		{
			name:   "ietf structured dictionary (draft 6/7)",
			h:      header("RateLimit", "limit=100, remaining=50, reset=30", "RateLimit-Policy", "10;w=1, 100;w=60"),
			want:   RateLimit{Dialect: "ietf-structured", Limit: 100, Remaining: 50, Reset: at(30 * time.Second), Window: time.Minute},
			wantOK: true,
		},
		{
			name:   "ietf structured dictionary, policy without matching limit",
			h:      header("RateLimit", "remaining=5", "RateLimit-Policy", "100;w=3600"),
			want:   RateLimit{Dialect: "ietf-structured", Limit: -1, Remaining: 5, Window: time.Hour},
			wantOK: true,
		},
		{
			name:   "ietf structured named policy (draft 8+)",
			h:      header("RateLimit", `"default";r=50;t=30`, "RateLimit-Policy", `"default";q=100;w=60`),
			want:   RateLimit{Dialect: "ietf-structured", Limit: 100, Remaining: 50, Reset: at(30 * time.Second), Window: time.Minute},
			wantOK: true,
		},
		{
			name: "ietf structured: the policy with the fewest remaining binds",
			h: header("RateLimit", `"burst";r=8;t=1, "day";r=2;t=3600`,
				"RateLimit-Policy", `"burst";q=10;w=1, "day";q=1000;w=86400;pk=:cHJvamVjdDEyMw==:`),
			want:   RateLimit{Dialect: "ietf-structured", Limit: 1000, Remaining: 2, Reset: at(time.Hour), Window: 24 * time.Hour},
			wantOK: true,
		},
		{
			name:   "ietf structured fields split over several lines",
			h:      header("RateLimit", `"a";r=9;t=5`, "RateLimit", `"b";r=1;t=7`, "RateLimit-Policy", `"b";q=4;w=10`),
			want:   RateLimit{Dialect: "ietf-structured", Limit: 4, Remaining: 1, Reset: at(7 * time.Second), Window: 10 * time.Second},
			wantOK: true,
		},
		{
			name:   "shopify call limit",
			h:      header("X-Shopify-Shop-Api-Call-Limit", "32/40"),
			want:   RateLimit{Dialect: "shopify", Limit: 40, Remaining: 8},
			wantOK: true,
		},
		{
			name:   "remaining above limit kept as sent",
			h:      header("X-RateLimit-Limit", "10", "X-RateLimit-Remaining", "20"),
			want:   RateLimit{Dialect: "x-ratelimit", Limit: 10, Remaining: 20},
			wantOK: true,
		},
		{
			name:   "reset far away capped to 24h",
			h:      header("RateLimit-Remaining", "0", "RateLimit-Reset", "500000"),
			want:   RateLimit{Dialect: "ietf", Limit: -1, Remaining: 0, Reset: at(MaxResetAhead)},
			wantOK: true,
		},
		{
			name:   "structured reset far away capped to 24h",
			h:      header("RateLimit", "remaining=0, reset=999999999999"),
			want:   RateLimit{Dialect: "ietf-structured", Limit: -1, Remaining: 0, Reset: at(MaxResetAhead)},
			wantOK: true,
		},
		{
			name:   "epoch reset days ahead capped to 24h",
			h:      header("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", strconv.FormatInt(epoch+7*86400, 10)),
			want:   RateLimit{Dialect: "x-ratelimit", Limit: -1, Remaining: 0, Reset: at(MaxResetAhead)},
			wantOK: true,
		},
		{
			name:   "negative and non-numeric values ignored",
			h:      header("X-RateLimit-Limit", "-1", "X-RateLimit-Remaining", "lots", "X-RateLimit-Reset", "-30"),
			want:   RateLimit{Limit: -1, Remaining: -1},
			wantOK: false,
		},
		{
			name:   "malformed ietf falls through to next dialect",
			h:      header("RateLimit", "limit=x, remaining=-1", "X-RateLimit-Remaining", "4"),
			want:   RateLimit{Dialect: "x-ratelimit", Limit: -1, Remaining: 4},
			wantOK: true,
		},
		{
			name:   "named policy with unknown policy name",
			h:      header("RateLimit", `"x";r=3`, "RateLimit-Policy", `"y";q=10;w=60`),
			want:   RateLimit{Dialect: "ietf-structured", Limit: -1, Remaining: 3},
			wantOK: true,
		},
		{
			name:   "no rate-limit headers",
			h:      header("Content-Type", "application/json", "Retry-After", "5"),
			want:   RateLimit{Limit: -1, Remaining: -1},
			wantOK: false,
		},
		{name: "nil header", h: nil, want: RateLimit{Limit: -1, Remaining: -1}, wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseRateLimit(tt.h, now)
			if ok != tt.wantOK || got.Dialect != tt.want.Dialect || got.Limit != tt.want.Limit ||
				got.Remaining != tt.want.Remaining || !got.Reset.Equal(tt.want.Reset) || got.Window != tt.want.Window {
				t.Errorf("ParseRateLimit(%v)\n got %+v, %v\nwant %+v, %v", tt.h, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestResetFromAmbiguousPicksClosestReading(t *testing.T) {
	now := testNow
	nowSecs := now.Unix()
	tests := []struct {
		value string
		want  time.Duration
	}{
		{"0", 0},
		{"1", time.Second},
		{"86399", 86399 * time.Second},      // a day of delta: still a delta
		{"100000", MaxResetAhead},           // more than a day of delta: capped
		{strconv.FormatInt(nowSecs, 10), 0}, // epoch seconds, now
		{strconv.FormatInt(nowSecs+5, 10) + ".5", 5500 * time.Millisecond},
		{strconv.FormatInt(nowSecs*1000+750, 10), 750 * time.Millisecond},
		{strconv.FormatInt(nowSecs*1000-60000, 10), 0}, // epoch ms in the past
	}
	for _, tt := range tests {
		got := resetFromAmbiguous(tt.value, now)
		if want := now.Add(tt.want); !got.Equal(want) {
			t.Errorf("resetFromAmbiguous(%q) = now%+v; want now+%v", tt.value, got.Sub(now), tt.want)
		}
	}
}
