package main

import "testing"

func TestGCPercent(t *testing.T) {
	for _, tc := range []struct {
		gogc string
		want int
	}{
		{"", siphonGCPercent},
		{"100", 0},
		{"50", 0},
		{"off", 0},
	} {
		if got := gcPercent(tc.gogc); got != tc.want {
			t.Errorf("GOGC=%q: %d, want %d", tc.gogc, got, tc.want)
		}
	}
}
