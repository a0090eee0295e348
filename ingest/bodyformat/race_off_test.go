//go:build !race

package bodyformat

const raceEnabled = false
