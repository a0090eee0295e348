package page

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// TestCompileShared: one source compiles once, and the expression it
// gives every caller runs on many goroutines at once (the partitions of a
// run side by side), also when it computes values and falls back from
// path() for good.
func TestCompileShared(t *testing.T) {
	src := ".data | map({id: (.id + 1)})"
	a, err := Compile(src)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := Compile(src); err != nil || b != a {
		t.Fatalf("a second Compile of %q: %p, %v; want the first one, %p", src, b, err, a)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 20 {
				id := g*100 + i
				recs, err := Parse(context.Background(), fmt.Appendf(nil, `{"data":[{"id":%d}]}`, id)).Records(a)
				if err != nil {
					errs <- err
					return
				}
				if want := fmt.Sprintf(`{"id":%d}`, id+1); len(recs) != 1 || string(recs[0]) != want {
					errs <- fmt.Errorf("got %s, want %s", recs, want)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestCompileBounded: past compiled.Most sources, each is compiled anew
// and none kept.
func TestCompileBounded(t *testing.T) {
	for i := range compiled.Most + 10 {
		if _, err := Compile(fmt.Sprintf(".f%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := compiled.Len(); n > compiled.Most {
		t.Errorf("%d expressions kept, want at most %d", n, compiled.Most)
	}
}
