package ingest

import (
	"errors"
	"runtime/debug"
	"time"

	"siphon/ingest/paginate"
	"siphon/ingest/store"
)

// Version is the siphon version written into the history; the command
// sets it (its build flag). Empty: the module's build information.
var Version string

// historyEntry describes a finished run from its final snapshot.
func historyEntry(s Snapshot, err error, end time.Time) store.HistoryEntry {
	e := store.HistoryEntry{Start: s.Started, End: end, Profile: s.Profile, Pages: s.Pages, Records: s.Records,
		Retries: s.Retries, Sleeps: s.Throttles, Errors: s.Retries, Version: siphonVersion()}
	switch {
	case errors.Is(err, ErrCanceled):
		e.Outcome, e.StopReason = store.OutcomeInterrupted, "interrupted; checkpoint saved"
	case err != nil:
		e.Outcome, e.StopReason, e.Error = store.OutcomeFailed, "error", err.Error()
		e.Errors++
	case s.StopReason == paginate.StopMaxPages:
		e.Outcome, e.StopReason = store.OutcomeStopped, s.StopReason
	default:
		e.Outcome, e.StopReason = store.OutcomeDone, s.StopReason
	}
	return e
}

func siphonVersion() string {
	if Version != "" {
		return Version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "dev"
}

// output is the run's output: the job's, or store.DefaultDir. While a
// call to its store waits (an object store being retried), the run
// says why with a Warning, or it would look hung.
func (rn *runner) output() store.Location {
	loc := rn.out
	if loc == nil {
		out := rn.job.Out
		if out == "" {
			out = store.DefaultDir(rn.c.cfg.Name)
		}
		loc = store.At(out)
	}
	return store.WithWarnings(loc, func(what string) {
		rn.emit(Warning{At: now(), What: what})
		rn.flush() // now: the walk may be waiting for that very store
	})
}
