//go:build race

package ingest_test

// raceEnabled: the race detector slows allocation-heavy tests tenfold and
// changes what the heap holds.
const raceEnabled = true
