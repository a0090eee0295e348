package recordtail

import (
	"encoding/json"
	"fmt"
	"strings"
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
				tail.Add(fmt.Appendf(nil, `{"id":%d}`, i), -1, tc.keep)
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

// TestVerbatimParts: the last n records kept are found in a body where
// they started, byte for byte, and handed out as parts of it; a record not
// there as kept (white space, another record, past the end) finds none.
func TestVerbatimParts(t *testing.T) {
	type rec struct {
		raw string
		at  int64
	}
	body := `{"data":[{"id":1},{"id":2},{"id":3}]}`
	for _, tc := range []struct {
		name string
		body string
		recs []rec
		keep int
		n    int
		want []string // nil: not within
	}{
		{"compact body", body, []rec{{`{"id":1}`, 9}, {`{"id":2}`, 18}, {`{"id":3}`, 27}}, 3, 3, []string{`{"id":1}`, `{"id":2}`, `{"id":3}`}},
		{"the last n", body, []rec{{`{"id":1}`, 9}, {`{"id":2}`, 18}, {`{"id":3}`, 27}}, 3, 2, []string{`{"id":2}`, `{"id":3}`}},
		{"past the ones kept", body, []rec{{`{"id":1}`, 9}, {`{"id":2}`, 18}, {`{"id":3}`, 27}}, 1, 1, []string{`{"id":3}`}},
		{"no records", body, nil, 3, 3, []string{}},
		{"white space the record lost", `{"data":[{"id": 1}]}`, []rec{{`{"id":1}`, 9}}, 3, 3, nil},
		{"past the body's end", body, []rec{{`{"id":3}`, 33}}, 3, 3, nil},
		{"no offset", body, []rec{{`{"id":1}`, -1}}, 3, 3, nil},
		{"another record where it started", body, []rec{{`{"id":1}`, 18}}, 3, 3, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tail Tail
			for _, r := range tc.recs {
				tail.Add([]byte(r.raw), r.at, tc.keep)
			}
			buf := []byte(tc.body)
			ok := tail.Verbatim(buf, tc.n)
			var got []json.RawMessage
			if ok {
				got = tail.PartsOf(buf, tc.n)
			}
			if ok != (tc.want != nil) {
				t.Fatalf("within = %v, want %v", ok, tc.want != nil)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d records, want %d: %q", len(got), len(tc.want), got)
			}
			for i, r := range got {
				if string(r) != tc.want[i] {
					t.Errorf("record %d = %s, want %s", i, r, tc.want[i])
				}
				if cap(r) != len(r) {
					t.Errorf("record %d has room to grow into the body (cap %d, len %d)", i, cap(r), len(r))
				}
			}
			for i := range buf {
				buf[i] = 'x'
			}
			for i, r := range got {
				if strings.Trim(string(r), "x") != "" {
					t.Errorf("record %d is not a part of the body: %s", i, r)
				}
			}
		})
	}
}
