//go:build !unix

package store

import (
	"fmt"
	"os"
	"path/filepath"
)

// Without openat and flock the folder is worked on by path: links are
// refused by a look before each open, and the lock is advisory only.

func refuseLink(path string) error {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("%s is a symbolic link: siphon never follows links in its output folder; remove it", path)
	}
	return nil
}

// readFlags open a file for reading only.
const readFlags = os.O_RDONLY

func openDirNoFollow(path string) (*os.File, error) {
	if err := refuseLink(path); err != nil {
		return nil, err
	}
	return os.Open(path)
}

func openAt(dir *os.File, name string, flag int, perm os.FileMode) (*os.File, error) {
	path := filepath.Join(dir.Name(), name)
	if err := refuseLink(path); err != nil {
		return nil, err
	}
	return os.OpenFile(path, flag, perm)
}

func openDirAt(dir *os.File, name string) (*os.File, error) {
	path := filepath.Join(dir.Name(), name)
	if err := os.Mkdir(path, 0o700); err != nil && !os.IsExist(err) {
		return nil, err
	}
	return openDirNoFollow(path)
}

func renameAt(dir *os.File, from, to string) error {
	return os.Rename(filepath.Join(dir.Name(), from), filepath.Join(dir.Name(), to))
}

func removeAt(dir *os.File, name string) { _ = os.Remove(filepath.Join(dir.Name(), name)) }

func tryLock(f *os.File) (bool, error) { return true, nil }

func unlock(f *os.File) {}
