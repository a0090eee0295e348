package paginate

import (
	"fmt"
	"testing"
)

func TestCompareMarks(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"10", "9", 1},
		{"9007199254740993", "9007199254740992", 1},
		{"1.5", "1.50", 0},
		{"2026-01-01T01:00:00+01:00", "2026-01-01T00:00:00Z", 0},
		{"2026-01-01T00:00:01Z", "2026-01-01T00:00:00.5Z", 1},
		{"b", "a", 1},
	}
	for _, tc := range cases {
		if got := CompareMarks(tc.a, tc.b); got != tc.want {
			t.Errorf("CompareMarks(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestLoopMemoryIsBounded(t *testing.T) {
	s := newSeenSet()
	for i := 0; i <= maxRemembered; i++ {
		if err := s.remember("cursor", fmt.Sprint(i), i+1); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.pages) != maxRemembered {
		t.Fatalf("%d cursors kept, want %d", len(s.pages), maxRemembered)
	}
	if err := s.remember("cursor", fmt.Sprint(maxRemembered), 0); err == nil {
		t.Error("a recent repeat went unnoticed")
	}
	if err := s.remember("cursor", "0", 0); err != nil {
		t.Error("the oldest cursor was still remembered")
	}
}
