package main

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"siphon/profiles"
)

func cmdProfiles(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("profiles needs list, show NAME or check FILE...")
	}
	fset := newFlags("profiles "+args[0], stderr)
	dir := fset.String("profiles", "", "folder of saved profiles")
	pos, err := parseFlags(fset, args[1:])
	if err != nil {
		return err
	}
	switch args[0] {
	case "list":
		return profilesList(stdout, profiles.Dirs(*dir))
	case "show":
		if len(pos) != 1 {
			return usagef("profiles show takes one NAME")
		}
		path, err := profiles.Resolve(pos[0], profiles.Dirs(*dir))
		if err != nil {
			return usagef("%v", err)
		}
		p, err := profiles.Loader{SkipSecrets: true}.LoadFile(path)
		if err != nil {
			return usagef("invalid profile:\n%v", err)
		}
		fmt.Fprintf(stdout, "# %s\n", path)
		stdout.Write(profiles.Format(p))
		return nil
	case "check":
		if len(pos) == 0 {
			return usagef("profiles check takes one or more FILEs")
		}
		return profilesCheck(stdout, pos)
	default:
		return usagef("unknown profiles command %q: use list, show or check", args[0])
	}
}

func profilesList(stdout io.Writer, dirs []string) error {
	entries := profiles.Discover(dirs)
	if len(entries) == 0 {
		fmt.Fprintf(stdout, "No saved profiles in %v.\nAdd one with siphon probe URL --save or siphon import curl, write one (see README.md), or try the built-in ones with: siphon demo\n", dirs)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPAGINATION\tAUTH\tDESCRIPTION\tFILE")
	for _, e := range entries {
		desc := e.Description
		if e.Err != nil {
			desc = "INVALID: " + firstLine(e.Err.Error())
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.Name, e.Pagination, e.Auth, desc, e.Path)
	}
	return tw.Flush()
}

// profilesCheck validates files: what is wrong in a file fails the check
// (exit 2); what is missing from this environment (a variable, a secret
// file) is only noted, so profiles can be checked where secrets are not.
func profilesCheck(stdout io.Writer, files []string) error {
	var bad []error
	for _, f := range files {
		if _, err := (profiles.Loader{SkipSecrets: true}).LoadFile(f); err != nil {
			bad = append(bad, err)
			continue
		}
		if _, err := (profiles.Loader{}).LoadFile(f); err != nil {
			fmt.Fprintf(stdout, "%s: ok, but not runnable in this environment:\n%v\n", f, err)
			continue
		}
		fmt.Fprintf(stdout, "%s: ok\n", f)
	}
	if len(bad) > 0 {
		return usagef("%v", errors.Join(bad...))
	}
	return nil
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
