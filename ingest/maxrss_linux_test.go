package ingest_test

import "syscall"

// maxRSSBytes is a finished process's peak resident set: Linux counts
// ru_maxrss in KiB.
func maxRSSBytes(ru *syscall.Rusage) int64 { return ru.Maxrss << 10 }
