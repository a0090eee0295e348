// Package memo remembers the answers of a function of a string, up to a
// bound: the few keys a run asks about page after page (a jq source, a
// parameter name) are answered once, and a flood of different keys (from
// an API, or a profile that generates them) cannot grow it past the bound;
// past it, each is computed anew.
package memo

import (
	"strings"
	"sync"
)

// Bounded remembers at most Most answers, for keys of at most MaxKey
// bytes (0: any length). Its zero value with Most set is ready to use, and
// it is safe for concurrent use.
type Bounded[V any] struct {
	Most   int
	MaxKey int

	mu sync.RWMutex
	m  map[string]V
}

// Get returns the answer remembered for key, or compute's, which it
// remembers while there is room. An error is returned, not remembered.
// Two goroutines asking for a new key at once may both compute it; the
// first answer kept is the one every later Get returns.
func (b *Bounded[V]) Get(key string, compute func(string) (V, error)) (V, error) {
	b.mu.RLock()
	v, ok := b.m[key]
	b.mu.RUnlock()
	if ok {
		return v, nil
	}
	v, err := compute(key)
	if err != nil || b.MaxKey > 0 && len(key) > b.MaxKey {
		return v, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if was, ok := b.m[key]; ok {
		return was, nil
	}
	if len(b.m) < b.Most {
		if b.m == nil {
			b.m = map[string]V{}
		}
		b.m[strings.Clone(key)] = v // key may point into a larger buffer
	}
	return v, nil
}

// Len is how many answers are remembered.
func (b *Bounded[V]) Len() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.m)
}
