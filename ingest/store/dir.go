package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Dir is an output folder on the local disk, named by its path.
type Dir string

func (d Dir) String() string { return string(d) }

// Claim creates (0700) and locks the folder before anything in it is
// read, moved or cut. An existing folder that is not siphon's (see
// checkOutputFolder), and the current, home or root folder, are refused
// before anything in them is touched. With fresh, siphon's own files of
// the folder are then moved aside, still under the lock; anything else in
// it stays. A folder held by a live run is refused, fresh or not, naming
// the holder.
func (d Dir) Claim(fresh bool) (Store, error) { return d.claim(fresh, false) }

// claim is Claim; a partition's folder (see partitionDir) gets no marker,
// and its path, below its run's, needs no check that it is not the
// current, home or root folder.
func (d Dir) claim(fresh, partition bool) (Store, error) {
	path := string(d)
	var f *folder
	var err error
	if partition {
		f, err = holdPartitionFolder(path)
	} else if err = checkOutputFolder(path); err == nil {
		f, err = holdFolder(path, withLockFile, false)
	}
	if err != nil {
		return nil, err
	}
	if !partition {
		if err := f.markFolder(); err != nil {
			f.Release()
			return nil, err
		}
	}
	if !fresh {
		return f, nil
	}
	moved, err := f.freshen()
	if err != nil {
		f.Release()
		return nil, err
	}
	if moved != "" {
		f.note("starting over: siphon's files of the old output were moved to " + moved + "; other files in " + path + " were left as they are")
	}
	return f, nil
}

// holdPartitionFolder holds a partition's folder for its run: made and
// locked at once when new (most are, in a run of many), checked to be
// siphon's when it exists already.
func holdPartitionFolder(path string) (*folder, error) {
	created := os.Mkdir(path, 0o700) == nil
	if !created {
		if err := checkOwnFolder(path); err != nil {
			return nil, err
		}
	}
	f, err := holdFolder(path, dirLockOnly, created)
	if err != nil {
		return nil, err
	}
	f.partition = true
	return f, nil
}

// CheckShards: see checkShards.
func (d Dir) CheckShards(n int) error { return checkShards(string(d), n) }

// Shard is the shard's own folder, shard-K-of-N.
func (d Dir) Shard(k, n int) Location {
	if n <= 1 {
		return d
	}
	return Dir(filepath.Join(string(d), fmt.Sprintf("shard-%d-of-%d", k, n)))
}

// Partition is partitions/KEY; key is a checked path segment.
func (d Dir) Partition(key string) Location {
	return partitionDir{Dir(filepath.Join(string(d), PartitionsDir, key))}
}

// partitionDir is a partition's folder, which its run claims without a
// marker of its own: the run's folder has one, and a folder holding only
// names siphon writes is siphon's (isOwnFolder). A run of thousands of
// partitions creates one file fewer for each. Its address, handed to At
// again, is a plain Dir, which reads the same folder.
type partitionDir struct{ Dir }

func (d partitionDir) Claim(fresh bool) (Store, error) { return d.claim(fresh, true) }

// ReadCheckpoint reads the folder's checkpoint, not holding the folder
// (the console shows past runs with it).
func (d Dir) ReadCheckpoint() (*Checkpoint, error) {
	path := filepath.Join(string(d), CheckpointFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return parseCheckpoint(path, b)
}

func (d Dir) ReadRunState() ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(string(d), RunStateFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

func (d Dir) ReadRunStateLog() (io.ReadCloser, error) {
	f, err := os.Open(filepath.Join(string(d), RunStateLogFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (d Dir) AppendHistory(e HistoryEntry) error { return appendHistory(string(d), e) }

func (d Dir) ReadHistory(keep int) ([]HistoryEntry, error) { return readHistoryFile(string(d), keep) }

// MoveAside moves the folder's siphon files to a fresh sibling folder.
// Nothing is deleted, and files that are not siphon's stay. The folder's
// lock is taken first: a folder a live run holds is refused.
func (d Dir) MoveAside() (string, error) {
	dir := string(d)
	if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err := checkOutputFolder(dir); err != nil {
		return "", err
	}
	f, err := holdFolder(dir, withLockFile, false)
	if err != nil {
		return "", err
	}
	defer f.Release()
	return f.freshen()
}

// ResetPartition: see Location.
func (d Dir) ResetPartition(key string) (string, error) {
	part := Dir(filepath.Join(string(d), PartitionsDir, key))
	if _, err := os.Lstat(string(part)); errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err := checkOutputFolder(string(part)); err != nil {
		return "", err
	}
	f, err := holdFolder(string(part), dirLockOnly, false)
	if err != nil {
		return "", err
	}
	defer f.Release()
	parent := filepath.Join(string(d), asideDir, PartitionsDir)
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return "", fmt.Errorf("making %s: %w", parent, err)
	}
	dst, err := newAsideFolder(filepath.Join(parent, key))
	if err != nil {
		return "", err
	}
	if err := os.Remove(dst); err != nil { // the rename makes it
		return "", err
	}
	if err := os.Rename(string(part), dst); err != nil {
		return "", fmt.Errorf("moving partition %s to %s: %w", key, dst, err)
	}
	return dst, nil
}
