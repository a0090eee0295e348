package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"siphon/ingest/page"
	"siphon/ingest/replay"
	"siphon/ingest/store"
	"siphon/ingest/termsafe"
	"siphon/profiles"
)

// cmdReplay re-walks a run's archived pages with the profile as it is now,
// offline, and prints both walks and where they differ: exit 0 when they
// agree, 1 when they differ, 2 on trouble.
func cmdReplay(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("replay", stderr)
	out := fs.String("out", "", "the run's output folder or s3://BUCKET/PREFIX (default: the profile's output.dir, else ./siphon-data/NAME)")
	write := fs.String("write", "", "also write the replayed records into this folder or s3://BUCKET/PREFIX, as a run writes them")
	dir := fs.String("profiles", "", "folder of saved profiles")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("replay takes one PROFILE")
	}
	found, err := profiles.ResolveFile(pos[0], profiles.Dirs(*dir))
	if err != nil {
		return usagef("%v", err)
	}
	// Offline: no secret is needed, none is read.
	p, err := profiles.Loader{SkipSecrets: true, CheckExpr: page.Check}.LoadFound(found)
	if err != nil {
		return usagef("invalid profile:\n%v", err)
	}
	cfg := p.Config
	root, err := store.Resolve(outputDir(*out, cfg))
	if err != nil {
		return usagef("%v", err)
	}
	var dest store.Location
	if *write != "" {
		if dest, err = store.Resolve(*write); err != nil {
			return usagef("%v", err)
		}
	}
	folders, err := replay.Folders(root)
	if err != nil {
		return usagef("%v", err)
	}
	fmt.Fprintf(stdout, "siphon replay %s: the pages archived in %s, walked again with the profile as it is now (no request sent)\n", cfg.Name, root)
	differ := false
	for _, f := range folders {
		orig, err := replay.Original(f.Out, cfg.PrimaryKey)
		if err != nil {
			return usagef("%v", err)
		}
		var out *replayOutput
		if dest != nil {
			// Written as a run writes an output: through the store (its
			// own folder rules, lock and checkpoint), never a raw path.
			to := dest
			if f.Partition != "" {
				to = dest.Partition(f.Partition)
			}
			if out, err = openReplayOutput(to, cfg.Name); err != nil {
				return err
			}
		}
		now, err := replay.Run(context.Background(), cfg, f.Out, replay.Options{Write: out.write()})
		if cerr := out.close(now.Stop); err == nil {
			err = cerr
		}
		if err != nil {
			return usagef("%v", err)
		}
		if f.Partition != "" {
			fmt.Fprintf(stdout, "\npartition %s\n", termsafe.Line(f.Partition))
		}
		writeWalks(stdout, orig, now)
		if diff := replay.Diff(orig, now); len(diff) > 0 {
			differ = true
			fmt.Fprintln(stdout, "Where they differ:")
			for _, d := range diff {
				fmt.Fprintln(stdout, "  "+d)
			}
		} else {
			fmt.Fprintln(stdout, "The walks agree.")
		}
	}
	if *write != "" {
		fmt.Fprintf(stdout, "Replayed records are in %s.\n", *write)
	}
	if differ {
		return errWalksDiffer
	}
	return nil
}

// errWalksDiffer is replay's exit 1: like diff, not a failure to report.
var errWalksDiffer = &quietError{code: exitFailed}

// writeWalks prints the original walk beside the replay, a page a line.
func writeWalks(w io.Writer, orig, now replay.Walk) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PAGE\tRECORDS\tKEYS\tNEXT OR STOP\t│ REPLAY RECORDS\tKEYS\tNEXT OR STOP")
	n := max(len(orig.Pages), len(now.Pages))
	for i := 0; i < n; i++ {
		left, right := "\t\t\t", "\t\t"
		if i < len(orig.Pages) {
			left = pageCells(orig.Pages[i])
		}
		if i < len(now.Pages) {
			right = pageCells(now.Pages[i])
		}
		fmt.Fprintf(tw, "%d\t%s\t│ %s\n", i+1, left, right)
	}
	tw.Flush()
	fmt.Fprintf(w, "original: %d pages, stopped: %s · replay: %d pages, stopped: %s\n", len(orig.Pages), orNone(orig.Stop), len(now.Pages), orNone(now.Stop))
}

func pageCells(p replay.Page) string {
	// The API's words: cleaned before tabwriter measures the columns.
	keys, next := termsafe.Line(p.Keys()), cutRunes(termsafe.Line(p.Next()), 60)
	return fmt.Sprintf("%d\t%s\t%s", p.Records, keys, next)
}

// replayOutput is a --write folder: a store the replay writes records into.
type replayOutput struct {
	st      store.Store
	w       store.Writer
	profile string
}

func openReplayOutput(loc store.Location, profile string) (*replayOutput, error) {
	st, err := loc.Claim(true) // a replay writes the records anew; an earlier replay's go aside
	if err != nil {
		return nil, err
	}
	w, err := st.Open(nil, store.Options{})
	if err != nil {
		st.Release()
		return nil, err
	}
	return &replayOutput{st: st, w: w, profile: profile}, nil
}

// write is what the replay hands each record to; nil without --write.
func (o *replayOutput) write() func([]byte) error {
	if o == nil {
		return nil
	}
	return func(rec []byte) error {
		// Accepted as a page's are: a writer into segments uploads only
		// the records of ended pages.
		o.w.BeginPage()
		if err := o.w.WriteRecords([]json.RawMessage{rec}); err != nil {
			return err
		}
		o.w.EndPage()
		return nil
	}
}

// close commits the records with a checkpoint that says a replay wrote them.
func (o *replayOutput) close(stop string) error {
	if o == nil {
		return nil
	}
	defer o.st.Release()
	err := o.w.Commit(&store.Checkpoint{Profile: o.profile, Done: true, StopReason: "replayed offline: " + stop})
	if cerr := o.w.Close(); err == nil {
		err = cerr
	}
	return err
}
