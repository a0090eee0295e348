package store

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestRejectedLine: the line both stores write to rejected.jsonl, and the
// compacting every store's WriteRecords does.
func TestRejectedLine(t *testing.T) {
	line, err := RejectedLine(3, "id: want integer", json.RawMessage(`{"id":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"page":3,"reason":"id: want integer","record":{"id":"x"}}` + "\n"; string(line) != want {
		t.Fatalf("line %q, want %q", line, want)
	}
	var got []string
	var scratch bytes.Buffer
	err = WriteCompact(&scratch, []json.RawMessage{json.RawMessage(`{ "a": 1 }`), json.RawMessage(`[1, 2]`)}, func(b []byte) error {
		got = append(got, string(b))
		return nil
	})
	if err != nil || strings.Join(got, "|") != `{"a":1}|[1,2]` {
		t.Fatalf("compacted %q, %v", got, err)
	}
	if err := WriteCompact(&scratch, []json.RawMessage{json.RawMessage(`{"a":`)}, func([]byte) error { return nil }); err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Fatalf("a cut record: %v", err)
	}
}
