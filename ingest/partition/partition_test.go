package partition_test

import (
	"strings"
	"testing"
	"time"

	"siphon/ingest/partition"
	"siphon/ingest/spec"
)

// TestPartitionDateWindowsAreWholeSeconds: a sub-second every is refused
// with a message that says what to use.
func TestPartitionDateWindowsAreWholeSeconds(t *testing.T) {
	cases := []struct {
		every string
		want  string // "" when accepted
	}{
		{"500ms", "every (500ms) must be at least 1s"},
		{"1ns", "every (1ns) must be at least 1s"},
		{"1500ms", "every (1.5s) must be a whole number of seconds"},
		{"1s", ""},
		{"24h", ""},
	}
	for _, tc := range cases {
		t.Run(tc.every, func(t *testing.T) {
			d, err := time.ParseDuration(tc.every)
			if err != nil {
				t.Fatal(err)
			}
			parts, err := partition.Dates(spec.DatePartitions{Start: "2024-01-01T00:00:00Z", End: "2024-01-01T00:00:10Z", Every: d})
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want == "" && len(parts) == 0:
				t.Fatal("no partitions")
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// TestListKeys: each kind's keys are file-name-safe, ordered as declared,
// and a value's key never collides with another value's.
func TestListKeys(t *testing.T) {
	keys := func(parts []partition.Partition, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var ks []string
		for i, p := range parts {
			if p.Index != i {
				t.Fatalf("partition %d has index %d", i, p.Index)
			}
			ks = append(ks, p.Key)
		}
		return strings.Join(ks, " ")
	}
	if got := keys(partition.List(spec.PartitionsConfig{Ints: spec.IntPartitions{Start: 1, End: 25, Every: 10}}, nil)); got != "000001-000011 000011-000021 000021-000025" {
		t.Errorf("ints: %s", got)
	}
	if got := keys(partition.Dates(spec.DatePartitions{Start: "2024-01-01T00:00:00Z", End: "2024-01-03T00:00:00Z", Every: 24 * time.Hour})); got != "2024-01-01 2024-01-02" {
		t.Errorf("dates by day: %s", got)
	}
	if got := keys(partition.Dates(spec.DatePartitions{Start: "2024-01-01T00:00:00Z", End: "2024-01-01T02:00:00Z", Every: time.Hour})); got != "2024-01-01T000000Z 2024-01-01T010000Z" {
		t.Errorf("dates by hour: %s", got)
	}
	got := keys(partition.Values([]string{"acme", "a/b", "a_b", ".."}))
	if ks := strings.Fields(got); ks[0] != "acme" || !strings.HasPrefix(ks[1], "a_b~") || ks[2] != "a_b" || strings.HasPrefix(ks[3], ".") {
		t.Errorf("values: %s", got)
	}
	if _, err := partition.Values([]string{"x", "x"}); err == nil || !strings.Contains(err.Error(), `"x" appears twice`) {
		t.Errorf("a value twice: %v", err)
	}
	from := func(f spec.FromPartitions) ([]string, error) { return []string{f.Profile + "-1"}, nil }
	if got := keys(partition.List(spec.PartitionsConfig{From: spec.FromPartitions{Profile: "orgs", Records: ".id"}}, from)); got != "orgs-1" {
		t.Errorf("from: %s", got)
	}
}

// TestForShard: shard K of N runs the partitions whose index mod N is K-1.
func TestForShard(t *testing.T) {
	parts, err := partition.Values([]string{"a", "b", "c", "d", "e"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range partition.ForShard(parts, 2, 2) {
		got = append(got, p.Value)
	}
	if strings.Join(got, "") != "bd" {
		t.Errorf("shard 2/2: %v", got)
	}
	if len(partition.ForShard(parts, 1, 1)) != 5 {
		t.Error("shard 1/1 is not everything")
	}
}

// TestCheckRefs: a reference the partitioning cannot fill, or a
// partitioning no request uses, is refused.
func TestCheckRefs(t *testing.T) {
	ints := spec.PartitionsConfig{Ints: spec.IntPartitions{Start: 1, End: 10, Every: 5}}
	values := spec.PartitionsConfig{Values: []string{"a"}}
	for _, tc := range []struct {
		cfg  spec.Config
		want string // "" when accepted
	}{
		{spec.Config{Path: "/x/${partition.value}", Partitions: values}, ""},
		{spec.Config{Params: map[string]string{"from": "${partition.start}"}, Partitions: ints}, ""},
		{spec.Config{Path: "/x/${partition.value}"}, "the profile has no partitions"},
		{spec.Config{Path: "/x/${partition.start}", Partitions: values}, "partitions.values gives ${partition.value}"},
		{spec.Config{Body: []byte(`{"v":"${partition.value}"}`), Partitions: ints}, "partitions.ints gives ${partition.start} and ${partition.end}"},
		{spec.Config{Path: "/x", Partitions: values}, "every partition would fetch the same data"},
	} {
		err := partition.CheckRefs(&tc.cfg)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: got %v, want %q", tc.cfg, err, tc.want)
		}
	}
}
