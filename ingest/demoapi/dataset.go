package demoapi

import (
	"sort"
	"sync"
	"time"
)

// dataset holds each record's JSON bytes, built once, and its updated_at for
// the timestamp endpoint. Entries never change after they are added, so a
// reader may keep using a snapshot while Append grows the slices.
type dataset struct {
	mu         sync.RWMutex
	records    [][]byte
	updated    []int64 // unix seconds, ascending (ties allowed)
	driftAfter int64
}

func newDataset(n, driftAfter int) *dataset {
	d := &dataset{driftAfter: int64(driftAfter)}
	d.append(n)
	return d
}

// append adds n records after the last one and returns their ids.
func (d *dataset) append(n int) []int64 {
	if n <= 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	ids := make([]int64, n)
	// One backing array for the new records keeps them close in memory.
	buf := make([]byte, 0, n*260)
	for i := range ids {
		id := int64(len(d.records)) + 1
		start := len(buf)
		if cap(buf)-len(buf) < 400 {
			buf = make([]byte, 0, (n-i)*260+400)
			start = 0
		}
		buf = appendRecord(buf, id, d.driftAfter > 0 && id > d.driftAfter)
		d.records = append(d.records, buf[start:len(buf):len(buf)])
		d.updated = append(d.updated, updatedAt(id).Unix())
		ids[i] = id
	}
	return ids
}

// snapshot returns the records as they are now; index i holds id i+1.
func (d *dataset) snapshot() [][]byte {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.records[:len(d.records):len(d.records)]
}

func (d *dataset) len() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.records)
}

// firstAfter returns the index of the first record whose updated_at is after
// t (inclusive: at or after t), and the records as they are now.
func (d *dataset) firstAfter(t time.Time, inclusive bool) (int, [][]byte) {
	// Timestamps are whole seconds: a t with a fraction is never equal to one.
	sec := t.Unix()
	inclusive = inclusive && t.Nanosecond() == 0
	d.mu.RLock()
	defer d.mu.RUnlock()
	i := sort.Search(len(d.updated), func(i int) bool {
		if inclusive {
			return d.updated[i] >= sec
		}
		return d.updated[i] > sec
	})
	return i, d.records[:len(d.records):len(d.records)]
}
