package partition

import "fmt"

// Shard selects a part of a partitioned profile: the partitions whose
// index modulo N is K-1. The zero Shard is all of them.
type Shard struct{ K, N int }

// String is "K/N".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.K, s.N) }

// ParseShard reads "K/N" with 1 ≤ K ≤ N.
func ParseShard(s string) (Shard, error) {
	var sh Shard
	if _, err := fmt.Sscanf(s, "%d/%d", &sh.K, &sh.N); err != nil || fmt.Sprintf("%d/%d", sh.K, sh.N) != s || sh.N < 1 || sh.K < 1 || sh.K > sh.N {
		return Shard{}, fmt.Errorf("shard %q: expected K/N with 1 ≤ K ≤ N, e.g. 2/4", s)
	}
	return sh, nil
}
