package ingest

import (
	"context"
	"errors"
	"fmt"
	"runtime/metrics"
	"strings"
	"time"

	"siphon/ingest/spec"
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

// watchEvery is how often the heap is sampled during an evaluation: short
// enough that a runaway expression overshoots the bound by little. Most
// evaluations end before the first sample.
const watchEvery = 2 * time.Millisecond

// guardJQ returns a context for one jq evaluation that is cancelled, with a
// cause naming what, once the heap passes the client's bound; stop ends the
// guard.
func (c *Client) guardJQ(parent context.Context, what string) (ctx context.Context, stop func()) {
	if c.jqMemory <= 0 {
		return parent, func() {}
	}
	ctx, cancel := context.WithCancelCause(parent)
	done := make(chan struct{})
	finished := make(chan struct{})
	limit := c.jqMemory
	go func() {
		defer close(finished)
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(watchEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			metrics.Read(sample)
			if heap := int64(sample[0].Value.Uint64()); heap > limit {
				cancel(fmt.Errorf("%w: %s reached %d MiB of memory, over the bound of %d MiB (an expression that grows without end, such as repeat or unbounded recursion?)", ErrJQMemory, what, heap>>20, limit>>20))
				return
			}
		}
	}()
	return ctx, func() {
		close(done)
		<-finished // no watcher outlives its evaluation
		cancel(nil)
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
func paginationExprs(p spec.PaginationConfig) string {
	var names []string
	for _, e := range []struct{ key, src string }{{"cursor_path", p.CursorPath}, {"next_url_path", p.NextURLPath}, {"total_path", p.TotalPath}, {"total_pages_path", p.TotalPagesPath}, {"stop_when", p.StopWhen}} {
		if e.src != "" {
			names = append(names, e.key+" "+e.src)
		}
	}
	if len(names) == 0 {
		return "pagination"
	}
	return strings.Join(names, ", ")
}
