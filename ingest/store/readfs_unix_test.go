//go:build unix

package store

import (
	"path/filepath"
	"syscall"
	"testing"
)

// TestFolderViewRefusesFIFOs: a FIFO under a file's name is refused
// without blocking its reader (no writer will ever come).
func TestFolderViewRefusesFIFOs(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, RecordsFile), 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	view, _ := Dir(dir).ReadFS()
	if _, err := OpenJoined(view, RecordsFile); err == nil {
		t.Error("a FIFO was opened as the records")
	}
}
