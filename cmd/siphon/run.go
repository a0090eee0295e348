package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"siphon/ingest"
	"siphon/ingest/budget"
	"siphon/ingest/jqguard"
	"siphon/ingest/page"
	"siphon/ingest/spec"
	"siphon/ingest/store"
	"siphon/profiles"
)

// runFlags are the flags `run` shares with the console and probe.
type runFlags struct {
	out         string
	fresh       bool
	maxPages    int
	baseURL     string
	log         string
	dir         string
	concurrency int
	shard       string
	jqMemory    int    // MiB
	env         string // --env NAME: PROFILE_DIR/env/NAME.env overrides ${VAR}s
}

func (f *runFlags) register(fsName string, stderr io.Writer) *flag.FlagSet {
	fs := newFlags(fsName, stderr)
	fs.StringVar(&f.out, "out", "", "output folder (default: the profile's output.dir, else ./siphon-data/NAME)")
	fs.BoolVar(&f.fresh, "fresh", false, "discard the checkpoint and start over; the old output is moved aside")
	fs.IntVar(&f.maxPages, "max-pages", 0, "stop after N pages (resumable)")
	fs.StringVar(&f.baseURL, "base-url", "", "override the profile's base_url")
	fs.StringVar(&f.log, "log", "text", "event log format on stderr: text or json")
	fs.StringVar(&f.dir, "profiles", "", "folder of saved profiles")
	fs.IntVar(&f.concurrency, "concurrency", 0, "partitions in flight at once (default: the profile's concurrency, else 1)")
	fs.StringVar(&f.env, "env", "", "named environment: values from PROFILE_DIR/env/NAME.env override ${VAR}s")
	fs.StringVar(&f.shard, "shard", "", "run only shard K/N of the partitions, into OUT/shard-K-of-N (index/N: K is $JOB_COMPLETION_INDEX+1, as a Kubernetes Indexed Job sets it)")
	fs.IntVar(&f.jqMemory, "jq-memory", jqguard.DefaultLimit>>20, "stop a jq expression once siphon's heap passes this many MiB (0: no bound)")
	return fs
}

// interruptedError is a run stopped by a signal after saving its checkpoint.
type interruptedError struct{ msg string }

func (e *interruptedError) Error() string { return e.msg }

func cmdRun(args []string, stdout, stderr io.Writer) error {
	var f runFlags
	fs := f.register("run", stderr)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("run takes one PROFILE (a saved profile's name or a .yaml file)")
	}
	if f.log != "text" && f.log != "json" {
		return usagef("--log must be text or json, not %q", f.log)
	}
	if f.maxPages < 0 {
		return usagef("--max-pages must not be negative")
	}
	job, err := f.partitionJob()
	if err != nil {
		return err
	}
	prof, err := loadProfile(pos[0], f.dir, f.env)
	if err != nil {
		return err
	}
	cfg := prof.Config
	if f.baseURL != "" {
		cfg.BaseURL = f.baseURL
	}
	if job.Shard != (ingest.Shard{}) && cfg.Partitions.Kind() == "" {
		// Every shard would fetch everything: on N machines, N times.
		return usagef("--shard %s: profile %s has no partitions to split; add partitions: to it (see docs/partitions.md), or run it without --shard", f.shard, cfg.Name)
	}
	if err := resolveFrom(&cfg, prof.Path, f.dir); err != nil {
		return err
	}
	// One budget per API origin, shared with the consoles and runs of this machine.
	client, err := ingest.New(cfg, ingest.WithJQMemoryLimit(int64(f.jqMemory)<<20), ingest.WithBudgets(budget.NewRegistry(budget.DefaultDir())))
	if err != nil {
		return usagef("profile %s: %v", cfg.Name, err)
	}
	out := outputDir(f.out, cfg)
	if _, err := store.Resolve(out); err != nil {
		return usagef("--out %s: %v", out, err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C kills at once
	}()
	job.Out, job.Fresh, job.MaxPages = out, f.fresh, f.maxPages
	job.Headless = true // nobody inspects its pages: no previews or samples to copy
	if line := sendsLine(prof, cfg); line != "" {
		if f.log == "json" {
			// The same first line, as the log's first JSON object.
			b, _ := json.Marshal(map[string]string{"type": "sends", "profile": cfg.Name, "text": line})
			fmt.Fprintln(stderr, string(b))
		} else {
			fmt.Fprintln(stderr, line)
		}
	}
	run := client.Start(ctx, job)
	var rep reporter
	if f.log == "json" {
		rep = newJSONReporter(stderr)
	} else {
		rep = newTextReporter(stderr, cfg.Name)
	}
	watch(run, rep, time.Second)
	return runResult(run, cfg.Name, f.resumeCommand(pos[0], out, cfg.Name))
}

