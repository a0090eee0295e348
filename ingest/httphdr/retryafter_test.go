package httphdr

import (
	"testing"
	"time"
)

var testNow = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		name   string
		value  string
		want   time.Duration
		wantOK bool
	}{
		{"delta seconds", "120", 120 * time.Second, true},
		{"zero", "0", 0, true},
		{"surrounding space", "  7 ", 7 * time.Second, true},
		{"decimal tolerated", "1.5", 1500 * time.Millisecond, true},
		{"trailing dot", "3.", 3 * time.Second, true},
		{"huge saturates", "99999999999999999999999999", maxDuration, true},
		{"imf-fixdate ahead", "Fri, 14 Mar 2025 15:10:26 GMT", time.Minute, true},
		{"rfc850 ahead", "Friday, 14-Mar-25 15:09:36 GMT", 10 * time.Second, true},
		{"asctime ahead", "Fri Mar 14 15:09:46 2025", 20 * time.Second, true},
		{"date in the past", "Wed, 21 Oct 2015 07:28:00 GMT", 0, true},
		{"date exactly now", "Fri, 14 Mar 2025 15:09:26 GMT", 0, true},
		{"empty", "", 0, false},
		{"blank", "   ", 0, false},
		{"negative", "-5", 0, false},
		{"plus sign", "+5", 0, false},
		{"exponent", "1e3", 0, false},
		{"infinity", "Inf", 0, false},
		{"nan", "NaN", 0, false},
		{"hex", "0x10", 0, false},
		{"two dots", "1.2.3", 0, false},
		{"lone dot", ".", 0, false},
		{"unit suffix", "30s", 0, false},
		{"garbage", "soon", 0, false},
		{"bad date", "Fri, 32 Mar 2025 15:10:26 GMT", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseRetryAfter(tt.value, testNow)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.value, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
