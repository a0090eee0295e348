//go:build race

package bodyformat

// raceEnabled: the race detector is on; the memory test, which measures the
// heap and converts megabytes, is left to the run without it.
const raceEnabled = true
