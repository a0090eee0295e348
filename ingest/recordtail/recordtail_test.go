package recordtail

import (
	"fmt"
	"testing"
)

// TestLastIn: the last n records kept come back whole, in order, in the
// buffer given, however many were added and however large n is.
func TestLastIn(t *testing.T) {
	for _, tc := range []struct {
		added, keep, n int
		want           []string
	}{
		{0, 3, 3, nil},
		{2, 3, 3, []string{`{"id":0}`, `{"id":1}`}},
		{5, 3, 3, []string{`{"id":2}`, `{"id":3}`, `{"id":4}`}},
		{5, 3, 1, []string{`{"id":4}`}},
		{9, 2, 5, []string{`{"id":6}`, `{"id":7}`, `{"id":8}`}}, // it keeps more than keep, fewer than 2×keep: n past them gives what it has
	} {
		t.Run(fmt.Sprintf("added=%d/keep=%d/n=%d", tc.added, tc.keep, tc.n), func(t *testing.T) {
			var tail Tail
			for i := range tc.added {
				tail.Add(fmt.Appendf(nil, `{"id":%d}`, i), tc.keep)
			}
			dst := make([]byte, tail.LastSize(tc.n)+4) // room to spare: only what the records take is used
			got := tail.LastIn(dst, tc.n)
			if len(got) != len(tc.want) {
				t.Fatalf("%d records, want %d: %q", len(got), len(tc.want), got)
			}
			size := 0
			for i, rec := range got {
				if string(rec) != tc.want[i] {
					t.Errorf("record %d = %s, want %s", i, rec, tc.want[i])
				}
				if cap(rec) != len(rec) {
					t.Errorf("record %d has room to grow into the next (cap %d, len %d)", i, cap(rec), len(rec))
				}
				size += len(rec)
			}
			if size != tail.LastSize(tc.n) {
				t.Errorf("LastSize = %d, the records take %d", tail.LastSize(tc.n), size)
			}
			if len(got) > 0 && &got[0][0] != &dst[0] {
				t.Error("the records are not in the buffer given")
			}
		})
	}
}
