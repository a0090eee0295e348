//go:build !unix

package budget

import (
	"os"
)

// lockStateFile: without flock the budget is shared within the process
// only.
func lockStateFile(string, stateOpen) (func(), *os.File, []string, error) {
	return nil, nil, nil, errNoFileLocks
}

// prepareStateDir: no state files are made here (see lockStateFile).
func prepareStateDir(string, bool) ([]string, error) { return nil, nil }
