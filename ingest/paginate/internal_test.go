package paginate

import (
	"fmt"
	"testing"

	"siphon/ingest/spec"
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
		if first, seen := s.remember(fmt.Sprint(i), i+1); seen {
			t.Fatalf("cursor %d seen before, on page %d", i, first)
		}
	}
	if len(s.pages) != maxRemembered {
		t.Fatalf("%d cursors kept, want %d", len(s.pages), maxRemembered)
	}
	if first, seen := s.remember(fmt.Sprint(maxRemembered), 0); !seen || first != maxRemembered+1 {
		t.Errorf("a recent repeat went unnoticed (seen %v, first %d)", seen, first)
	}
	if _, seen := s.remember("0", 0); seen {
		t.Error("the oldest cursor was still remembered")
	}
}

// TestRunsJQ: only an expression that is not a plain path runs jq.
func TestRunsJQ(t *testing.T) {
	for _, tc := range []struct {
		cfg  spec.PaginationConfig
		want bool
	}{
		{spec.PaginationConfig{Type: "cursor", CursorPath: ".meta.next"}, false},
		{spec.PaginationConfig{Type: "offset", TotalPath: ".total", TotalPagesPath: ".pages"}, false},
		{spec.PaginationConfig{Type: "next_url", NextURLPath: ".links.next"}, false},
		{spec.PaginationConfig{Type: "next_url", NextURLPath: ".links[0].href"}, true},
		{spec.PaginationConfig{Type: "cursor", CursorPath: ".meta.next", StopWhen: ".has_more == false"}, true},
		{spec.PaginationConfig{Type: "cursor", CursorPath: ".meta.next // .next"}, true},
		{spec.PaginationConfig{Type: "none"}, false},
	} {
		if got := RunsJQ(tc.cfg); got != tc.want {
			t.Errorf("RunsJQ(%+v) = %v, want %v", tc.cfg, got, tc.want)
		}
	}
}
