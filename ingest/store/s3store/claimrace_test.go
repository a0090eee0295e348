package s3store

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"siphon/ingest/store"
	"siphon/ingest/store/s3store/s3test"
)

// TestOwnersRacingForAPrefix: runs that claim one prefix at the same
// moment, on a fresh prefix and over a crashed owner's expired lease:
// exactly one wins each time, every other is refused naming a holder.
func TestOwnersRacingForAPrefix(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	b := srv.Bucket(t, "lake")
	expired, _ := json.Marshal(leaseBody{Siphon: "lease", Holder: "siphon run, pid 1 on crashed-host", Token: "x",
		Since: time.Now().Add(-time.Hour).UTC(), Expires: time.Now().Add(-time.Minute).UTC()})
	for _, tc := range []struct {
		name   string
		prefix string
		before func()
	}{
		{"fresh prefix", "fresh", func() {}},
		{"expired lease", "crashed", func() {
			if _, err := srv.Client().PutObject(t.Context(), putInput(b, "crashed/.lock", string(expired))); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.before()
			const racers = 8
			var (
				wg    sync.WaitGroup
				start = make(chan struct{})
				won   = make(chan store.Store, racers)
				lost  = make(chan error, racers)
			)
			for range racers {
				wg.Go(func() {
					<-start
					st, err := store.At("s3://lake/" + tc.prefix).Claim(false)
					if err != nil {
						lost <- err
						return
					}
					won <- st
				})
			}
			close(start)
			wg.Wait()
			close(won)
			close(lost)
			var owners []store.Store
			for st := range won {
				owners = append(owners, st)
			}
			defer func() {
				for _, st := range owners {
					st.Release()
				}
			}()
			if len(owners) != 1 {
				t.Fatalf("%d runs own the prefix, want 1", len(owners))
			}
			for err := range lost {
				if !errors.Is(err, store.ErrFolderInUse) || !strings.Contains(err.Error(), "pid") && !strings.Contains(err.Error(), "changing hands") {
					t.Errorf("a racer that lost: %v", err)
				}
			}
		})
	}
}
