// Package jqguard stops a jq expression that grows without end (repeat(.),
// def f: [f]; f) by watching the heap while it runs: the request timeout
// alone would let it take gigabytes first.
package jqguard

import (
	"context"
	"errors"
	"fmt"
	"runtime/metrics"
	"time"
)

// DefaultLimit bounds siphon's heap while a jq expression runs.
const DefaultLimit = 512 << 20

// ErrMemory marks a jq expression stopped for its memory.
var ErrMemory = errors.New("jq expression stopped: it grew past the memory bound")

// watchEvery is how often the heap is sampled during an evaluation: short
// enough that a runaway expression overshoots the bound by little. Most
// evaluations end before the first sample.
const watchEvery = 2 * time.Millisecond

// Guard returns a context for one jq evaluation that is cancelled, with a
// cause naming what, once the heap passes limit bytes (0 or less: no
// bound); stop ends the guard.
func Guard(parent context.Context, limit int64, what string) (ctx context.Context, stop func()) {
	if limit <= 0 {
		return parent, func() {}
	}
	ctx, cancel := context.WithCancelCause(parent)
	done := make(chan struct{})
	finished := make(chan struct{})
	// Most evaluations end before the first sample: the watcher starts
	// only then, so they cost no goroutine and no switch to it.
	start := time.AfterFunc(watchEvery, func() {
		defer close(finished)
		watch(ctx, done, limit, what, cancel)
	})
	return ctx, func() {
		if !start.Stop() {
			// The watcher started, or is about to: end it and wait, so
			// no watcher outlives its evaluation.
			close(done)
			<-finished
		}
		cancel(nil)
	}
}

// watch samples the heap every watchEvery, from now, until done or ctx
// ends, and cancels ctx once the heap passes limit.
func watch(ctx context.Context, done <-chan struct{}, limit int64, what string, cancel context.CancelCauseFunc) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	t := time.NewTicker(watchEvery)
	defer t.Stop()
	for {
		metrics.Read(sample)
		if heap := int64(sample[0].Value.Uint64()); heap > limit {
			cancel(fmt.Errorf("%w: %s reached %d MiB of memory, over the bound of %d MiB (an expression that grows without end, such as repeat or unbounded recursion?)", ErrMemory, what, heap>>20, limit>>20))
			return
		}
		select {
		case <-done:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Stopped returns the guard's cause when ctx was stopped for memory, else
// err unchanged.
func Stopped(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); errors.Is(cause, ErrMemory) {
		return cause
	}
	return err
}
