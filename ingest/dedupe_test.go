package ingest

import (
	"encoding/json"
	"strings"
	"testing"

	"siphon/ingest/spec"
)

func TestDropRepeatsKeepsNewVersions(t *testing.T) {
	w := &walk{cfg: &spec.Config{PrimaryKey: []string{"id"}}, rn: &runner{run: &Run{events: make(chan Event, 8)}}}
	w.dropRepeats([]json.RawMessage{[]byte(`{"id":1,"v":1}`), []byte(`{"id":2,"v":1}`)}, 1)
	kept := w.dropRepeats([]json.RawMessage{[]byte(`{"id":2,"v":1}`), []byte(`{"id":1,"v":2}`), []byte(`{"id":3,"v":1}`)}, 2)
	var got []string
	for _, r := range kept {
		got = append(got, string(r))
	}
	if strings.Join(got, " ") != `{"id":1,"v":2} {"id":3,"v":1}` {
		t.Errorf("kept %v", got)
	}
}
