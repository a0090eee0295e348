package store

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"siphon/ingest/paginate"
	"siphon/ingest/textbound"
)

// TestEncodeCheckpointAsBefore: the checkpoint's bytes are those of
// MarshalIndent with its checksum set, and they read back checked.
func TestEncodeCheckpointAsBefore(t *testing.T) {
	for _, c := range []Checkpoint{
		{Profile: "p"},
		{Profile: "p\u2028<&>\x7f", ProfileHash: "sha256:1", Pagination: "cursor", Position: paginate.Position{Cursor: "a\"b\\c\n"}, Pages: 3, Records: 300,
			RecordsBytes: 12345, PagesFile: "pages-000001.bin", PagesBytes: 99, Done: true, StopReason: "total reached",
			UpdatedAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Identity: map[string]string{"b": "2", "a": "é"}},
	} {
		got, err := encodeCheckpoint(&c)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := c.sum()
		if err != nil || sum != c.Checksum {
			t.Fatalf("checksum %q, its sum %q (%v)", c.Checksum, sum, err)
		}
		want, err := json.MarshalIndent(&c, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		want = append(textbound.EscapeControls(want), '\n')
		if !bytes.Equal(got, want) {
			t.Errorf("encoded\n%s\nwant\n%s", got, want)
		}
		if _, err := parseCheckpoint("checkpoint.json", got); err != nil {
			t.Errorf("reading it back: %v", err)
		}
	}
}
