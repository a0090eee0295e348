package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"siphon/ingest/state"
	"siphon/ingest/store"
	"siphon/profiles"
)

const stateUsage = `Usage:
  siphon state show PROFILE                 the run's state as JSON: position, pages, records, high-water mark, partitions
  siphon state rewind PROFILE N             go back N pages: the next run fetches them again; their records move to aside/
  siphon state set PROFILE KEY VALUE        set a resumable field (high_water, cursor, offset, page, next_url), checked
  siphon state reset PROFILE --partition KEY   start one partition over, leaving the others
Each takes --out DIR (the run's folder, or s3://BUCKET/PREFIX; default: the profile's output.dir,
else ./siphon-data/NAME) and --profiles DIR. A change is refused while a run holds the folder (or the
prefix's lease), and is written to its history.
`

// cmdState shows and corrects a run's resumable state.
func cmdState(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || isHelp(args[0]) {
		if len(args) == 0 {
			return usagef("state needs show, rewind, set or reset\n\n%s", stateUsage)
		}
		fmt.Fprint(stdout, stateUsage)
		return nil
	}
	sub := args[0]
	fs := newFlags("state "+sub, stderr)
	out := fs.String("out", "", "the run's output folder or s3://BUCKET/PREFIX (default: the profile's output.dir, else ./siphon-data/NAME)")
	dir := fs.String("profiles", "", "folder of saved profiles")
	part := fs.String("partition", "", "reset: the partition's KEY (its folder under partitions/)")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	want := map[string]int{"show": 1, "rewind": 2, "set": 3, "reset": 1}
	n, ok := want[sub]
	if !ok {
		return usagef("unknown state command %q: use show, rewind, set or reset\n\n%s", sub, stateUsage)
	}
	if len(pos) != n {
		return usagef("state %s takes %d argument(s)\n\n%s", sub, n, stateUsage)
	}
	found, err := profiles.ResolveFile(pos[0], profiles.Dirs(*dir))
	if err != nil {
		return usagef("%v", err)
	}
	p, err := profiles.Loader{SkipSecrets: true}.LoadFound(found)
	if err != nil {
		return usagef("invalid profile:\n%v", err)
	}
	loc, err := store.Resolve(outputDir(*out, p.Config))
	if err != nil {
		return usagef("%v", err)
	}
	var change state.Change
	switch sub {
	case "show":
		v, err := state.Show(loc)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case "rewind":
		pages, err := strconv.Atoi(pos[1])
		if err != nil {
			return usagef("state rewind: N is a number of pages, not %q", pos[1])
		}
		change, err = state.Rewind(loc, pages)
		if err != nil {
			return err
		}
	case "set":
		change, err = state.Set(loc, pos[1], pos[2])
		if err != nil && !errors.Is(err, store.ErrFolderInUse) && !errors.Is(err, state.ErrNoState) {
			return usagef("state set: %v", err) // a value of the wrong kind
		}
		if err != nil {
			return err
		}
	case "reset":
		if *part == "" {
			return usagef("state reset takes --partition KEY (to start everything over: siphon run %s --fresh)", shellQuote(pos[0]))
		}
		change, err = state.ResetPartition(loc, *part)
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%s: %s\n", loc, change.Did)
	for _, note := range change.Notes {
		fmt.Fprintf(stdout, "  %s\n", note)
	}
	fmt.Fprintf(stdout, "The previous state is in %s's history. Go on with: siphon run %s\n", loc, shellQuote(pos[0]))
	return nil
}
