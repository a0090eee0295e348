package schema

// Counts keeps the number of invalid records per field path (a JSON Pointer
// such as "/amount"; "" is the record itself), for the run's summary.
type Counts map[string]int

// Add counts one invalid record against each of its failing paths.
func (c Counts) Add(paths []string) {
	for _, p := range paths {
		c[p]++
	}
}
