package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"siphon/ingest"
	"siphon/ingest/page"
	"siphon/ingest/partition/partlist"
	"siphon/ingest/spec"
	"siphon/ingest/store"
	"siphon/profiles"
)

// partitionJob reads --concurrency and --shard.
func (f *runFlags) partitionJob() (ingest.Job, error) {
	var job ingest.Job
	if f.concurrency < 0 {
		return job, usagef("--concurrency must be 1 or more")
	}
	job.Concurrency = f.concurrency
	if f.shard != "" {
		k, err := expandShard(f.shard, os.LookupEnv)
		if err != nil {
			return job, usagef("--shard %v", err)
		}
		sh, err := ingest.ParseShard(k)
		if err != nil {
			return job, usagef("--shard: %v", err)
		}
		job.Shard = sh
	}
	return job, nil
}

// resolveFrom finds the output folder of the profile a from: partitioning
// reads, as `siphon run` would for that profile: a profile file beside this
// one, else a saved profile; its output.dir, else ./siphon-data/NAME.
func resolveFrom(cfg *spec.Config, path, dir string) error {
	from := &cfg.Partitions.From
	if from.Profile == "" || from.Dir != "" {
		return nil
	}
	parent := &profiles.Found{}
	if path != "" {
		for _, ext := range []string{".yaml", ".yml"} {
			if p := filepath.Join(filepath.Dir(path), from.Profile+ext); fileExists(p) {
				parent.Path = p
				break
			}
		}
	}
	if parent.Path == "" {
		found, err := profiles.ResolveFile(from.Profile, profiles.Dirs(dir))
		if err != nil {
			return usagef("partitions.from.profile: %v", err)
		}
		parent = found
	}
	p, err := profiles.Loader{CheckExpr: page.Check, SkipSecrets: true}.LoadFound(parent)
	if err != nil {
		return usagef("partitions.from.profile %s: %v", from.Profile, err)
	}
	from.Dir = outputDir("", p.Config)
	if _, err := partlist.SetOf(*cfg); err != nil {
		return usagef("profile %s: %v", cfg.Name, err)
	}
	return nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// partitionsResult explains how a partitioned run ended.
func partitionsResult(err error, snap ingest.Snapshot, name, resume string) error {
	sum := snap.Partitions
	var failed *ingest.PartitionsFailedError
	var changed *ingest.ProfileChangedError
	switch {
	case errors.Is(err, ingest.ErrCanceled):
		return &interruptedError{fmt.Sprintf("%s interrupted: %d of %d partitions done, %d records; checkpoints saved. Resume with: %s", name, sum.Done, sum.Total, snap.Records, resume)}
	case errors.As(err, &failed):
		return fmt.Errorf("run %s: %v\n%d of %d partitions done (%d records). A run again fetches only what is not done: %s", name, err, sum.Done, sum.Total, snap.Records, resume)
	case errors.As(err, &changed):
		return usagef("%s: %v", name, err)
	case errors.Is(err, store.ErrCheckpointDamaged):
		return fmt.Errorf("%s: %v", name, err)
	default:
		return fmt.Errorf("run %s failed: %v\nResume with: %s", name, err, resume)
	}
}

// partitionProgress is the progress line of a partitioned run:
// "12/40 done · 8 running · 1 failed · 143,000 records · 96 req/s of 100".
func partitionProgress(s ingest.Snapshot, reqRate float64) string {
	p := s.Partitions
	parts := []string{fmt.Sprintf("%d/%d done", p.Done, p.Total)}
	if p.Running > 0 {
		parts = append(parts, fmt.Sprintf("%d running", p.Running))
	}
	if p.Paused > 0 {
		parts = append(parts, fmt.Sprintf("%d paused", p.Paused))
	}
	if p.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", p.Failed))
	}
	parts = append(parts, count(s.Records)+" records")
	rate := fmt.Sprintf("%.0f req/s", reqRate)
	switch {
	case p.Rate > 0:
		rate += fmt.Sprintf(" of %g", p.Rate)
	case p.ServerLimit > 0:
		rate += fmt.Sprintf(" (server limit %d)", p.ServerLimit)
	}
	return strings.Join(append(parts, rate), " · ")
}

// requestRate is requests per second between two snapshots.
type requestRate struct {
	last int64
	at   time.Time
}

func (r *requestRate) next(total int64, now time.Time) float64 {
	var v float64
	if !r.at.IsZero() {
		v = float64(total-r.last) / max(now.Sub(r.at).Seconds(), 1e-3)
	}
	r.last, r.at = total, now
	return v
}
