package schema

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzObserve feeds arbitrary bytes to a Tracker past its baseline, one line
// per record, and to the record reader whole. Observe must not panic, must keep
// its promises about Drift, and the reader must read every JSON object the
// way encoding/json does.
func FuzzObserve(f *testing.F) {
	f.Add([]byte(`{"id":1,"amount":"12.50","customer":{"country":null},"new":[1,{"a":2}]}`))
	f.Add([]byte("{\"id\":1}\n{\"id\":\"x\"}\nnot json\n{\"\\u0069d\":null}"))
	// A small baseline keeps each run cheap, so the fuzzer explores more.
	baseline := page(67, `{"id":%d,"amount":1.5,"tags":[],"customer":{"name":"Ann","address":{"country":"SE"}}}`)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAgainstEncodingJSON(t, data)

		tr := NewTracker()
		for range baselinePages {
			tr.Observe(baseline)
		}
		var recs []json.RawMessage
		for line := range bytes.SplitSeq(data, []byte("\n")) {
			recs = append(recs, line)
		}
		seen := map[[2]string]bool{}
		for range 2 {
			for _, d := range tr.Observe(recs) {
				checkDrift(t, d)
				key := [2]string{d.Field, d.Change}
				if seen[key] {
					t.Fatalf("%s %q reported twice", d.Change, d.Field)
				}
				seen[key] = true
			}
		}
	})
}

func checkDrift(t *testing.T, d Drift) {
	t.Helper()
	if len(d.Example) > maxExample {
		t.Fatalf("example of %d bytes: %q", len(d.Example), d.Example)
	}
	switch d.Change {
	case ChangeNew:
		if d.Was != "" || d.Now == "" {
			t.Fatalf("new field with Was %q Now %q", d.Was, d.Now)
		}
	case ChangeType:
		if d.Was == "" || d.Now == "" || d.Was == d.Now {
			t.Fatalf("type change with Was %q Now %q", d.Was, d.Now)
		}
	case ChangeVanished:
		if d.Was == "" || d.Now != "" || d.Example != "" {
			t.Fatalf("vanished with Was %q Now %q Example %q", d.Was, d.Now, d.Example)
		}
	default:
		t.Fatalf("unknown change %q", d.Change)
	}
}
