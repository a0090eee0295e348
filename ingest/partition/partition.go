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
	"fmt"
	"strings"

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
// partitioning asks from for its values; a nil from refuses it. A run
// keeps a Set (NewSet) instead, which makes each when asked.
func List(p spec.PartitionsConfig, from FromValues) ([]Partition, error) {
	return partitions(NewSet(p, from))
}

// Ints is one partition per every ids in [start, end), keyed by the
// window, zero-padded so that keys sort as the windows do.
func Ints(r spec.IntPartitions) ([]Partition, error) { return partitions(intSet(r)) }

// Dates is one partition per every of time in [start, end), keyed by the
// window's start: the day alone when windows are whole days.
func Dates(r spec.DatePartitions) ([]Partition, error) { return partitions(dateSet(r)) }

// Values is one partition per value (partitions.values, or what from:
// read), keyed by the value made file-name-safe.
func Values(vals []string) ([]Partition, error) { return partitions(valueSet(vals)) }

func partitions(s *Set, err error) ([]Partition, error) {
	if err != nil || s.Len() == 0 {
		return nil, err
	}
	return s.Partitions(), nil
}

// valueKey is a value as a folder name: letters, digits, '.', '_' and '-'
// kept, anything else '_', with a short hash of the value added when
// anything was changed, so two values never share a folder.
func valueKey(v string) string {
	if plainKey(v) {
		return v // most values are their own key: no copy
	}
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

// plainKey reports whether valueKey keeps v as it is.
func plainKey(v string) bool {
	if v == "" || v[0] == '.' || len(v) > 80 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !(c == '-' || c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
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
