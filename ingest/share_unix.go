//go:build unix

package ingest

import (
	"os"
	"path/filepath"
	"syscall"
)

// lockStateFile opens a budget's state file and takes its lock (blocking:
// holders keep it for a read and a write).
func lockStateFile(path string) (unlock func(), f *os.File, err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, nil, err
	}
	f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, nil, err
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, f, nil
}
