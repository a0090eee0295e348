package store_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"siphon/ingest/store"
)

// readLog is the whole run state log at dir; "" when there is none.
func readLog(t *testing.T, dir string) string {
	t.Helper()
	rc, err := store.At(dir).ReadRunStateLog()
	if err != nil {
		t.Fatal(err)
	}
	if rc == nil {
		return ""
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRunStateLog: appends land in order after a replace, the replace
// starts the file over (also under a handle kept open for appends), the
// file is 0600, and a folder holds it as siphon's own on --fresh.
func TestRunStateLog(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if got := readLog(t, dir); got != "" {
		t.Fatalf("no log yet: %q", got)
	}
	s, err := store.At(dir).Claim(false)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []func() error{
		func() error { return s.AppendRunStateLog([]byte("a\n")) },
		func() error { return s.AppendRunStateLog([]byte("b\nc\n")) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	if got := readLog(t, dir); got != "a\nb\nc\n" {
		t.Fatalf("after appends: %q", got)
	}
	if err := s.WriteRunStateLog([]byte("x\n")); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendRunStateLog([]byte("y\n")); err != nil {
		t.Fatal(err)
	}
	if got := readLog(t, dir); got != "x\ny\n" {
		t.Fatalf("after a replace and an append: %q", got)
	}
	fi, err := os.Stat(filepath.Join(dir, store.RunStateLogFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", fi.Mode(), err)
	}
	s.Release()
	s, err = store.At(dir).Claim(true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Release()
	if got := readLog(t, dir); got != "" {
		t.Fatalf("--fresh left the log: %q", got)
	}
}

// TestRunStateLogStreamed: a log written a line at a time (a compaction
// of many partitions) replaces the old one whole, larger than any buffer
// on the way; one whose writing fails leaves the old log as it was and no
// temporary file behind.
func TestRunStateLogStreamed(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	s, err := store.At(dir).Claim(false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Release()
	var want strings.Builder
	if err := store.WriteRunStateLogFrom(s, func(w io.Writer) error {
		for i := range 20_000 {
			line := fmt.Sprintf("{\"key\":\"%06d\",\"state\":\"STARTING\"}\n", i)
			want.WriteString(line)
			if _, err := io.WriteString(w, line); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendRunStateLog([]byte("after\n")); err != nil {
		t.Fatal(err)
	}
	if got := readLog(t, dir); got != want.String()+"after\n" {
		t.Fatalf("streamed log: %d bytes, want %d", len(got), want.Len()+6)
	}
	boom := errors.New("boom")
	err = store.WriteRunStateLogFrom(s, func(w io.Writer) error {
		io.WriteString(w, strings.Repeat("half a log\n", 10_000))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("failed write: %v", err)
	}
	if got := readLog(t, dir); got != want.String()+"after\n" {
		t.Fatal("a failed compaction changed the log")
	}
	names, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if strings.HasSuffix(n.Name(), ".tmp") {
			t.Errorf("left behind: %s", n.Name())
		}
	}
}
