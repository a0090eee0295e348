package memo

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestBounded: an answer is computed once and then remembered; errors and
// keys past MaxKey are not remembered; past Most keys, answers are
// computed every time but still right; concurrent askers agree.
func TestBounded(t *testing.T) {
	calls := map[string]int{}
	var mu sync.Mutex
	compute := func(k string) (int, error) {
		mu.Lock()
		calls[k]++
		mu.Unlock()
		if strings.HasPrefix(k, "bad") {
			return 0, errors.New("bad key")
		}
		return len(k), nil
	}
	b := Bounded[int]{Most: 3, MaxKey: 8}
	for range 3 {
		if v, err := b.Get("cursor", compute); v != 6 || err != nil {
			t.Fatalf("Get(cursor) = %d, %v", v, err)
		}
	}
	for range 2 {
		if _, err := b.Get("bad", compute); err == nil {
			t.Fatal("Get(bad): no error")
		}
		b.Get("a-long-key-past-max", compute)
	}
	for _, k := range []string{"k1", "k2", "k3", "k4"} {
		for range 2 {
			if v, _ := b.Get(k, compute); v != 2 {
				t.Fatalf("Get(%s) = %d, want 2", k, v)
			}
		}
	}
	for k, want := range map[string]int{"cursor": 1, "bad": 2, "a-long-key-past-max": 2, "k1": 1, "k2": 1, "k3": 2, "k4": 2} {
		if calls[k] != want {
			t.Errorf("%s computed %d times, want %d", k, calls[k], want)
		}
	}
	if b.Len() != 3 {
		t.Errorf("%d answers remembered, want 3 (Most)", b.Len())
	}

	var wg sync.WaitGroup
	shared := Bounded[*int]{Most: 10}
	got := make([]*int, 8)
	for i := range got {
		wg.Go(func() {
			got[i], _ = shared.Get("same", func(string) (*int, error) { n := i; return &n, nil })
		})
	}
	wg.Wait()
	first, _ := shared.Get("same", nil)
	for i, p := range got {
		if p != first {
			t.Fatalf("asker %d got %p, the kept answer is %p: %s", i, p, first, fmt.Sprint(got))
		}
	}
}
