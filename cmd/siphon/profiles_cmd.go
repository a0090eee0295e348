package main

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"siphon/ingest/page"
	"siphon/ingest/termsafe"
	"siphon/profiles"
)

const profilesUsage = `Usage:
  siphon profiles list                 list the saved profiles
  siphon profiles show NAME            print one profile (secrets as references)
  siphon profiles check FILE...        validate profile files; say what each reads, runs, writes and sends where
  siphon profiles trust FILE|NAME...   approve a profile, as it is now, to read, run and write outside its folder
Each takes --profiles DIR (where saved profiles live).
`

// isHelp reports whether a command group's first word asks for its usage.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}

func cmdProfiles(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprint(stdout, profilesUsage)
		return nil
	}
	if len(args) == 0 {
		return usagef("profiles needs list, show NAME, check FILE... or trust FILE...\n\n%s", profilesUsage)
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
		found, err := profiles.ResolveFile(pos[0], profiles.Dirs(*dir))
		if err != nil {
			return usagef("%v", err)
		}
		p, err := profiles.Loader{CheckExpr: page.Check, SkipSecrets: true}.LoadFound(found)
		if err != nil {
			return usagef("invalid profile:\n%v", err)
		}
		fmt.Fprintf(stdout, "# %s\n", termsafe.Line(found.Path))
		stdout.Write(profiles.Format(p))
		return nil
	case "check":
		if len(pos) == 0 {
			return usagef("profiles check takes one or more FILEs")
		}
		return profilesCheck(stdout, pos)
	case "trust":
		if len(pos) == 0 {
			return usagef("profiles trust takes one or more FILEs (or saved profile NAMEs)")
		}
		return profilesTrust(stdout, pos, profiles.Dirs(*dir))
	default:
		return usagef("unknown profiles command %q: use list, show, check or trust", args[0])
	}
}

func profilesList(stdout io.Writer, dirs []string) error {
	entries := profiles.Loader{CheckExpr: page.Check}.Discover(dirs)
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
		// a profile is somebody's text: shown on one line, controls visible,
		// before the columns are measured
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", termsafe.Line(e.Name), termsafe.Line(e.Pagination), termsafe.Line(e.Auth), termsafe.Line(desc), termsafe.Line(e.Path))
	}
	return tw.Flush()
}

// profilesCheck validates files: what is wrong in a file fails the check
// (exit 2); what is missing from this environment (a variable, a secret
// file) is only noted, so profiles can be checked where secrets are not.
func profilesCheck(stdout io.Writer, files []string) error {
	var bad []error
	for _, f := range files {
		p, err := (profiles.Loader{CheckExpr: page.Check, SkipSecrets: true}).LoadFile(f)
		if err != nil {
			bad = append(bad, err)
			continue
		}
		_, err = (profiles.Loader{CheckExpr: page.Check}).LoadFile(f)
		var approval *profiles.ApprovalError
		switch {
		case errors.As(err, &approval):
			fmt.Fprintf(stdout, "%s: ok, but it needs your approval before it runs (siphon profiles trust %s)\n", f, shellQuote(f))
		case err != nil:
			fmt.Fprintf(stdout, "%s: ok, but not runnable in this environment:\n%v\n", f, err)
		default:
			fmt.Fprintf(stdout, "%s: ok\n", f)
		}
		writeAccesses(stdout, p)
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

// writeAccesses lists what a profile reads, runs, writes and sends where,
// marking what waits for approval.
func writeAccesses(w io.Writer, p *profiles.Profile) {
	for _, a := range p.Accesses() {
		line := a.Describe()
		if a.Kind == profiles.Sends {
			line = fmt.Sprintf("sends %s (%s) to %s", termsafe.Line(a.What), a.Field, p.Origin(a.To))
		}
		if a.NeedsApproval() {
			line += "  [needs approval]"
		}
		fmt.Fprintf(w, "  %s\n", line)
	}
}

// profilesTrust approves profile files as they are now: what they read, run
// and write outside their folders is allowed until their content changes.
func profilesTrust(stdout io.Writer, args []string, dirs []string) error {
	store := profiles.DefaultApprovals()
	for _, arg := range args {
		found, err := profiles.ResolveFile(arg, dirs)
		if err != nil {
			return usagef("%v", err)
		}
		path := found.Path
		p, err := (profiles.Loader{CheckExpr: page.Check, SkipSecrets: true}).LoadFound(found)
		if err != nil {
			return usagef("invalid profile, not approved:\n%v", err)
		}
		if err := store.Approve(p.Hash, path); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: approved (sha256 %s); it may now do what follows, until its content changes\n", termsafe.Line(path), p.Hash[:12])
		writeAccesses(stdout, p)
	}
	return nil
}
