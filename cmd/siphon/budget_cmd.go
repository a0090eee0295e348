package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"siphon/ingest/budget"
	"siphon/ingest/termsafe"
)

const budgetUsage = `Usage:
  siphon budget show [ORIGIN]    each origin's shared rate budget: its state file, holds, window
  siphon budget clear ORIGIN     remove the origin's hold and window state (under the file's lock)

Runs on one API origin (scheme://host:port) share a rate budget through a
state file in the user cache folder. A Retry-After leaves a hold there that
every run on the origin waits out. A server that asks for a wait of more
than an hour leaves one too: runs on that origin stop at once (or wait,
where retry.max_retry_after allows) until it ends or is cleared. ORIGIN may be any URL on the origin, e.g.
https://api.example.com.
`

// cmdBudget is 'siphon budget show|clear'.
func cmdBudget(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("budget needs show [ORIGIN] or clear ORIGIN\n\n%s", budgetUsage)
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, budgetUsage)
		return nil
	case "show", "clear":
	default:
		return usagef("unknown budget command %q: use show or clear\n\n%s", args[0], budgetUsage)
	}
	fset := newFlags("budget "+args[0], stderr)
	fset.Usage = func() { fmt.Fprint(stdout, budgetUsage) }
	pos, err := parseFlags(fset, args[1:])
	if err != nil {
		return err
	}
	dir := budget.DefaultDir()
	if dir == "" {
		return errors.New("no user cache folder (set XDG_CACHE_HOME or HOME): there are no shared rate budgets")
	}
	origin := ""
	if len(pos) > 1 || (args[0] == "clear" && len(pos) != 1) {
		return usagef("budget %s takes %s", args[0], map[string]string{"show": "at most one ORIGIN", "clear": "one ORIGIN"}[args[0]])
	}
	if len(pos) == 1 {
		if origin = budget.Origin(pos[0]); origin == "" || !strings.HasPrefix(origin, "http") {
			return usagef("budget %s: %q is not an origin: give scheme://host[:port], e.g. https://api.example.com", args[0], termsafe.Line(pos[0]))
		}
	}
	if args[0] == "clear" {
		return budgetClear(stdout, dir, origin)
	}
	return budgetShow(stdout, dir, origin)
}

func budgetShow(stdout io.Writer, dir, origin string) error {
	states, err := budget.ReadFiles(dir, origin)
	if err != nil {
		return fmt.Errorf("rate budget folder %s: %w", termsafe.Line(dir), err)
	}
	if len(states) == 0 {
		if origin != "" {
			fmt.Fprintf(stdout, "No shared rate budget for %s (no file %s).\n", termsafe.Line(origin), termsafe.Line(budget.FilePath(dir, origin)))
		} else {
			fmt.Fprintf(stdout, "No shared rate budgets in %s.\nA run writes one for an origin once it has a client-side rate or the server sends rate-limit headers.\n", termsafe.Line(dir))
		}
		return nil
	}
	now := time.Now()
	failed := 0
	for i, bs := range states {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		name := bs.Origin
		if name == "" {
			name = "(origin unknown)"
		}
		fmt.Fprintln(stdout, termsafe.Line(name))
		fmt.Fprintf(stdout, "  file       %s\n", termsafe.Line(bs.Path))
		for _, n := range bs.Notes {
			fmt.Fprintf(stdout, "  note       %s\n", termsafe.Line(n))
		}
		if bs.Err != nil {
			failed++
			fmt.Fprintf(stdout, "  problem    %s\n", termsafe.Line(bs.Err.Error()))
			continue
		}
		if bs.Origin == "" {
			continue
		}
		if h := bs.Hold; h != nil {
			fmt.Fprintf(stdout, "  hold       until %s (in %s), set %s: %s\n", h.Until.Format(time.RFC3339), h.Until.Sub(now).Round(time.Second), h.Since.Format(time.RFC3339), termsafe.Line(h.Why))
			fmt.Fprintf(stdout, "             runs on this origin stop until then (or wait, where retry.max_retry_after allows); remove it with: siphon budget clear %s\n", termsafe.Line(bs.Origin))
		} else {
			fmt.Fprintf(stdout, "  hold       none\n")
		}
		if bs.Limit >= 0 || bs.Remaining >= 0 {
			reset := "unknown"
			if !bs.Reset.IsZero() {
				reset = fmt.Sprintf("%s (in %s)", bs.Reset.Format(time.RFC3339), bs.Reset.Sub(now).Round(time.Second))
			}
			fmt.Fprintf(stdout, "  window     %d of %d left, resets %s\n", bs.Remaining, bs.Limit, reset)
		} else {
			fmt.Fprintf(stdout, "  window     not known\n")
		}
		if !bs.Next.IsZero() {
			fmt.Fprintf(stdout, "  next       client-side pace: next request at %s\n", bs.Next.Format(time.RFC3339Nano))
		}
		fmt.Fprintf(stdout, "  requests   %d counted\n", bs.Sent)
		fmt.Fprintf(stdout, "  processes  %d sending now\n", bs.Processes)
	}
	if failed > 0 {
		return fmt.Errorf("%d rate budget state file(s) could not be read (see problem above)", failed)
	}
	return nil
}

func budgetClear(stdout io.Writer, dir, origin string) error {
	was, err := budget.Clear(dir, origin)
	for _, n := range was.Notes {
		fmt.Fprintf(stdout, "note: %s\n", termsafe.Line(n))
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(stdout, "Nothing to clear: no shared rate budget for %s (no file %s).\n", termsafe.Line(origin), termsafe.Line(was.Path))
		return nil
	case err != nil:
		return errors.New(termsafe.Line(err.Error()))
	}
	if h := was.Hold; h != nil {
		fmt.Fprintf(stdout, "Cleared the hold on %s until %s (%s) in %s.\n", termsafe.Line(origin), h.Until.Format(time.RFC3339), termsafe.Line(h.Why), termsafe.Line(was.Path))
	} else {
		fmt.Fprintf(stdout, "No hold on %s; its window state in %s is cleared.\n", termsafe.Line(origin), termsafe.Line(was.Path))
	}
	fmt.Fprintln(stdout, "Runs on that origin go on with their next request; a server that still says its budget is spent sets a new hold.")
	return nil
}
