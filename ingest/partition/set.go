package partition

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"siphon/ingest/spec"
)

// Set is a profile's partitions in declaration order (or a shard's of
// them), each made when it is asked for: a window from its position, a
// value's key from the value. A set of 50,000 holds the values it was
// given and an index of four bytes a partition, not 50,000 Partitions:
// a run keeps its set for as long as it runs.
type Set struct {
	total int // partitions in the whole list
	// The set is the whole list's partitions first, first+step, ...: a
	// shard's, or (first 0, step 1) all of them; n of them.
	first, step, n int

	kind string
	// ints
	ints  spec.IntPartitions
	width int
	// dates
	start time.Time // UTC
	end   time.Time
	every time.Duration // whole seconds
	days  bool
	// values
	values []string
	keys   []string // each value's key, only when some key is not its value

	// sorted lists the whole list's indexes in key order, to find a key;
	// nil when a key says its index (windows from 0 up, dates).
	sorted []int32
}

// NewSet expands a profile's partitions as List does, into a Set.
func NewSet(p spec.PartitionsConfig, from FromValues) (*Set, error) {
	if kinds := p.Kinds(); len(kinds) > 1 {
		return nil, fmt.Errorf("partitions: give exactly one of ints, dates, values, from; got %s", strings.Join(kinds, " and "))
	}
	switch p.Kind() {
	case spec.PartitionInts:
		return intSet(p.Ints)
	case spec.PartitionDates:
		return dateSet(p.Dates)
	case spec.PartitionValues:
		return valueSet(p.Values)
	case spec.PartitionFrom:
		if from == nil {
			return nil, fmt.Errorf("partitions.from: the records of profile %q cannot be read here", p.From.Profile)
		}
		vals, err := from(p.From)
		if err != nil {
			return nil, err
		}
		return valueSet(vals)
	}
	if p.Kinds() != nil {
		return nil, errors.New("partitions: ints and dates need every > 0, from needs profile")
	}
	return &Set{step: 1}, nil
}

