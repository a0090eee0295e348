package store

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// archiveRun opens the folder's writer on cp and archives the given
// pages' bodies, one record each.
func archiveRun(t *testing.T, s Store, cp *Checkpoint, first int, bodies ...string) Writer {
	t.Helper()
	w, err := s.Open(cp, Options{RawPages: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range bodies {
		w.BeginPage()
		if err := w.WriteRecord([]byte(fmt.Sprintf(`{"id":%d}`, first+i))); err != nil {
			t.Fatal(err)
		}
		w.EndPage()
		if err := w.ArchivePage(&PageEntry{Page: first + i, Status: 200}, []byte(b), false, false); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// commitAs commits w with a checkpoint of pages pages.
func commitAs(t *testing.T, w Writer, pages int) *Checkpoint {
	t.Helper()
	cp := &Checkpoint{Profile: "p", Pages: pages}
	if err := w.Commit(cp); err != nil {
		t.Fatal(err)
	}
	return cp
}

// checkBodies reads every page of the folder's archive as a reader does
// (index line, then its body) and compares them with want, page 1 first.
func checkBodies(t *testing.T, dir string, want ...string) {
	t.Helper()
	out, _ := Dir(dir).ReadFS()
	for i, w := range want {
		e, err := FindPage(out, i+1)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ReadPageBody(out, e)
		if err != nil {
			t.Fatalf("page %d: %v", i+1, err)
		}
		if string(got) != w {
			t.Errorf("page %d's body is %q (from %s), want %q", i+1, got, e.File, w)
		}
	}
}

func claim(t *testing.T, dir string) Store {
	t.Helper()
	s, err := Dir(dir).Claim(false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Release)
	return s
}

// TestSegmentsKeepBodiesInOrder: bodies go one after the other into one
// segment, each index line says where its body lies, and the checkpoint
// vouches for the segment's length.
func TestSegmentsKeepBodiesInOrder(t *testing.T) {
	dir := t.TempDir()
	s := claim(t, dir)
	bodies := []string{`{"data":[1]}`, "", `{"data":[3], "x": "\u00e9"}`}
	w := archiveRun(t, s, nil, 1, bodies...)
	cp := commitAs(t, w, 3)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	checkBodies(t, dir, bodies...)
	seg, err := os.ReadFile(filepath.Join(dir, PagesDir, SegmentName(1)))
	if err != nil {
		t.Fatal(err)
	}
	if string(seg) != strings.Join(bodies, "") {
		t.Errorf("the segment holds %q", seg)
	}
	if cp.PagesFile != SegmentName(1) || cp.PagesBytes != int64(len(seg)) {
		t.Errorf("the checkpoint vouches for %s, %d bytes; want %s, %d", cp.PagesFile, cp.PagesBytes, SegmentName(1), len(seg))
	}
}

// TestSegmentBytesPastTheCheckpointGoAside: a run killed after its bodies
// reached the segment but before a checkpoint vouched for them (here: a
// resume from the older checkpoint) has them moved to aside/, said so,
// and the pages written again follow the vouched ones.
func TestSegmentBytesPastTheCheckpointGoAside(t *testing.T) {
	dir := t.TempDir()
	s := claim(t, dir)
	w := archiveRun(t, s, nil, 1, "one", "two")
	old := commitAs(t, w, 2)
	w.ArchivePage(&PageEntry{Page: 3}, []byte("three-unvouched"), false, false)
	commitAs(t, w, 3)
	w.Close()

	w = archiveRun(t, s, old, 3, "three")
	commitAs(t, w, 3)
	w.Close()
	checkBodies(t, dir, "one", "two", "three")
	notes := strings.Join(s.Notes(), "\n")
	if !strings.Contains(notes, filepath.Join(PagesDir, SegmentName(1))+" had 15 bytes past what the checkpoint vouches for") {
		t.Errorf("notes: %s", notes)
	}
	aside, _ := filepath.Glob(filepath.Join(dir, asideDir, "pages-"+SegmentName(1)+".*"))
	if len(aside) != 1 {
		t.Fatalf("aside holds %v", aside)
	}
	if b, _ := os.ReadFile(aside[0]); string(b) != "three-unvouched" {
		t.Errorf("aside holds %q", b)
	}
}

// TestSegmentsRollAndResume: a full segment is closed and the next begun;
// on resume, segments later than the one the checkpoint names go aside,
// and a segment shorter than it vouches for is refused.
func TestSegmentsRollAndResume(t *testing.T) {
	defer func(n int64) { segmentLimit = n }(segmentLimit)
	segmentLimit = 10
	dir := t.TempDir()
	s := claim(t, dir)
	w := archiveRun(t, s, nil, 1, "page-1-123", "page-2-123", "p3")
	mid := commitAs(t, w, 3)
	if mid.PagesFile != SegmentName(3) || mid.PagesBytes != 2 {
		t.Errorf("the checkpoint vouches for %s, %d bytes", mid.PagesFile, mid.PagesBytes)
	}
	w.ArchivePage(&PageEntry{Page: 4}, []byte("page-4-123"), false, false)
	w.ArchivePage(&PageEntry{Page: 5}, []byte("page-5"), false, false)
	commitAs(t, w, 5)
	w.Close()
	if _, err := os.Stat(filepath.Join(dir, PagesDir, SegmentName(4))); err != nil {
		t.Fatal(err)
	}

	w = archiveRun(t, s, mid, 4, "again-4")
	commitAs(t, w, 4)
	w.Close()
	checkBodies(t, dir, "page-1-123", "page-2-123", "p3", "again-4")
	if _, err := os.Stat(filepath.Join(dir, PagesDir, SegmentName(4))); err == nil {
		t.Error("segment 4, which no checkpoint vouches for, is still there")
	}

	if err := os.Truncate(filepath.Join(dir, PagesDir, SegmentName(3)), 1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(mid, Options{RawPages: true}); err == nil || !strings.Contains(err.Error(), "checkpoint vouches for 2") {
		t.Errorf("a cut segment: %v", err)
	}
}

// TestStreamedBodyInSegment: a body written while it streams in lands in
// the segment; a failed attempt's bytes are cut off again.
func TestStreamedBodyInSegment(t *testing.T) {
	dir := t.TempDir()
	s := claim(t, dir)
	w := archiveRun(t, s, nil, 1, "first")
	for _, keep := range []bool{false, true} {
		f, err := w.PageBody(2)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte("big "))
		f.Write([]byte("body"))
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if !keep {
			w.DropPageBody(2)
			continue
		}
		if err := w.ArchivePage(&PageEntry{Page: 2}, nil, true, false); err != nil {
			t.Fatal(err)
		}
	}
	commitAs(t, w, 2)
	w.Close()
	checkBodies(t, dir, "first", "big body")
}

// TestOldArchiveStillReads: a folder written with one file a page is read
// as before, and a resumed run goes on in a segment beside those files.
func TestOldArchiveStillReads(t *testing.T) {
	dir := t.TempDir()
	pages := filepath.Join(dir, PagesDir)
	os.MkdirAll(pages, 0o700)
	os.WriteFile(filepath.Join(pages, "000001.body"), []byte("old one"), 0o600)
	line := `{"page":1,"time":"2024-05-01T10:00:00Z","method":"GET","url":"http://x/","status":200,"attempts":1,"duration":"1ms","bytes":7,"records":1,"file":"000001.body"}` + "\n"
	os.WriteFile(filepath.Join(pages, IndexFile), []byte(line), 0o600)
	os.WriteFile(filepath.Join(dir, RecordsFile), []byte(`{"id":1}`+"\n"), 0o600)
	checkBodies(t, dir, "old one")

	s := claim(t, dir)
	cp := &Checkpoint{Profile: "p", Pages: 1, RecordsBytes: 9, IndexBytes: int64(len(line))}
	w := archiveRun(t, s, cp, 2, "new two")
	commitAs(t, w, 2)
	w.Close()
	checkBodies(t, dir, "old one", "new two")
}

// TestHostileIndexLines: an index line naming a file outside pages/ or
// with a terminal escape in its name, or a section past the segment's end
// (a gigabyte declared over three bytes), is refused with what and where,
// the name quoted.
func TestHostileIndexLines(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "secret"), []byte("s"), 0o600)
	os.MkdirAll(filepath.Join(dir, PagesDir), 0o700)
	os.WriteFile(filepath.Join(dir, PagesDir, SegmentName(1)), []byte("abc"), 0o600)
	out, _ := Dir(dir).ReadFS()
	off, big, zero := int64(1), int64(-5), int64(0)
	for _, e := range []PageEntry{
		{Page: 1, File: "../secret"},
		{Page: 2, File: ".."},
		{Page: 3, File: SegmentName(1), Offset: &off, Length: 3},
		{Page: 4, File: SegmentName(1), Offset: &big, Length: 1},
		{Page: 5, File: "\x1b]0;owned\x07.bin"},
		{Page: 6, File: SegmentName(1), Offset: &zero, Length: 1 << 30},
	} {
		if b, err := ReadPageBody(out, &e); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("page %d", e.Page)) || strings.ContainsRune(err.Error(), 0x1b) {
			t.Errorf("page %d (%q): %q, %v", e.Page, e.File, b, err)
		}
	}
}

// TestDocumentedOneLinerReadsABody: the shell line docs/output.md gives
// reads a page's body out of its segment, byte for byte.
func TestDocumentedOneLinerReadsABody(t *testing.T) {
	for _, tool := range []string{"sh", "jq", "tail", "head"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s", tool)
		}
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "output.md"))
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for _, l := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(l, "jq -r 'select(.page == 2)") {
			line = l
		}
	}
	if line == "" {
		t.Fatal("docs/output.md shows no line that reads page 2's body")
	}
	dir := t.TempDir()
	s := claim(t, dir)
	bodies := []string{"alpha\n", `{"b":"\u00e9 two"}` + "\x00\n", "gamma"}
	w := archiveRun(t, s, nil, 1, bodies...)
	commitAs(t, w, 3)
	w.Close()
	cmd := exec.Command("sh", "-c", line)
	cmd.Dir = dir
	got, err := cmd.Output()
	if err != nil || !bytes.Equal(got, []byte(bodies[1])) {
		t.Errorf("the one-liner gave %q, %v; want %q", got, err, bodies[1])
	}
}
