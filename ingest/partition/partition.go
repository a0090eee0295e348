// Package partition lists the partitions a profile declares (partitions:
// ints, dates, values or from) with their file-name-safe keys, checks the
// ${partition.start}, ${partition.end} and ${partition.value} references a
// profile's requests use, and fills them in safely. It knows nothing of
// running them (the engine's scheduler does) nor of reading another
// profile's records (the engine reads those for from: and hands the values
// over), so the profile loader can use it without linking the engine.
package partition

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"siphon/ingest/spec"
)

// Partition is one slice of a partitioned profile's data, walked on its own
// with its own checkpoint and records under OUT/partitions/KEY/.
type Partition struct {
	Index int    `json:"index"` // place in declaration order, from 0
	Key   string `json:"key"`   // file-name-safe, unique within the profile
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
	Value string `json:"value,omitempty"`
}

// Describe is the partition's window or value, for messages.
func (p Partition) Describe() string {
	if p.Start != "" || p.End != "" {
		return fmt.Sprintf("[%s, %s)", p.Start, p.End)
	}
	return fmt.Sprintf("%q", p.Value)
}

// Dir is the folder under a run's output that holds one folder per
// partition.
const Dir = "partitions"

// Max bounds a partition list: each is a folder and a walk.
const Max = 100_000

// FromValues reads the values of a from: partitioning (the other profile's
// records): the engine's job, not this package's.
type FromValues func(spec.FromPartitions) ([]string, error)

// List expands a profile's partitions in declaration order. A from:
// partitioning asks from for its values; a nil from refuses it.
func List(p spec.PartitionsConfig, from FromValues) ([]Partition, error) {
	if kinds := p.Kinds(); len(kinds) > 1 {
		return nil, fmt.Errorf("partitions: give exactly one of ints, dates, values, from; got %s", strings.Join(kinds, " and "))
	}
	switch p.Kind() {
	case spec.PartitionInts:
		return Ints(p.Ints)
	case spec.PartitionDates:
		return Dates(p.Dates)
	case spec.PartitionValues:
		return Values(p.Values)
	case spec.PartitionFrom:
		if from == nil {
			return nil, fmt.Errorf("partitions.from: the records of profile %q cannot be read here", p.From.Profile)
		}
		vals, err := from(p.From)
		if err != nil {
			return nil, err
		}
		return Values(vals)
	}
	if p.Kinds() != nil {
		return nil, errors.New("partitions: ints and dates need every > 0, from needs profile")
	}
	return nil, nil
}

// Ints is one partition per every ids in [start, end), keyed by the
// window, zero-padded so that keys sort as the windows do.
func Ints(r spec.IntPartitions) ([]Partition, error) {
	if r.Every <= 0 {
		return nil, fmt.Errorf("partitions.ints: every (%d) must be greater than 0", r.Every)
	}
	if r.End <= r.Start {
		return nil, fmt.Errorf("partitions.ints: end (%d) must be greater than start (%d)", r.End, r.Start)
	}
	if n := (r.End - r.Start + r.Every - 1) / r.Every; n > Max {
		return nil, fmt.Errorf("partitions.ints: %d partitions, more than %d; raise every", n, Max)
	}
	// At least six digits, so that keys keep their width when end grows.
	width := max(6, len(strconv.Itoa(r.End)), len(strconv.Itoa(r.Start)))
	var parts []Partition
	for s := r.Start; s < r.End; s += r.Every {
		e := min(s+r.Every, r.End)
		parts = append(parts, Partition{Key: fmt.Sprintf("%0*d-%0*d", width, s, width, e), Start: strconv.Itoa(s), End: strconv.Itoa(e)})
	}
	return number(parts)
}

// Dates is one partition per every of time in [start, end), keyed by the
// window's start: the day alone when windows are whole days.
func Dates(r spec.DatePartitions) ([]Partition, error) {
	start, err := time.Parse(time.RFC3339, r.Start)
	if err != nil {
		return nil, fmt.Errorf("partitions.dates.start: %q is not an RFC 3339 time (2024-01-01T00:00:00Z)", r.Start)
	}
	end, err := time.Parse(time.RFC3339, r.End)
	if err != nil {
		return nil, fmt.Errorf("partitions.dates.end: %q is not an RFC 3339 time (2025-01-01T00:00:00Z)", r.End)
	}
	if !end.After(start) {
		return nil, fmt.Errorf("partitions.dates: end (%s) must be after start (%s)", r.End, r.Start)
	}
	// Windows are written as RFC 3339 times without fractions, and their
	// folders are named to the second: a window must be whole seconds.
	if r.Every < time.Second {
		return nil, fmt.Errorf("partitions.dates: every (%s) must be at least 1s: windows are whole seconds (for finer slices of data use partitions.ints, or pagination)", r.Every)
	}
	if r.Every%time.Second != 0 {
		return nil, fmt.Errorf("partitions.dates: every (%s) must be a whole number of seconds, e.g. %s", r.Every, r.Every.Truncate(time.Second))
	}
	if n := end.Sub(start) / r.Every; n > Max {
		return nil, fmt.Errorf("partitions.dates: %d partitions, more than %d; raise every", n, Max)
	}
	start, end = start.UTC(), end.UTC()
	days := r.Every%(24*time.Hour) == 0 && start.Equal(start.Truncate(24*time.Hour))
	var parts []Partition
	for s := start; s.Before(end); s = s.Add(r.Every) {
		e := s.Add(r.Every)
		if e.After(end) {
			e = end
		}
		key := s.Format("2006-01-02T150405Z")
		if days {
			key = s.Format("2006-01-02")
		}
		parts = append(parts, Partition{Key: key, Start: s.Format(time.RFC3339), End: e.Format(time.RFC3339)})
	}
	return number(parts)
}

// Values is one partition per value (partitions.values, or what from:
// read), keyed by the value made file-name-safe.
func Values(vals []string) ([]Partition, error) {
	var parts []Partition
	for _, v := range vals {
		parts = append(parts, Partition{Key: valueKey(v), Value: v})
	}
	return number(parts)
}

// number sets each partition's index and refuses two with one key.
func number(parts []Partition) ([]Partition, error) {
	seen := map[string]bool{}
	for i := range parts {
		parts[i].Index = i
		if seen[parts[i].Key] {
			return nil, fmt.Errorf("partitions: %s appears twice", parts[i].Describe())
		}
		seen[parts[i].Key] = true
	}
	return parts, nil
}

// valueKey is a value as a folder name: letters, digits, '.', '_' and '-'
// kept, anything else '_', with a short hash of the value added when
// anything was changed, so two values never share a folder.
func valueKey(v string) string {
	var b strings.Builder
	changed := v == "" || strings.HasPrefix(v, ".")
	for _, r := range v {
		if r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
			changed = true
		}
	}
	key := b.String()
	if len(key) > 80 {
		key, changed = key[:80], true
	}
	if changed {
		sum := sha256.Sum256([]byte(v))
		key = strings.TrimLeft(key, ".") + "~" + hex.EncodeToString(sum[:4])
	}
	return key
}

// ForShard is the partitions shard k of n runs (--shard K/N): those whose
// index mod n is k-1. With n of 1 or less, all of them.
func ForShard(parts []Partition, k, n int) []Partition {
	if n <= 1 {
		return parts
	}
	mine := parts[:0:0] // empty, not nil, when none is this shard's
	for _, p := range parts {
		if p.Index%n == k-1 {
			mine = append(mine, p)
		}
	}
	return mine
}
