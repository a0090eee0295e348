package store

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// TestFolderViewConformance: a run's folder read through its view passes
// the standard library's file system checks, and its files read at an
// offset.
func TestFolderViewConformance(t *testing.T) {
	dir := t.TempDir()
	s := claim(t, dir)
	w := archiveRun(t, s, nil, 1, `{"data":[1]}`, `{"data":[2]}`)
	commitAs(t, w, 2)
	w.Close()
	s.Release()
	view, err := Dir(dir).ReadFS()
	if err != nil {
		t.Fatal(err)
	}
	if err := fstest.TestFS(view, RecordsFile, CheckpointFile, PagesDir+"/"+IndexFile, PagesDir+"/"+SegmentName(1)); err != nil {
		t.Fatal(err)
	}
	e, err := FindPage(view, 2)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := ReadPageBody(view, e); err != nil || string(b) != `{"data":[2]}` {
		t.Fatalf("page 2: %q, %v", b, err)
	}
}

// TestFolderViewRefusesLinks: a link planted in the output (to a file, or
// as a folder) is refused, never read through, and says why.
func TestFolderViewRefusesLinks(t *testing.T) {
	dir, elsewhere := t.TempDir(), t.TempDir()
	secret := filepath.Join(elsewhere, "secret")
	os.WriteFile(secret, []byte("not the output's\n"), 0o600)
	os.Mkdir(filepath.Join(elsewhere, PagesDir), 0o700)
	os.WriteFile(filepath.Join(elsewhere, PagesDir, IndexFile), []byte(`{"page":1,"file":"x"}`+"\n"), 0o600)
	if err := os.Symlink(secret, filepath.Join(dir, RecordsFile)); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	os.Symlink(filepath.Join(elsewhere, PagesDir), filepath.Join(dir, PagesDir))
	view, _ := Dir(dir).ReadFS()
	for _, name := range []string{RecordsFile, PagesDir + "/" + IndexFile} {
		f, err := view.Open(name)
		if err == nil {
			b, _ := io.ReadAll(f)
			f.Close()
			t.Fatalf("%s was read through a link: %q", name, b)
		}
		if !strings.Contains(err.Error(), "symbolic link") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := OpenJoined(view, RecordsFile); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the records, a link: %v", err)
	}
	linked, _ := Dir(filepath.Join(dir, "via-link")).ReadFS()
	os.Symlink(elsewhere, filepath.Join(dir, "via-link"))
	if _, err := fs.ReadFile(linked, "secret"); err == nil {
		t.Error("an output that is itself a link was read through")
	}
}

// TestJoinedSegments: segments are joined in the order of their numbers
// (1000000 after 999999), names siphon does not write are left out, each
// segment's last line ends with it, and lines are read forward, back from
// a limit, and counted back, alike.
func TestJoinedSegments(t *testing.T) {
	view := fstest.MapFS{
		"records-000002.jsonl":  {Data: []byte("{\"id\":3}\n{\"id\":4}\n")},
		"records-000001.jsonl":  {Data: []byte("{\"id\":1}\n{\"id\":2}\n")},
		"records-1000000.jsonl": {Data: []byte("{\"id\":6}\n")},
		"records-999999.jsonl":  {Data: []byte("{\"id\":5}")}, // torn: its end ends the line
		"records-1.jsonl":       {Data: []byte("{\"bogus\":1}\n")},
		"records-0000003.jsonl": {Data: []byte("{\"bogus\":2}\n")},
		"records-000000.jsonl":  {Data: []byte("{\"bogus\":3}\n")},
		"records-x.jsonl":       {Data: []byte("{\"bogus\":4}\n")},
	}
	j, err := OpenJoined(view, RecordsFile)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	all, err := io.ReadAll(io.NewSectionReader(j, 0, j.Size()))
	if want := "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n{\"id\":4}\n{\"id\":5}{\"id\":6}\n"; err != nil || string(all) != want {
		t.Fatalf("joined: %q, %v", all, err)
	}
	var got, where []string
	lines := j.Lines(j.Size(), 1<<10)
	for lines.Next() {
		got, where = append(got, string(lines.Line())), append(where, lines.Where())
	}
	if lines.Err() != nil || strings.Join(got, " ") != `{"id":1} {"id":2} {"id":3} {"id":4} {"id":5} {"id":6}` {
		t.Fatalf("lines: %q, %v", got, lines.Err())
	}
	if where[3] != "records-000002.jsonl line 2" || where[5] != "records-1000000.jsonl line 1" {
		t.Errorf("where: %q", where)
	}
	tail, at, err := j.Tail(36, 2, 1<<20) // within the first two segments
	if err != nil || len(tail) != 2 || string(tail[0]) != `{"id":3}` || at[0] != 18 || string(tail[1]) != `{"id":4}` {
		t.Fatalf("tail: %q at %v, %v", tail, at, err)
	}
	for _, c := range []struct {
		limit, n, want int64
	}{{36, 0, 36}, {36, 1, 27}, {36, 3, 9}, {36, 4, 0}} {
		if got, err := j.LineStartFromEnd(c.limit, c.n); err != nil || got != c.want {
			t.Errorf("the last %d lines of %d bytes start at %d, %v; want %d", c.n, c.limit, got, err, c.want)
		}
	}
	if _, err := j.LineStartFromEnd(36, 5); err == nil {
		t.Error("more lines than there are were counted back")
	}
	if _, err := j.LineStartFromEnd(40, 1); err == nil {
		t.Error("a limit within a line was taken")
	}
	if _, err := OpenJoined(view, RejectedFile); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("no rejected records: %v", err)
	}
}

// TestLinesAreBounded: a line longer than the bound is given cut and
// said so, and the lines after it are read as ever.
func TestLinesAreBounded(t *testing.T) {
	long := strings.Repeat("x", 200<<10)
	view := fstest.MapFS{RecordsFile: {Data: []byte("a\n" + long + "\nb")}}
	j, err := OpenJoined(view, RecordsFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := j.Lines(j.Size(), 100)
	var got []string
	for lines.Next() {
		got = append(got, fmt.Sprintf("%d:%v:%v", len(lines.Line()), lines.Long(), lines.Whole()))
	}
	if strings.Join(got, " ") != "1:false:true 100:true:true 1:false:false" {
		t.Errorf("lines: %v", got)
	}
}
