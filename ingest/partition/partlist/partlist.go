// Package partlist expands a profile's partitions, reading the values of a
// from: partitioning out of the other profile's run output, and refuses a
// partitioning that cannot run. It is apart from package partition so
// that the profile loader links no jq and no output store.
package partlist

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"siphon/ingest/page"
	"siphon/ingest/partition"
	"siphon/ingest/runstate"
	"siphon/ingest/spec"
	"siphon/ingest/store"
)

// Of expands a profile's partitions in declaration order. A from:
// partitioning reads the other profile's records in From.Dir: only what
// that run's checkpoints vouch for.
func Of(cfg spec.Config) ([]partition.Partition, error) {
	return partition.List(cfg.Partitions, fromValues)
}

// SetOf is Of as a partition.Set, which makes each partition when it is
// asked for: what a run keeps.
func SetOf(cfg spec.Config) (*partition.Set, error) {
	return partition.NewSet(cfg.Partitions, fromValues)
}

// fromValues reads the values of a from: partitioning: the expression
// applied to each record of the other profile's output, distinct, in
// order. Only what that run's checkpoints vouch for is read.
func fromValues(f spec.FromPartitions) ([]string, error) {
	if f.Dir == "" {
		return nil, fmt.Errorf("partitions.from: the output folder of profile %q is not known", f.Profile)
	}
	records := f.Records
	if records == "" {
		records = "."
	}
	expr, err := page.Compile(records)
	if err != nil {
		return nil, fmt.Errorf("partitions.from.records: %w", err)
	}
	var vals []string
	seen := map[string]bool{}
	files := 0
	err = eachVouchedFile(f.Dir, func(vf vouchedFile) error {
		files++
		return eachLine(vf, func(line []byte) error {
			out, err := page.Parse(context.Background(), line).Values(expr)
			if err != nil {
				return fmt.Errorf("partitions.from.records %s on %s: %w", records, vf.loc, err)
			}
			for _, v := range out {
				s := partitionValueText(v)
				if s != "" && !seen[s] {
					seen[s] = true
					vals = append(vals, s)
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	if files == 0 {
		return nil, fmt.Errorf("partitions.from: profile %q has not run yet (no records in %s); run it first: siphon run %s", f.Profile, f.Dir, f.Profile)
	}
	if len(vals) == 0 {
		return nil, fmt.Errorf("partitions.from: %s finds no values in profile %q's records", records, f.Profile)
	}
	return vals, nil
}

// vouchedFile is a run's records (one partition's) and the length its
// checkpoint vouches for.
type vouchedFile struct {
	loc  store.Location
	size int64
}

// eachVouchedFile calls fn with a run's records (one, or one per
// partition, in the partitions' order) and the length its checkpoint
// vouches for, a file at a time: a parent of 50,000 partitions is read
// without a list of them.
func eachVouchedFile(dir string, fn func(vouchedFile) error) error {
	out := store.At(dir)
	keys, err := runStateKeys(out)
	if err != nil {
		return err
	}
	visit := func(loc store.Location) error {
		cp, err := loc.ReadCheckpoint()
		if err != nil {
			return err
		}
		if cp != nil && cp.RecordsBytes > 0 {
			return fn(vouchedFile{loc, cp.RecordsBytes})
		}
		return nil
	}
	if keys == nil {
		return visit(out)
	}
	for _, k := range keys {
		if err := visit(out.Partition(k)); err != nil {
			return err
		}
	}
	return nil
}

// maxLine bounds a record line read back.
const maxLine = 64 << 20

// eachLine calls fn with each line of the first vouched bytes of the
// output's records (a local folder's file, or an object store's
// segments, through its read view).
func eachLine(vf vouchedFile, fn func([]byte) error) error {
	fsys, err := vf.loc.ReadFS()
	if err != nil {
		return err
	}
	j, err := store.OpenJoined(fsys, store.RecordsFile)
	if err != nil {
		return err
	}
	defer j.Close()
	lines := j.Lines(vf.size, maxLine)
	for lines.Next() {
		if lines.Long() {
			return fmt.Errorf("%s in %s: a record longer than %d MiB", lines.Where(), vf.loc, maxLine>>20)
		}
		if line := bytes.TrimSpace(lines.Line()); len(line) > 0 {
			if err := fn(line); err != nil {
				return err
			}
		}
	}
	return lines.Err()
}

// partitionValueText is a JSON value as a partition value: a string as itself,
// null as nothing, anything else as its JSON text.
func partitionValueText(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return ""
	}
	var s string
	if v[0] == '"' && json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(v)
}

// Check refuses a partitioning that cannot run: two kinds, bad
// windows, references the partitioning cannot fill.
func Check(cfg *spec.Config) error {
	if err := partition.CheckRefs(cfg); err != nil {
		return err
	}
	if cfg.Concurrency < 0 {
		return fmt.Errorf("concurrency must be 1 or more, got %d", cfg.Concurrency)
	}
	if kinds := cfg.Partitions.Kinds(); len(kinds) > 1 {
		return fmt.Errorf("partitions: give exactly one of ints, dates, values, from; got %s", strings.Join(kinds, " and "))
	}
	if cfg.Partitions.Kind() == spec.PartitionFrom {
		if _, err := page.Compile(cmpOr(cfg.Partitions.From.Records, ".")); err != nil {
			return fmt.Errorf("partitions.from.records: %w", err)
		}
		return nil
	}
	_, err := Of(*cfg)
	return err
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// runStateKeys are the partition keys a partitioned run's run state in out
// lists (the engine writes it), in the partitions' order; nil when the run
// was not partitioned. Read a line at a time: only the keys are kept.
func runStateKeys(out store.Location) ([]string, error) {
	type keyAt struct {
		index int
		key   string
	}
	var keys []keyAt
	seen := map[string]bool{}
	h, err := runstate.Scan(out, func(l runstate.Line) error {
		if !seen[l.Key] { // a partition's first line defines it
			seen[l.Key] = true
			keys = append(keys, keyAt{l.Index, l.Key})
		}
		return nil
	})
	if h == nil || err != nil {
		return nil, err
	}
	if h.Version >= runstate.Version { // a log lists them as they came: in order of index, as runstate.Read has them
		slices.SortStableFunc(keys, func(a, b keyAt) int { return a.index - b.index })
	}
	list := make([]string, len(keys))
	for i, k := range keys {
		list[i] = k.key
	}
	return list, nil
}
