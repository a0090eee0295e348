package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPartitionFolderLock: a partition's folder is held by a lock on the
// folder itself, with no lock file in it; whoever else claims it (the
// folder by its path, as `state rewind --out` does, or `state reset`) is
// refused and told who holds it, from the run's folder; once released it
// is free again. An older siphon's lock file left in it changes nothing.
func TestPartitionFolderLock(t *testing.T) {
	for _, old := range []bool{false, true} {
		t.Run(fmt.Sprintf("old-lock-file=%v", old), func(t *testing.T) {
			dir := t.TempDir()
			run := claim(t, dir) // the run's folder, as a partitioned run holds it
			key := "000001-000101"
			part := filepath.Join(dir, PartitionsDir, key)
			if old {
				if err := os.MkdirAll(part, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(part, LockFile), []byte("siphon run, pid 1, since long ago\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			held, err := Dir(dir).Partition(key).Claim(false)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(part, LockFile)); old == errors.Is(err, os.ErrNotExist) {
				t.Errorf("lock file in the partition's folder: %v (an old one kept: %v)", err, old)
			}
			holder := fmt.Sprintf("pid %d", os.Getpid())
			refused := func(what string, err error) {
				t.Helper()
				if !errors.Is(err, ErrFolderInUse) || !strings.Contains(err.Error(), holder) {
					t.Errorf("%s while the run holds the partition: %v, want a refusal naming %s", what, err, holder)
				}
			}
			again, err := Dir(dir).Partition(key).Claim(false)
			refused("a second claim", err)
			if err == nil {
				again.Release()
			}
			byPath, err := Dir(part).Claim(false)
			refused("the folder by its path", err)
			if err == nil {
				byPath.Release()
			}
			run.Release() // state reset holds the run's folder first
			moved, err := Dir(dir).ResetPartition(key)
			refused("reset", err)
			if moved != "" {
				t.Errorf("reset moved a held partition to %s", moved)
			}
			held.Release()
			byPath, err = Dir(part).Claim(false)
			if err != nil {
				t.Fatalf("the folder by its path once released: %v", err)
			}
			byPath.Release()
			if moved, err = Dir(dir).ResetPartition(key); err != nil || moved == "" {
				t.Fatalf("reset once released: %q, %v", moved, err)
			}
		})
	}
}
