package store_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"siphon/ingest/store"
)

// TestHistoryOfNothing: no file is no history; a torn line is skipped.
func TestHistoryOfNothing(t *testing.T) {
	dir := t.TempDir()
	if h, err := store.At(dir).ReadHistory(0); err != nil || h != nil {
		t.Fatalf("empty folder: %v, %v", h, err)
	}
	content := `{"outcome":"done","start":"2024-01-01T00:00:00Z"}` + "\n" + `{"outcome":"fai` + "\n" + `{"outcome":"failed"}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, store.HistoryFile), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	h, err := store.At(dir).ReadHistory(0)
	if err != nil || len(h) != 2 || h[0].Outcome != "done" || h[1].Outcome != "failed" || !h[0].Start.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("%+v, %v", h, err)
	}
}
