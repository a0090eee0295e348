//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"siphon/ingest/remedy"

	"golang.org/x/sys/unix"
)

// The output folder is worked on through a handle on the folder itself:
// every file is opened relative to it with O_NOFOLLOW, so a symbolic link
// planted in the folder is refused instead of written through, and a folder
// renamed under a live run keeps receiving that run's writes (never a new
// folder that took its name).

// readFlags open a file for reading only, without waiting on a FIFO that
// someone planted under a file's name.
const readFlags = unix.O_RDONLY | unix.O_NONBLOCK

// openDirNoFollow opens a folder that must not be a symbolic link.
func openDirNoFollow(path string) (*os.File, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, pathErr(path, err)
	}
	return os.NewFile(uintptr(fd), path), nil
}

// openAt opens name in dir without following a link.
func openAt(dir *os.File, name string, flag int, perm os.FileMode) (*os.File, error) {
	path := filepath.Join(dir.Name(), name)
	fd, err := unix.Openat(int(dir.Fd()), name, flag|unix.O_NOFOLLOW|unix.O_CLOEXEC, uint32(perm.Perm()))
	if err != nil {
		return nil, pathErr(path, err)
	}
	return os.NewFile(uintptr(fd), path), nil
}

// openDirAt opens (creating it 0700 if missing) the folder name in dir.
func openDirAt(dir *os.File, name string) (*os.File, error) {
	if err := unix.Mkdirat(int(dir.Fd()), name, 0o700); err != nil && !errors.Is(err, unix.EEXIST) {
		return nil, pathErr(filepath.Join(dir.Name(), name), err)
	}
	return openAt(dir, name, unix.O_RDONLY|unix.O_DIRECTORY, 0)
}

// renameAt renames within dir.
func renameAt(dir *os.File, from, to string) error {
	if err := unix.Renameat(int(dir.Fd()), from, int(dir.Fd()), to); err != nil {
		return pathErr(filepath.Join(dir.Name(), from), err)
	}
	return nil
}

// removeAt removes a file in dir (a leftover temp file).
func removeAt(dir *os.File, name string) { _ = unix.Unlinkat(int(dir.Fd()), name, 0) }

// pathErr explains a refused symbolic link; other errors keep their cause.
func pathErr(path string, err error) error {
	if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&os.ModeSymlink != 0 {
			return remedy.New(fmt.Errorf("%s is a symbolic link: siphon never follows links in its output folder; remove it", path), remedy.OtherFolder)
		}
	}
	return &os.PathError{Op: "open", Path: path, Err: err}
}

// tryLock takes f's exclusive lock without waiting.
func tryLock(f *os.File) (bool, error) {
	err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

func unlock(f *os.File) { _ = unix.Flock(int(f.Fd()), unix.LOCK_UN) }
