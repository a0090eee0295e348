package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"siphon/ingest/demoapi"
)

// TestReplay: a finished run replays offline to the same walk (exit 0) and
// the same records byte for byte; an edited records path differs (exit 1);
// no request reaches the server; a run that kept no pages is a clear exit 2.
func TestReplay(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 250})
	defer srv.Close()
	dir := t.TempDir()
	path := writeProfile(t, dir, "cur", cursorProfile("cur", srv.URL, 50))
	if code, _, stderr := siphon(t, dir, "run", "cur"); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	before := srv.Stats().Requests

	code, stdout, stderr := siphon(t, dir, "replay", "cur", "--write", "replayed")
	if code != 0 || !strings.Contains(stdout, "The walks agree.") || !strings.Contains(stdout, "no request sent") {
		t.Fatalf("replay of the same profile: exit %d\n%s%s", code, stdout, stderr)
	}
	orig, _ := os.ReadFile(filepath.Join(dir, "siphon-data", "cur", "records.jsonl"))
	again, _ := os.ReadFile(filepath.Join(dir, "replayed", "records.jsonl"))
	if len(orig) == 0 || !bytes.Equal(orig, again) {
		t.Errorf("replayed records differ from the run's (%d and %d bytes)", len(orig), len(again))
	}

	text, _ := os.ReadFile(path)
	os.WriteFile(path, bytes.Replace(text, []byte("records: .data"), []byte("records: .data[0:10]"), 1), 0o600)
	code, stdout, _ = siphon(t, dir, "replay", "cur")
	if code != 1 || !strings.Contains(stdout, "Where they differ:") || !strings.Contains(stdout, "records 50 → 10") {
		t.Fatalf("replay of an edited records path: exit %d\n%s", code, stdout)
	}
	if n := srv.Stats().Requests - before; n != 0 {
		t.Errorf("replay sent %d requests", n)
	}

	os.WriteFile(path, append(text, []byte("output: {raw_pages: false, dir: nopages}\n")...), 0o600)
	if code, _, stderr := siphon(t, dir, "run", "cur"); code != 0 {
		t.Fatalf("run without pages: exit %d\n%s", code, stderr)
	}
	code, _, stderr = siphon(t, dir, "replay", "cur")
	if code != 2 || !strings.Contains(stderr, "kept no pages (output.raw_pages: false)") {
		t.Fatalf("replay without an archive: exit %d\n%s", code, stderr)
	}

	// A page edited in the archive is a difference on that page.
	os.WriteFile(path, text, 0o600)
	seg := filepath.Join(dir, "siphon-data", "cur", "pages", "pages-000001.bin")
	segBytes, _ := os.ReadFile(seg)
	// Same length, so the index's offsets still hold: page 2's first id,
	// then page 2's opening, which is then no JSON.
	edited := bytes.Replace(segBytes, []byte(`{"id":51,`), []byte(`{"id":-1,`), 1)
	if bytes.Equal(edited, segBytes) {
		t.Fatalf("no record 51 in the archive")
	}
	os.WriteFile(seg, edited, 0o600)
	code, stdout, _ = siphon(t, dir, "replay", "cur")
	if code != 1 || !strings.Contains(stdout, "page 2:") || !strings.Contains(stdout, "-1") {
		t.Fatalf("replay with page 2 edited: exit %d\n%s", code, stdout)
	}
	if i := bytes.Index(segBytes[1:], []byte(`{"data":[`)); i >= 0 {
		notJSON := bytes.Clone(segBytes)
		copy(notJSON[i+1:], "<!doctype")
		os.WriteFile(seg, notJSON, 0o600)
		code, stdout, _ = siphon(t, dir, "replay", "cur")
		if code != 1 || !strings.Contains(stdout, "page 2") {
			t.Fatalf("replay with page 2 not JSON: exit %d\n%s", code, stdout)
		}
	} else {
		t.Fatalf("no second page in the archive")
	}

	// A page missing from the archive is said, not a crash.
	os.Truncate(seg, 1) // cut off from page 1 on
	code, stdout, _ = siphon(t, dir, "replay", "cur")
	if code != 1 || !strings.Contains(stdout, "missing from the archive") {
		t.Fatalf("replay with a page missing: exit %d\n%s", code, stdout)
	}
}
