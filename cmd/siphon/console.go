package main

import (
	"fmt"
	"io"

	"siphon/profiles"
)

// cmdConsole will open the console; until it exists it lists the profiles
// and says how to run one.
func cmdConsole(args []string, stdout, stderr io.Writer) error {
	fset := newFlags("", stderr)
	dir := fset.String("profiles", "", "folder of saved profiles")
	if _, err := parseFlags(fset, args); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "The console is not built yet. Saved profiles:")
	if err := profilesList(stdout, profiles.Dirs(*dir)); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "\nRun one with: siphon run NAME    (or see everything work: siphon demo)")
	return nil
}