func intSet(r spec.IntPartitions) (*Set, error) {
	if r.Every <= 0 {
		return nil, fmt.Errorf("partitions.ints: every (%d) must be greater than 0", r.Every)
	}
	if r.End <= r.Start {
		return nil, fmt.Errorf("partitions.ints: end (%d) must be greater than start (%d)", r.End, r.Start)
	}
	n := (r.End - r.Start + r.Every - 1) / r.Every
	if n > Max {
		return nil, fmt.Errorf("partitions.ints: %d partitions, more than %d; raise every", n, Max)
	}
	// At least six digits, so that keys keep their width when end grows.
	s := &Set{kind: spec.PartitionInts, ints: r, width: max(6, len(strconv.Itoa(r.End)), len(strconv.Itoa(r.Start)))}
	s.all(n)
	if r.Start < 0 { // a minus sign does not sort as the numbers do
		if err := s.index(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func dateSet(r spec.DatePartitions) (*Set, error) {
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
	s := &Set{kind: spec.PartitionDates, start: start, end: end, every: r.Every,
		days: r.Every%(24*time.Hour) == 0 && start.Equal(start.Truncate(24*time.Hour))}
	// Counted a window at a time: a span longer than a Duration holds is
	// counted right all the same.
	n := 0
	for t := start; t.Before(end); t = t.Add(r.Every) {
		if n++; n > Max {
			return nil, fmt.Errorf("partitions.dates: more than %d partitions; raise every", Max)
		}
	}
	s.all(n)
	return s, nil // keys are four-digit years on: they ascend as the windows do
}

func valueSet(vals []string) (*Set, error) {
	s := &Set{kind: spec.PartitionValues, values: vals}
	for i, v := range vals {
		if k := valueKey(v); k != v {
			if s.keys == nil {
				s.keys = make([]string, len(vals))
				copy(s.keys, vals[:i]) // the same strings: no bytes copied
			}
			s.keys[i] = k
		} else if s.keys != nil {
			s.keys[i] = v
		}
	}
	s.all(len(vals))
	if err := s.index(); err != nil {
		return nil, err
	}
	return s, nil
}

// all makes s the whole list of n partitions.
func (s *Set) all(n int) { s.total, s.first, s.step, s.n = n, 0, 1, n }

// index sorts the list's indexes by key, to find a key, and refuses two
// partitions with one key: the first (in declaration order) to repeat an
// earlier one's key is named.
func (s *Set) index() error {
	sorted := make([]int32, s.total)
	for i := range sorted {
		sorted[i] = int32(i)
	}
	slices.SortFunc(sorted, func(a, b int32) int {
		if c := strings.Compare(s.key(int(a)), s.key(int(b))); c != 0 {
			return c
		}
		return int(a - b)
	})
	dup := -1
	for j := 1; j < len(sorted); j++ {
		if i := int(sorted[j]); s.key(int(sorted[j-1])) == s.key(i) && (dup < 0 || i < dup) {
			dup = i
		}
	}
	if dup >= 0 {
		return fmt.Errorf("partitions: %s appears twice", s.at(dup).Describe())
	}
	s.sorted = sorted
	return nil
}

// Kind is the partitioning's kind (spec.PartitionInts...); "" for none.
func (s *Set) Kind() string { return s.kind }

// Len is the number of partitions in the set.
func (s *Set) Len() int { return s.n }

// At is the set's i-th partition (0 ≤ i < Len), its Index its place in
// the whole list.
func (s *Set) At(i int) Partition { return s.at(s.first + i*s.step) }

// Key is the key of the set's i-th partition.
func (s *Set) Key(i int) string { return s.key(s.first + i*s.step) }

// Find is the place in the set of the partition with key.
func (s *Set) Find(key string) (int, bool) {
	var idx int
	switch {
	case s.sorted != nil:
		j := sort.Search(len(s.sorted), func(j int) bool { return s.key(int(s.sorted[j])) >= key })
		if j == len(s.sorted) {
			return 0, false
		}
		idx = int(s.sorted[j])
	case s.kind == spec.PartitionInts || s.kind == spec.PartitionDates:
		i, ok := s.window(key)
		if !ok {
			return 0, false
		}
		idx = i
	default:
		idx = sort.Search(s.total, func(i int) bool { return s.key(i) >= key })
	}
	if idx >= s.total || s.key(idx) != key || idx < s.first || (idx-s.first)%s.step != 0 {
		return 0, false
	}
	return (idx - s.first) / s.step, true
}

// window is the index of the window whose key key would be, read off the
// key (its start); the caller checks that it is. Ints from 0 up and dates
// only: their keys begin with their start, as the window does.
func (s *Set) window(key string) (int, bool) {
	switch s.kind {
	case spec.PartitionInts:
		if len(key) < s.width {
			return 0, false
		}
		start, err := strconv.Atoi(key[:s.width])
		if err != nil || start < s.ints.Start || (start-s.ints.Start)%s.ints.Every != 0 {
			return 0, false
		}
		return (start - s.ints.Start) / s.ints.Every, true
	case spec.PartitionDates:
		layout := "2006-01-02T150405Z"
		if s.days {
			layout = "2006-01-02"
		}
		t, err := time.Parse(layout, key)
		secs := int64(s.every / time.Second)
		if err != nil || t.Unix() < s.start.Unix() || (t.Unix()-s.start.Unix())%secs != 0 {
			return 0, false
		}
		if i := (t.Unix() - s.start.Unix()) / secs; i < int64(s.total) {
			return int(i), true
		}
	}
	return 0, false
}

// Shard is the partitions shard k of n runs (--shard K/N): those whose
// index mod n is k-1. With n of 1 or less, the set itself.
func (s *Set) Shard(k, n int) *Set {
	if n <= 1 {
		return s
	}
	sh := *s
	sh.first, sh.step, sh.n = k-1, n, 0
	if k-1 < s.total {
		sh.n = (s.total - (k - 1) + n - 1) / n
	}
	return &sh
}

// Partitions lists the set's partitions: for a few, or a test.
func (s *Set) Partitions() []Partition {
	parts := make([]Partition, s.n)
	for i := range parts {
		parts[i] = s.At(i)
	}
	return parts
}

// at is the whole list's partition at index i.
func (s *Set) at(i int) Partition {
	switch s.kind {
	case spec.PartitionInts:
		start, end := s.intWindow(i)
		return Partition{Index: i, Key: s.intKey(start, end), Start: strconv.Itoa(start), End: strconv.Itoa(end)}
	case spec.PartitionDates:
		start, end := s.dateWindow(i)
		return Partition{Index: i, Key: s.dateKey(start), Start: start.Format(time.RFC3339), End: end.Format(time.RFC3339)}
	}
	return Partition{Index: i, Key: s.key(i), Value: s.values[i]}
}

// key is the key of the whole list's partition at index i.
func (s *Set) key(i int) string {
	switch s.kind {
	case spec.PartitionInts:
		return s.intKey(s.intWindow(i))
	case spec.PartitionDates:
		start, _ := s.dateWindow(i)
		return s.dateKey(start)
	}
	if s.keys != nil {
		return s.keys[i]
	}
	return s.values[i]
}

func (s *Set) intWindow(i int) (start, end int) {
	start = s.ints.Start + i*s.ints.Every
	return start, min(start+s.ints.Every, s.ints.End)
}

// intKey is a window's key, zero-padded so that keys sort as the windows do.
func (s *Set) intKey(start, end int) string {
	return fmt.Sprintf("%0*d-%0*d", s.width, start, s.width, end)
}

func (s *Set) dateWindow(i int) (start, end time.Time) {
	secs := int64(i) * int64(s.every/time.Second) // whole seconds: no Duration overflows
	start = time.Unix(s.start.Unix()+secs, int64(s.start.Nanosecond())).UTC()
	end = start.Add(s.every)
	if end.After(s.end) {
		end = s.end
	}
	return start, end
}

// dateKey is a window's key: its start, the day alone when windows are
// whole days.
func (s *Set) dateKey(start time.Time) string {
	if s.days {
		return start.Format("2006-01-02")
	}
	return start.Format("2006-01-02T150405Z")
}
