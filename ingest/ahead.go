package ingest

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"siphon/ingest/retry"
	"siphon/ingest/transport"
)

// Fetching ahead. A walk takes its pages one after another, so one walk
// makes one request at a time; against an API 50 ms away that is 20 a
// second, whatever the API allows. When the style can name the pages after
// the next one (offset and page numbers, once the API declared a total),
// spare request slots fetch them early. Each is held, body and headers, until
// the walk reaches it and takes it through the same path as a page that just
// arrived: records are still written in page order, checked and committed
// one page at a time, and a crash loses only pages not yet taken, which the
// resumed walk fetches again. A page fetched ahead that failed, or that the
// walk never asks for, is dropped; the walk fetches it itself, with retries.

// aheadPool is the run's request slots: concurrency N is N requests in
// flight. A partitioned run's workers each hold one while they walk a
// partition, so slots are lent only when fewer partitions are left than
// workers, at a backfill's tail; a single walk lends N-1.
type aheadPool struct{ slots chan struct{} }

func newAheadPool(n int) *aheadPool { return &aheadPool{slots: make(chan struct{}, n)} }

// take waits for a slot.
func (p *aheadPool) take(ctx context.Context) error {
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// tryTake takes a slot if one is free.
func (p *aheadPool) tryTake() bool {
	select {
	case p.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

func (p *aheadPool) give() { <-p.slots }

// aheadMaxBody is the largest body held ahead: a page over it is fetched
// again in its turn and streamed, so what fetching ahead holds stays under
// concurrency × 4 MiB.
const aheadMaxBody = 4 << 20

// heldResponse is a page fetched ahead: a 2xx, its body read whole,
// answered again by transport.Replay.
type heldResponse = transport.Held

// aheadPage is one page being fetched, or fetched, ahead.
type aheadPage struct {
	done chan struct{}
	resp *heldResponse // once done; nil: not usable, the walk fetches it itself
}

// readAhead is one walk's pages fetched ahead, by request key.
type readAhead struct {
	rn     *runner
	pool   *aheadPool
	depth  int         // pages ahead at most: bounds what is held
	tooBig atomic.Bool // a page was too big to hold: its walk's pages are not fetched ahead
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	pages map[string]*aheadPage
}

func newReadAhead(ctx context.Context, rn *runner, pool *aheadPool) *readAhead {
	ctx, cancel := context.WithCancel(ctx)
	return &readAhead{rn: rn, pool: pool, depth: cap(pool.slots), ctx: ctx, cancel: cancel, pages: map[string]*aheadPage{}}
}

// plan starts fetching the pages after the next one that are not under way
// yet, as far as free slots allow, and drops held pages the walk will no
// longer ask for. next is the next page's key; ahead names the k-th page
// after it (k ≥ 1), false past the end.
func (a *readAhead) plan(next string, ahead func(k int) (target, bool)) {
	if a == nil || a.tooBig.Load() || a.rn.run.isPaused() {
		return
	}
	wanted := map[string]bool{next: true}
	var start []target
	for k := 1; k <= a.depth; k++ {
		t, ok := ahead(k)
		if !ok {
			break
		}
		key := t.key()
		wanted[key] = true
		a.mu.Lock()
		_, under := a.pages[key]
		a.mu.Unlock()
		if !under {
			start = append(start, t)
		}
	}
	a.mu.Lock()
	for key, p := range a.pages {
		if !wanted[key] && isDone(p) {
			delete(a.pages, key) // a guess the walk went past
		}
	}
	a.mu.Unlock()
	for _, t := range start {
		if !a.pool.tryTake() {
			return
		}
		p := &aheadPage{done: make(chan struct{})}
		a.mu.Lock()
		a.pages[t.key()] = p
		a.mu.Unlock()
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			defer a.pool.give()
			defer close(p.done)
			p.resp = a.fetch(t)
		}()
	}
}

func isDone(p *aheadPage) bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// claim takes the page for key when it was fetched ahead, waiting for it
// when it is under way; nil when it was not or did not come back usable.
func (a *readAhead) claim(ctx context.Context, key string) *heldResponse {
	if a == nil {
		return nil
	}
	a.mu.Lock()
	p, ok := a.pages[key]
	delete(a.pages, key)
	a.mu.Unlock()
	if !ok {
		return nil
	}
	select {
	case <-p.done:
		return p.resp
	case <-ctx.Done():
		return nil
	}
}

// close stops what is under way and drops what is held.
func (a *readAhead) close() {
	if a == nil {
		return
	}
	a.cancel()
	a.wg.Wait()
	a.mu.Lock()
	a.pages = map[string]*aheadPage{}
	a.mu.Unlock()
}

// fetch sends one request ahead, under the run's budget like any other,
// and keeps a 2xx body whole (up to aheadMaxBody and max_body). What it learns of the
// budget (rate-limit headers, Retry-After, a 429) counts at once; a page
// that is not a usable 2xx is left for the walk to fetch and retry.
func (a *readAhead) fetch(t target) *heldResponse {
	rn := a.rn
	// A runner of its own: its ticket is this request's place in the budget.
	pre := &runner{c: rn.c, run: rn.run, job: rn.job, sink: rn.sink, quiet: true}
	if err := pre.waitBudget(a.ctx); err != nil {
		rn.c.budget.Release(pre.ticket)
		return nil
	}
	defer rn.c.budget.Release(pre.ticket)
	if a.ctx.Err() != nil || rn.run.isPaused() {
		return nil
	}
	start := time.Now()
	actx, cancel := context.WithTimeout(a.ctx, rn.c.cfg.Timeout)
	defer cancel()
	req, ok, _, _ := pre.prepare(a.ctx, actx, t.u, "", t.method, t.body, t.headers)
	if !ok {
		return nil
	}
	resp, _, err := rn.c.do(actx, req)
	if err != nil {
		return nil
	}
	raw := resp.Body
	defer raw.Close()
	status, header := resp.StatusCode, resp.Header
	pre.noteRateLimit(header)
	limit := min(rn.c.maxBody, aheadMaxBody)
	if resp.ContentLength > limit {
		a.tooBig.Store(true) // the walk streams it in its turn
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(raw, limit+1))
	if int64(len(body)) > limit {
		a.tooBig.Store(true)
		return nil
	}
	if err != nil {
		return nil
	}
	if status < 200 || status > 299 {
		// The walk fetches and retries this page itself; what the answer
		// says about the shared budget counts now, as the walk's would.
		o := pre.statusOutcome(status, header, header.Get("Content-Type"), body)
		rn.tellBudget(retry.Decide(failureOf(o), 1, 0, false, rn.c.cfg.Retry, retry.NoJitter), status)
		return nil
	}
	return &heldResponse{Status: status, Header: header, Body: body, Took: time.Since(start)}
}
