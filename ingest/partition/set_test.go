package partition_test

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"siphon/ingest/partition"
	"siphon/ingest/spec"
)

// expand is a partitioning written out the plain way, one window or value
// after the other, for the set to be checked against.
func expand(t *testing.T, p spec.PartitionsConfig) []partition.Partition {
	t.Helper()
	var parts []partition.Partition
	switch p.Kind() {
	case spec.PartitionInts:
		r := p.Ints
		width := max(6, len(strconv.Itoa(r.End)), len(strconv.Itoa(r.Start)))
		for s := r.Start; s < r.End; s += r.Every {
			e := min(s+r.Every, r.End)
			parts = append(parts, partition.Partition{Key: fmt.Sprintf("%0*d-%0*d", width, s, width, e), Start: strconv.Itoa(s), End: strconv.Itoa(e)})
		}
	case spec.PartitionDates:
		start, _ := time.Parse(time.RFC3339, p.Dates.Start)
		end, _ := time.Parse(time.RFC3339, p.Dates.End)
		start, end = start.UTC(), end.UTC()
		days := p.Dates.Every%(24*time.Hour) == 0 && start.Equal(start.Truncate(24*time.Hour))
		for s := start; s.Before(end); s = s.Add(p.Dates.Every) {
			e := s.Add(p.Dates.Every)
			if e.After(end) {
				e = end
			}
			key := s.Format("2006-01-02T150405Z")
			if days {
				key = s.Format("2006-01-02")
			}
			parts = append(parts, partition.Partition{Key: key, Start: s.Format(time.RFC3339), End: e.Format(time.RFC3339)})
		}
	case spec.PartitionValues:
		for _, v := range p.Values {
			parts = append(parts, partition.Partition{Key: partition.ValueKey(v), Value: v})
		}
	}
	for i := range parts {
		parts[i].Index = i
	}
	return parts
}

// TestSetIsTheList: a set makes, for each position, the partition the
// plain expansion has there; finds each by its key (in a shard, only its
// own); and finds no other key.
func TestSetIsTheList(t *testing.T) {
	hostile := []string{"acme", "a/b", "a_b", "..", "", "ü", strings.Repeat("x", 90), "z", "-1", ".hidden", "0"}
	for _, tc := range []struct {
		name string
		p    spec.PartitionsConfig
	}{
		{"ints", spec.PartitionsConfig{Ints: spec.IntPartitions{Start: 1, End: 1000, Every: 7}}},
		{"ints from zero", spec.PartitionsConfig{Ints: spec.IntPartitions{Start: 0, End: 10_000_000, Every: 1000}}},
		{"ints below zero", spec.PartitionsConfig{Ints: spec.IntPartitions{Start: -120, End: 95, Every: 10}}},
		{"dates by day", spec.PartitionsConfig{Dates: spec.DatePartitions{Start: "2023-12-30T00:00:00Z", End: "2024-03-01T00:00:00Z", Every: 24 * time.Hour}}},
		{"dates by hour from a fraction", spec.PartitionsConfig{Dates: spec.DatePartitions{Start: "2024-01-01T00:00:00.25+02:00", End: "2024-01-03T00:00:00Z", Every: time.Hour}}},
		{"dates by odd seconds", spec.PartitionsConfig{Dates: spec.DatePartitions{Start: "2024-01-01T00:00:00Z", End: "2024-01-01T01:00:00Z", Every: 7 * time.Second}}},
		{"plain values", spec.PartitionsConfig{Values: []string{"9", "10", "1", "b", "A", "a"}}},
		{"values made safe", spec.PartitionsConfig{Values: hostile}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := expand(t, tc.p)
			set, err := partition.NewSet(tc.p, nil)
			if err != nil {
				t.Fatal(err)
			}
			if set.Len() != len(want) || set.Kind() != tc.p.Kind() {
				t.Fatalf("%d partitions of kind %q, want %d of %q", set.Len(), set.Kind(), len(want), tc.p.Kind())
			}
			for i, w := range want {
				if got := set.At(i); got != w || set.Key(i) != w.Key {
					t.Fatalf("at %d: %+v (key %q), want %+v", i, got, set.Key(i), w)
				}
				if j, ok := set.Find(w.Key); !ok || j != i {
					t.Fatalf("find %q: %d %v, want %d", w.Key, j, ok, i)
				}
			}
			for _, key := range []string{"", "nope", want[0].Key + "x", "~"} {
				if j, ok := set.Find(key); ok {
					t.Errorf("find %q: found at %d", key, j)
				}
			}
			for n := 2; n <= 3; n++ {
				for k := 1; k <= n; k++ {
					sh := set.Shard(k, n)
					var mine []partition.Partition
					for _, p := range want {
						if p.Index%n == k-1 {
							mine = append(mine, p)
						}
					}
					if sh.Len() != len(mine) {
						t.Fatalf("shard %d/%d: %d partitions, want %d", k, n, sh.Len(), len(mine))
					}
					for j, p := range mine {
						if got := sh.At(j); got != p {
							t.Fatalf("shard %d/%d at %d: %+v, want %+v", k, n, j, got, p)
						}
					}
					for _, p := range want {
						j, ok := sh.Find(p.Key)
						if own := p.Index%n == k-1; ok != own || own && sh.At(j) != p {
							t.Fatalf("shard %d/%d finds %q: %d %v", k, n, p.Key, j, ok)
						}
					}
				}
			}
		})
	}
}

// TestSetRefusesARepeatedKey: two values with one key are refused, naming
// the first, in declaration order, that repeats an earlier one.
func TestSetRefusesARepeatedKey(t *testing.T) {
	for _, tc := range []struct {
		values []string
		want   string
	}{
		{[]string{"x", "x"}, `"x" appears twice`},
		{[]string{"b", "a", "c", "b", "a"}, `"b" appears twice`},
		{[]string{"z", "a", "a", "z"}, `"a" appears twice`},
	} {
		if _, err := partition.NewSet(spec.PartitionsConfig{Values: tc.values}, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %s", tc.values, err, tc.want)
		}
	}
}

// TestSetIsSmall: a set of 100,000 windows or values holds a few bytes a
// partition besides the values themselves, whatever their number: a run
// keeps its set for as long as it runs.
func TestSetIsSmall(t *testing.T) {
	values := make([]string, 100_000)
	for i := range values {
		values[i] = strconv.Itoa(i * 7)
	}
	for _, tc := range []struct {
		name  string
		p     spec.PartitionsConfig
		bytes int // at most, a partition
	}{
		{"ints", spec.PartitionsConfig{Ints: spec.IntPartitions{Start: 1, End: 2_000_001, Every: 20}}, 1},
		{"dates", spec.PartitionsConfig{Dates: spec.DatePartitions{Start: "2020-01-01T00:00:00Z", End: "2020-01-02T03:46:40Z", Every: time.Second}}, 1},
		{"values", spec.PartitionsConfig{Values: values}, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			set, err := partition.NewSet(tc.p, nil)
			if err != nil {
				t.Fatal(err)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			if set.Len() != 100_000 {
				t.Fatalf("%d partitions", set.Len())
			}
			held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
			if per := held / int64(set.Len()); per > int64(tc.bytes) {
				t.Errorf("the set holds %d bytes, %d a partition; want at most %d", held, per, tc.bytes)
			}
			runtime.KeepAlive(set)
		})
	}
}
