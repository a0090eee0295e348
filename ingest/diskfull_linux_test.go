package ingest_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	"siphon/ingest/store"
)

// TestFullDisk runs into a real full disk (a small tmpfs): the run stops
// with a clear error, the last checkpoint intact and no temp files left;
// once there is space again it resumes and every record is there once.
func TestFullDisk(t *testing.T) {
	dir := t.TempDir()
	if err := exec.Command("mount", "-t", "tmpfs", "-o", "size=400k,mode=0700", "tmpfs", dir).Run(); err != nil {
		t.Skipf("cannot mount a tmpfs here (needs root): %v", err)
	}
	defer exec.Command("umount", dir).Run()

	const n = 2000
	srv := demoapi.NewServer(demoapi.Options{Records: n})
	defer srv.Close()
	cfg := styleConfigs(srv.URL)["cursor"]
	out := filepath.Join(dir, "out")
	_, err := run(t, cfg, ingest.Job{Out: out}, ingest.WithCommitInterval(0))
	if err == nil {
		t.Fatal("the run did not notice the full disk")
	}
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "no space left on device") {
		t.Fatalf("error %v: want one that says the disk is full", err)
	}
	cp, cerr := store.At(out).ReadCheckpoint()
	if cerr != nil || cp == nil || cp.Pages == 0 {
		t.Fatalf("checkpoint after the full disk: %+v, %v", cp, cerr)
	}
	temps, _ := filepath.Glob(filepath.Join(out, ".*.tmp"))
	if len(temps) > 0 {
		t.Errorf("temp files left behind: %v", temps)
	}

	if err := exec.Command("mount", "-o", "remount,size=20m", dir).Run(); err != nil {
		t.Fatalf("growing the tmpfs: %v", err)
	}
	if _, err := run(t, cfg, ingest.Job{Out: out}); err != nil {
		t.Fatalf("resume after freeing space: %v", err)
	}
	exactlyOnce(t, readIDs(t, out), n)
	st, err := os.Stat(filepath.Join(out, store.RecordsFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("records.jsonl mode %v, want 0600", st.Mode().Perm())
	}
}
