package store_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"siphon/ingest/store"
)

// TestHistoryReadsPastLongLines: a 100 KiB line (once past the old 64 KiB
// scanner bound) is read, a 5 MiB one is skipped, a torn one too, and every
// run after them is still there.
func TestHistoryReadsPastLongLines(t *testing.T) {
	entry := func(outcome store.Outcome, errText string) []byte {
		b, err := json.Marshal(store.HistoryEntry{Start: time.Unix(0, 0).UTC(), Profile: "p", Outcome: outcome, Error: errText})
		if err != nil {
			t.Fatal(err)
		}
		return append(b, '\n')
	}
	var file bytes.Buffer
	file.Write(entry("failed", strings.Repeat("e", 100<<10)))
	file.Write(entry("failed", strings.Repeat("x", 5<<20)))
	file.WriteString(`{"profile":"p","outc` + "\n")
	for i := range 3 {
		file.Write(entry(store.Outcome(fmt.Sprintf("done-%d", i)), ""))
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, store.HistoryFile), file.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := store.At(dir).ReadHistory(0)
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []string
	for _, e := range got {
		outcomes = append(outcomes, fmt.Sprintf("%s/%d", e.Outcome, len(e.Error)))
	}
	if want := fmt.Sprintf("failed/%d done-0/0 done-1/0 done-2/0", 100<<10); strings.Join(outcomes, " ") != want {
		t.Errorf("read %v, want %s", outcomes, want)
	}
	if got, _ := store.At(dir).ReadHistory(2); len(got) != 2 || got[1].Outcome != "done-2" {
		t.Errorf("keep 2: %v", got)
	}
}
