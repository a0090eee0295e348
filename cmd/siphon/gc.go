package main

import (
	"os"
	"runtime/debug"
)

// siphonGCPercent is the collector's pace for siphon's process, unless the
// user sets GOGC. What siphon keeps is small (a checkpoint, a few pages'
// bookkeeping) while what passes through is large (every body, every
// record): at Go's default of 100 the collector runs each time a few
// pages have gone by, and the pages it frees are given back to the
// system, only to be faulted in again for the next bodies. At 1,000
// records a page that was a sixth of a run's CPU; 200 halves the
// collections for a few MB more memory (see the README, Benchmarks).
const siphonGCPercent = 200

// gcPercent is the pace to set for the GOGC the environment holds, or 0
// to leave the runtime's: a GOGC the user set (off included) is theirs.
func gcPercent(gogc string) int {
	if gogc != "" {
		return 0
	}
	return siphonGCPercent
}

func tuneGC() {
	if p := gcPercent(os.Getenv("GOGC")); p > 0 {
		debug.SetGCPercent(p)
	}
}
