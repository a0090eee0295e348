package main

import (
	"io"
)

// cmdProbe is not built yet (its issue comes after the core).
func cmdProbe(args []string, stdout, stderr io.Writer) error {
	return usagef("probe is not built yet; use 'siphon run PROFILE --max-pages 1' and look at OUT/pages/")
}
