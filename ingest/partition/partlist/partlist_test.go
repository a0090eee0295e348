package partlist_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	"siphon/ingest/partition/partlist"
	"siphon/ingest/spec"
)

// TestFromAPartitionedParent: a from: partitioning over a partitioned
// run's output takes each partition's vouched records in the partitions'
// order, each value once.
func TestFromAPartitionedParent(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 60})
	t.Cleanup(srv.Close)
	parent := spec.Config{Name: "windows", BaseURL: srv.URL, Path: "/v1/offset", Records: ".data", PrimaryKey: []string{"id"},
		Params:      map[string]string{"id_gte": "${partition.start}", "id_lt": "${partition.end}"},
		Pagination:  spec.PaginationConfig{Type: "offset", Limit: 7, TotalPath: ".total"},
		Partitions:  spec.PartitionsConfig{Ints: spec.IntPartitions{Start: 1, End: 61, Every: 20}},
		Concurrency: 3,
		Retry:       spec.RetryConfig{InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}}
	dir := t.TempDir()
	c, err := ingest.New(parent)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Start(context.Background(), ingest.Job{Out: dir})
	for range r.Events() {
	}
	if err := r.Wait(); err != nil {
		t.Fatal(err)
	}
	child := spec.Config{Partitions: spec.PartitionsConfig{From: spec.FromPartitions{Profile: "windows", Dir: dir, Records: ".id"}}}
	set, err := partlist.SetOf(child)
	if err != nil {
		t.Fatal(err)
	}
	if set.Len() != 60 {
		t.Fatalf("%d values, want 60", set.Len())
	}
	for i := range 60 {
		if p := set.At(i); p.Value != strconv.Itoa(i+1) {
			t.Fatalf("value %d is %q, want %d", i, p.Value, i+1)
		}
	}
	child.Partitions.From.Dir = t.TempDir()
	if _, err := partlist.SetOf(child); err == nil {
		t.Error("a parent that has not run gives values")
	}
}