// resumeCommand is the command that goes on with this run: the profile as
// given and every flag that shaped which data it fetches and where it is
// written (not --fresh, which would start over, nor --max-pages, which
// would stop again).
func (f *runFlags) resumeCommand(arg, out, name string) string {
	cmd := "siphon run " + shellQuote(arg)
	if f.dir != "" {
		cmd += " --profiles " + shellQuote(f.dir)
	}
	if out != store.DefaultDir(name) {
		cmd += " --out " + shellQuote(out)
	}
	if f.baseURL != "" {
		cmd += " --base-url " + shellQuote(f.baseURL)
	}
	if f.shard != "" {
		cmd += " --shard " + shellQuote(f.shard)
	}
	if f.concurrency > 0 {
		cmd += fmt.Sprintf(" --concurrency %d", f.concurrency)
	}
	return cmd
}

// runResult turns how a run ended into the exit code's error and a message
// that says how to go on (resume: the command that does).
func runResult(run *ingest.Run, name, resume string) error {
	err := run.Wait()
	snap := run.Snapshot()
	if errors.Is(err, store.ErrFolderRefused) {
		return usagef("%s: %v", name, err) // nothing ran: a folder to choose, not a run to resume
	}
	if snap.Partitions != nil && err != nil {
		return partitionsResult(err, snap, name, resume)
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ingest.ErrCanceled):
		return &interruptedError{fmt.Sprintf("%s interrupted after page %d (%d records); checkpoint saved. Resume with: %s", name, snap.Pages, snap.Records, resume)}
	default:
		var changed *ingest.ProfileChangedError
		if errors.As(err, &changed) {
			return usagef("%s: %v", name, err)
		}
		if errors.Is(err, store.ErrCheckpointDamaged) || errors.Is(err, store.ErrFolderInUse) {
			return fmt.Errorf("%s: %v", name, err)
		}
		return fmt.Errorf("run %s failed: %v\nThe checkpoint holds %d pages (%d records). Resume with: %s", name, err, snap.SavedPages, snap.SavedRecords, resume)
	}
}

func outputDir(flagOut string, cfg spec.Config) string {
	switch {
	case flagOut != "":
		return flagOut
	case cfg.Output.Dir != "":
		return cfg.Output.Dir
	default:
		return store.DefaultDir(cfg.Name)
	}
}

// loadProfile finds and loads a profile by name or path. Problems with it
// are usage errors (exit 2).
func loadProfile(arg, dir, env string) (*profiles.Profile, error) {
	found, err := profiles.ResolveFile(arg, profiles.Dirs(dir)) // parsed once: found by name, loaded from that
	if err != nil {
		return nil, usagef("%v", err)
	}
	p, err := profiles.Loader{CheckExpr: page.Check, Env: env}.LoadFound(found)
	var approval *profiles.ApprovalError
	switch {
	case errors.As(err, &approval):
		return nil, usagef("%v", err)
	case err != nil:
		return nil, usagef("invalid profile:\n%v", err)
	}
	return p, nil
}

// sendsLine is a run's first line when the profile sends values from the
// environment, files or commands: which, and to which origin.
func sendsLine(p *profiles.Profile, cfg spec.Config) string {
	shown := *p
	shown.Config = cfg // after --base-url
	if line := shown.SendsLine(); line != "" {
		return fmt.Sprintf("siphon: %s %s", cfg.Name, line)
	}
	return ""
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	for _, r := range s {
		if !(r == '-' || r == '_' || r == '.' || r == '/' || r == ':' || r == '=' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}
