package store

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"siphon/ingest/paginate"
)

// TestIndexLineIsEncodingJSON holds the hand-written index line to what
// encoding/json writes for the same entry, over entries with every field
// set or empty and strings holding what JSON must escape.
func TestIndexLineIsEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"", "a", "https://api.test/v1/items?limit=10&cursor=abc", `"quoted"`, `back\slash`, "tab\tnew\nline\r", "\b\f\x00\x1f\x7f",
		"<html>&amp;", "é ü 日本", "\u2028\u2029", "\xff\xfe broken", "😀", "${TOKEN}", " "}
	str := func() string {
		var b []byte
		for range rng.IntN(4) {
			b = append(b, pieces[rng.IntN(len(pieces))]...)
		}
		return string(b)
	}
	times := []time.Time{{}, time.Date(2026, 12, 6, 13, 37, 16, 123456789, time.UTC), time.Date(1999, 1, 2, 3, 4, 5, 0, time.FixedZone("x", -7*3600)),
		time.Date(2026, 1, 1, 0, 0, 0, 100, time.Local)}
	var keys []string
	for i := range 3000 {
		e := PageEntry{Page: rng.IntN(1 << 20), Time: times[rng.IntN(len(times))], Method: str(), URL: str(), Status: rng.IntN(600) - 1,
			Attempts: rng.IntN(9), Duration: str(), Bytes: rng.Int64N(1<<40) - 5, Records: rng.IntN(1000), CursorIn: str(), CursorOut: str(), File: str()}
		if rng.IntN(2) == 0 {
			off := rng.Int64N(1<<30) - 1
			e.Offset, e.Length = &off, rng.Int64N(3)
		}
		if n := rng.IntN(4); n > 0 {
			e.Headers = map[string]string{}
			for range n {
				e.Headers[str()] = str()
			}
		} else if rng.IntN(2) == 0 {
			e.Headers = map[string]string{}
		}
		if rng.IntN(4) > 0 {
			p := &paginate.Position{Cursor: str(), NextURL: str(), HighWater: str(), Followed: rng.IntN(2) == 0}
			if rng.IntN(2) == 0 {
				p.Offset, p.Page, p.MaxPageSize = rng.Int64N(1000)-1, rng.IntN(50), rng.IntN(3)
			}
			switch rng.IntN(3) {
			case 0:
				p.BoundaryKeys = []string{str(), str()}
			case 1:
				p.BoundaryKeys = []string{}
			}
			e.Position = p
		}
		type plain PageEntry
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode((*plain)(&e)); err != nil {
			t.Fatal(err)
		}
		var got []byte
		var ok bool
		got, keys, ok = appendIndexLine(nil, &e, keys)
		if !ok || !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("entry %d: wrote (ok %v)\n%s\nencoding/json writes\n%s", i, ok, got, want.Bytes())
		}
	}
}

// TestIndexLineLeavesTheRestToEncodingJSON: a restart's state and a time
// RFC 3339 cannot say are not written by hand, and the line is the same.
func TestIndexLineLeavesTheRestToEncodingJSON(t *testing.T) {
	for _, e := range []PageEntry{
		{Page: 3, Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Position: &paginate.Position{Offset: 400, Restart: &paginate.RestartState{N: 1, Params: map[string]string{"id_gte": "401"}}}},
		{Page: 4, Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if _, _, ok := appendIndexLine(nil, &e, nil); ok {
			t.Errorf("page %d written by hand", e.Page)
		}
		var x IndexEncoder
		line, err := x.Line(&e)
		type plain PageEntry
		want, werr := json.Marshal((*plain)(&e))
		if (err != nil) != (werr != nil) || (err == nil && !bytes.Equal(line, append(want, '\n'))) {
			t.Errorf("page %d: %s (%v), want %s (%v)", e.Page, line, err, want, werr)
		}
	}
}
