//go:build unix && !linux

package ingest_test

import "syscall"

// maxRSSBytes is a finished process's peak resident set: the BSDs and
// macOS count ru_maxrss in bytes.
func maxRSSBytes(ru *syscall.Rusage) int64 { return int64(ru.Maxrss) }
