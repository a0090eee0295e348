package ingest_test

import (
	"testing"

	"siphon/ingest"
	"siphon/ingest/demoapi"
)

// TestPartitionControlsDuringStart: the console reads Partitions on every
// tick and may pause a run or one partition while it starts. The partition
// set is built before Start returns, so under -race none of these calls
// races the run's own start-up.
func TestPartitionControlsDuringStart(t *testing.T) {
	const records = 200
	srv := demoapi.NewServer(demoapi.Options{Records: records})
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	c, err := ingest.New(windowsConfig(srv.URL, records, 50, 2))
	if err != nil {
		t.Fatal(err)
	}
	r := c.Start(t.Context(), ingest.Job{Out: dir})
	poked := make(chan struct{})
	go func() {
		defer close(poked)
		// Poke until the partitions are listed, and a while after.
		for after := 0; after < 50; {
			select {
			case <-r.Done():
				return
			default:
			}
			ps := r.Partitions()
			if ps != nil {
				after++
			}
			for _, p := range ps {
				_ = r.PausePartition(p.Key)
				_ = r.ResumePartition(p.Key)
			}
			_ = r.PausePartition("1-51")
			r.Pause()
			r.Resume()
			_ = r.ResumePartition("1-51")
		}
	}()
	for range r.Events() {
	}
	<-poked
	if err := r.Wait(); err != nil {
		t.Fatalf("run: %v", err)
	}
	ids, _ := partitionIDs(t, dir)
	if len(ids) != records {
		t.Errorf("%d records, want %d", len(ids), records)
	}
	if got := len(r.Partitions()); got != 4 {
		t.Errorf("%d partitions listed, want 4", got)
	}
	if s := r.Snapshot(); s.State != ingest.StateDone {
		t.Errorf("state %s, want %s", s.State, ingest.StateDone)
	}
}
