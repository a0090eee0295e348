package ingest

import (
	"context"
	"errors"
	"fmt"
	"runtime/metrics"
	"strings"
	"sync"
	"time"
)

// DefaultJQMemoryLimit bounds siphon's heap while a jq expression runs.
const DefaultJQMemoryLimit = 512 << 20

// WithJQMemoryLimit sets the heap size at which a running jq expression
// (records, cursor, next URL, total, filters) is stopped (default 512 MiB;
// 0 or less: no bound). An expression like repeat(.) or def f: [f]; f grows
// without end; the request timeout alone would let it take gigabytes first.
func WithJQMemoryLimit(bytes int64) Option { return func(c *Client) { c.jqMemory = bytes } }

// ErrJQMemory marks a jq expression stopped for its memory.
var ErrJQMemory = errors.New("jq expression stopped: it grew past the memory bound")

// heapWatch samples the heap while guarded evaluations run, and cancels
// those it finds over their bound. One goroutine serves every run in the
// process, and only while something is guarded.
var heapWatch struct {
	mu      sync.Mutex
	guarded map[*guard]struct{}
	running bool
}

type guard struct {
	limit  int64
	what   string
	cancel context.CancelCauseFunc
}

// watchEvery is how often the heap is sampled during an evaluation: short
// enough that a runaway expression overshoots the bound by little.
const watchEvery = 2 * time.Millisecond

// guardJQ returns a context for one jq evaluation that is cancelled, with a
// cause naming what, once the heap passes the client's bound; stop ends the
// guard.
func (c *Client) guardJQ(parent context.Context, what string) (ctx context.Context, stop func()) {
	if c.jqMemory <= 0 {
		return parent, func() {}
	}
	ctx, cancel := context.WithCancelCause(parent)
	g := &guard{limit: c.jqMemory, what: what, cancel: cancel}
	heapWatch.mu.Lock()
	if heapWatch.guarded == nil {
		heapWatch.guarded = map[*guard]struct{}{}
	}
	heapWatch.guarded[g] = struct{}{}
	if !heapWatch.running {
		heapWatch.running = true
		go watchHeap()
	}
	heapWatch.mu.Unlock()
	return ctx, func() {
		heapWatch.mu.Lock()
		delete(heapWatch.guarded, g)
		heapWatch.mu.Unlock()
		cancel(nil)
	}
}

func watchHeap() {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	t := time.NewTicker(watchEvery)
	defer t.Stop()
	for range t.C {
		metrics.Read(sample)
		heap := int64(sample[0].Value.Uint64())
		heapWatch.mu.Lock()
		if len(heapWatch.guarded) == 0 {
			heapWatch.running = false
			heapWatch.mu.Unlock()
			return
		}
		for g := range heapWatch.guarded {
			if heap > g.limit {
				g.cancel(fmt.Errorf("%w: %s reached %d MiB of memory, over the bound of %d MiB (an expression that grows without end, such as repeat or unbounded recursion?)", ErrJQMemory, g.what, heap>>20, g.limit>>20))
				delete(heapWatch.guarded, g)
			}
		}
		heapWatch.mu.Unlock()
	}
}

// jqStopped returns the guard's cause when ctx was stopped for memory, else
// err unchanged.
func jqStopped(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); errors.Is(cause, ErrJQMemory) {
		return cause
	}
	return err
}

// paginationExprs names the jq expressions a paginator runs, for messages.
func paginationExprs(p PaginationConfig) string {
	var names []string
	for _, e := range []struct{ key, src string }{{"cursor_path", p.CursorPath}, {"next_url_path", p.NextURLPath}, {"total_path", p.TotalPath}, {"total_pages_path", p.TotalPagesPath}} {
		if e.src != "" {
			names = append(names, e.key+" "+e.src)
		}
	}
	if len(names) == 0 {
		return "pagination"
	}
	return strings.Join(names, ", ")
}
