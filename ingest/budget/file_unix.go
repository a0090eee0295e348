//go:build unix

package budget

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// lockStateFile opens a budget's state file and takes its lock (blocking:
// holders keep it for a read and a write). See openStateFile for what is
// refused; notes says what was tightened.
func lockStateFile(path string, mode stateOpen) (unlock func(), f *os.File, notes []string, err error) {
	notes, err = prepareStateDir(filepath.Dir(path), mode.create)
	if err != nil {
		return nil, nil, notes, err
	}
	f, note, err := openStateFile(path, mode)
	if note != "" {
		notes = append(notes, note)
	}
	if err != nil {
		return nil, nil, notes, err
	}
	how := syscall.LOCK_SH
	if mode.write {
		how = syscall.LOCK_EX
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, nil, notes, fmt.Errorf("rate budget state file %s: cannot lock it: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, f, notes, nil
}

// prepareStateDir makes the state files' folder (0700) when create, and
// checks it: a folder of this user's (a folder others can write to is set
// to 0700, and said so).
func prepareStateDir(dir string, create bool) (notes []string, err error) {
	if create {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case !fi.IsDir():
		return nil, &StateFileError{Path: dir, Folder: true, Problem: "is not a folder", Fix: removeFix(dir)}
	case ok && int(st.Uid) != os.Geteuid():
		return nil, &StateFileError{Path: dir, Folder: true, Problem: fmt.Sprintf("belongs to user id %d, not to you (%d): another user could change what siphon reads there", st.Uid, os.Geteuid()), Fix: removeFix(dir)}
	case fi.Mode().Perm()&0o077 != 0:
		if err := os.Chmod(dir, 0o700); err != nil {
			return nil, fmt.Errorf("rate budget folder %s has mode %04o and cannot be set to 0700: %w", dir, fi.Mode().Perm(), err)
		}
		notes = append(notes, fmt.Sprintf("rate budget folder %s had mode %04o (other users could reach its files): siphon set it to 0700", dir, fi.Mode().Perm()))
	}
	return notes, nil
}

// openStateFile opens a state file without following a symbolic link and
// without blocking (a FIFO planted there would block a plain open), then
// checks what it opened: a regular file of this user's with one name.
// Anything else is refused with a *StateFileError that says to remove it.
// A file others can read or write is set to 0600 and note says so.
// Without mode.create a missing file is an fs.ErrNotExist error.
func openStateFile(path string, mode stateOpen) (f *os.File, note string, err error) {
	// Look before opening: opening a device can do something by itself.
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, "", refuseKind(path, fi.Mode())
	} else if err != nil && !(mode.create && errors.Is(err, fs.ErrNotExist)) {
		return nil, "", err
	}
	flags := syscall.O_NOFOLLOW | syscall.O_NONBLOCK | syscall.O_NOCTTY | syscall.O_CLOEXEC
	switch {
	case mode.write && mode.create:
		flags |= syscall.O_RDWR | syscall.O_CREAT
	case mode.write:
		flags |= syscall.O_RDWR
	default:
		flags |= syscall.O_RDONLY
	}
	fd, err := syscall.Open(path, flags, 0o600)
	for errors.Is(err, syscall.EINTR) {
		fd, err = syscall.Open(path, flags, 0o600)
	}
	if err != nil {
		if errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK) { // EMLINK: BSDs' word for O_NOFOLLOW on a link
			return nil, "", refuseKind(path, fs.ModeSymlink)
		}
		return nil, "", &fs.PathError{Op: "open", Path: path, Err: err}
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, "", &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	fail := func(err error) (*os.File, string, error) {
		syscall.Close(fd)
		return nil, "", err
	}
	switch {
	case uint32(st.Mode)&syscall.S_IFMT != syscall.S_IFREG:
		return fail(refuseKind(path, modeOf(uint32(st.Mode))))
	case int(st.Uid) != os.Geteuid():
		return fail(&StateFileError{Path: path, Problem: fmt.Sprintf("belongs to user id %d, not to you (%d): another user could change what siphon reads there", st.Uid, os.Geteuid()), Fix: removeFix(path)})
	case uint64(st.Nlink) > 1:
		return fail(&StateFileError{Path: path, Problem: fmt.Sprintf("has %d names (hard links): writing it would change another file", st.Nlink), Fix: removeFix(path)})
	}
	if perm := uint32(st.Mode) & 0o777; perm&0o077 != 0 {
		if err := syscall.Fchmod(fd, 0o600); err != nil {
			return fail(&StateFileError{Path: path, Problem: fmt.Sprintf("has mode %04o (other users can read or change it) and cannot be set to 0600: %v", perm, err), Fix: removeFix(path)})
		}
		note = fmt.Sprintf("rate budget state file %s had mode %04o (other users could read or change it): siphon set it to 0600", path, perm)
	}
	return os.NewFile(uintptr(fd), path), note, nil
}

// modeOf turns a stat mode's file type into an fs.FileMode's.
func modeOf(m uint32) fs.FileMode {
	switch m & syscall.S_IFMT {
	case syscall.S_IFDIR:
		return fs.ModeDir
	case syscall.S_IFLNK:
		return fs.ModeSymlink
	case syscall.S_IFIFO:
		return fs.ModeNamedPipe
	case syscall.S_IFSOCK:
		return fs.ModeSocket
	case syscall.S_IFCHR:
		return fs.ModeDevice | fs.ModeCharDevice
	case syscall.S_IFBLK:
		return fs.ModeDevice
	}
	return fs.ModeIrregular
}
