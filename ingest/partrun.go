package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"

	"siphon/ingest/partition"
	"siphon/ingest/partition/partlist"
	"siphon/ingest/runstate"
	"siphon/ingest/store"
	"siphon/ingest/transport"
)

// Shard selects a part of a partitioned profile (see partition.Shard).
type Shard = partition.Shard

// ParseShard reads "K/N" with 1 ≤ K ≤ N.
func ParseShard(s string) (Shard, error) { return partition.ParseShard(s) }

// RunState is a partitioned run's own state in its output (run.json and
// its log, partitions.jsonl): which partitions exist and how each ended.
// The partitions' checkpoints are what a resume trusts; this lists the
// set, to notice when it changes, and says in one place how far the run
// got.
type RunState = runstate.State

// PartitionState is one partition's line in RunState.
type PartitionState = runstate.Line

// ReadRunState reads a partitioned run's run state in dir; nil, nil
// when there is none (the folder is no partitioned run's, or a new one).
func ReadRunState(dir string) (*RunState, error) { return runstate.Read(store.At(dir)) }

// PartitionSummary counts a partitioned run's partitions and requests.
type PartitionSummary struct {
	Total, Done, Running, Failed, Paused, Waiting int
	FailedKeys                                    []string
	Requests                                      int64   // requests sent by every partition
	Rate                                          float64 // the client-side rate; 0: none
	ServerLimit                                   int64   // the server's announced limit; -1: unknown
}

// PartitionSnapshot is one partition's counters.
type PartitionSnapshot struct {
	partition.Partition
	Snapshot
}

// PartitionStarted opens a partition's walk (its Started event).
type PartitionStarted struct{ Started }

// PartitionFinished closes a partition's walk; State is DONE, FAILED or PAUSED.
type PartitionFinished struct {
	Finished
	State State `json:"state"`
}

func (PartitionStarted) Kind() string  { return "partition_started" }
func (PartitionFinished) Kind() string { return "partition_finished" }

// Their own, not the promoted Started's and Finished's, which would drop
// the wrapper.
func (e PartitionStarted) withPartition(k string) Event  { e.Partition = k; return e }
func (e PartitionFinished) withPartition(k string) Event { e.Partition = k; return e }

// PartitionsFailedError ends a run in which partitions failed; the
// others went on and are done.
type PartitionsFailedError = partition.FailedError

// PartitionFailure is one failed partition and why.
type PartitionFailure = partition.Failure

// partRun is a partition walking now: its client and its Run exist only
// while it walks (or waits, paused, in the middle of its walk).
type partRun struct {
	at     int // its position in the set
	client *Client
	run    *Run // its counters, pause and state; its events go to the parent
}

// Partition states as the set keeps them for partitions not walking now.
const (
	rowWaiting uint8 = iota // not started (STARTING)
	rowRunning              // walking: its partRun has the counters
	rowDone
	rowFailed
	rowPaused
)

var rowStates = [...]State{rowWaiting: StateStarting, rowRunning: StateRunning, rowDone: StateDone, rowFailed: StateFailed, rowPaused: StatePaused}

// partRow is a partition's last counters, kept small: a set of 50,000
// partitions holds 50,000 of these and no more than its workers' partRuns.
// A partition not yet started has none (see rowChunk).
type partRow struct {
	state                                uint8
	stop                                 uint16 // 1+index in partitionSet.stops; 0: none
	pages, retries, throttles, anomalies int32
	drifts                               int32
	records, rejected, bytes, total      int64
	started, lastPage, lastCheckpoint    int64 // UnixNano; 0: never
}

// rowChunk is how many partRows are allocated together, when the first of
// them starts: a run holds its rows in pieces of some 40 KiB (no block of
// megabytes to find room for), none for partitions that have not started.
const rowChunk = 512

// partitionSet runs a partitioned profile: a queue of partitions, a few
// workers, one budget (the client's). It holds every partition's
// definition and a small row of counters; only the partitions walking
// have a client and a Run.
type partitionSet struct {
	// Set by startPartitioned before Start returns, never changed after:
	// read without a lock from any goroutine.
	c    *Client
	run  *Run
	job  Job
	out  store.Location // the run's output (its shard's, when sharded)
	set  *partition.Set // this shard's partitions, made as they are asked for
	http *resty.Client

	held store.Store // out, held by loop while the partitions run

	mu          sync.Mutex // guards the fields below
	queued      bool       // the partitions are queued: Partitions and PausePartition show them from then on
	pool        *aheadPool // request slots: one a worker, lent at the tail (ahead.go)
	outstanding int        // partitions queued or running
	closed      bool       // the queue is closed: retries come too late
	// The queue: the positions from next to the set's end, then those
	// retried, in the order they came: a counter, not a slot a partition.
	next       int
	retries    []int
	wake       *sync.Cond  // on mu: a retry came, or the queue closed
	rows       [][]partRow // in chunks of rowChunk, nil until one of the chunk's starts
	live       map[int]*partRun
	failed     map[int]error // failed partitions' errors
	pausedIdle map[int]bool  // partitions paused while not walking: they start paused
	stops      []string      // distinct stop reasons, for partRow.stop

	emitMu  sync.Mutex
	stateMu sync.Mutex // serialises the run state's writes
	pending []byte     // state changes not yet appended (see logState)
	resumed bool       // a run state was there: set by loop before Started
}

// startPartitioned begins a partitioned run. The partition set is built
// here, before Start returns: Partitions, Pause and PausePartition read it
// from other goroutines at once, and it does not change after.
func (c *Client) startPartitioned(ctx context.Context, job Job) *Run {
	ctx, cancel := context.WithCancel(ctx)
	r := &Run{events: make(chan Event, eventBuffer), done: make(chan struct{}), cancel: cancel}
	r.snap = Snapshot{Profile: c.cfg.Name, State: StateStarting, Started: time.Now()}
	ps := &partitionSet{c: c, run: r, job: job, set: new(partition.Set), live: map[int]*partRun{}, failed: map[int]error{}, pausedIdle: map[int]bool{}}
	ps.wake = sync.NewCond(&ps.mu)
	listErr := ps.list()
	r.drv = ps
	c.budget.Begin()
	go func() {
		defer cancel()
		err := listErr
		if err == nil {
			err = ps.loop(ctx)
		}
		c.budget.End()
		ps.finish(c.redact().Error(err)) // the error is shown and logged: no secret in it
	}()
	return r
}

// list builds the set: this shard's partitions. Their clients are made as
// they start (newPartRun).
func (ps *partitionSet) list() error {
	c := ps.c
	out := ps.job.Out
	if out == "" {
		out = store.DefaultDir(c.cfg.Name)
	}
	warn := func(what string) { ps.emit(Warning{At: now(), What: what}) } // see runner.output
	ps.out = store.WithWarnings(store.At(out), warn).Shard(ps.job.Shard.K, ps.job.Shard.N)
	set, err := partlist.SetOf(c.cfg)
	if err != nil {
		return err
	}
	ps.set = set.Shard(ps.job.Shard.K, ps.job.Shard.N)
	ps.rows = make([][]partRow, (ps.set.Len()+rowChunk-1)/rowChunk)
	ps.http = c.http
	return nil
}

// newPartRun makes the client and Run of the partition at i, as it starts;
// a partition that cannot be sent (a value refused) gets its reason
// instead of a client, and fails without a request.
func (ps *partitionSet) newPartRun(i int) (*partRun, error) {
	p := ps.set.At(i)
	pr := &partRun{at: i, run: &Run{done: make(chan struct{})}}
	pr.run.drv = walkDriver{pr.run}
	pr.run.snap = Snapshot{Profile: ps.c.cfg.Name, State: StateStarting}
	pc, err := ps.c.partitionClient(p, ps.http)
	if err != nil {
		var pve *partition.ValueError
		if !errors.As(err, &pve) {
			err = fmt.Errorf("partition %d (%s): %w", p.Index, p.Key, err)
		}
		return pr, err
	}
	pr.client = pc
	return pr, nil
}

// emit sends a run-level event, dropping it when the reader lags (the last
// slot stays free for Finished).
func (ps *partitionSet) emit(ev Event) {
	ps.emitMu.Lock()
	defer ps.emitMu.Unlock()
	r := ps.run
	if len(r.events) >= cap(r.events)-1 {
		r.mu.Lock()
		r.snap.DroppedEvents++
		r.mu.Unlock()
		return
	}
	r.events <- ev
}

// sink is where a partition's runner sends its events: tagged with the
// partition's key, its Started renamed PartitionStarted.
func (ps *partitionSet) sink(key string) func(Event) {
	return func(ev Event) {
		if s, ok := ev.(Started); ok {
			ev = PartitionStarted{s}
		}
		ps.emit(ev.withPartition(key))
	}
}

func (ps *partitionSet) loop(ctx context.Context) error {
	c := ps.c
	cfg := &c.cfg
	out := ps.job.Out
	if out == "" {
		out = store.DefaultDir(cfg.Name)
	}
	if n := ps.job.Shard.N; n > 1 && cfg.RateLimit.RequestsPerSecond > 0 {
		c.budget.SetRate(cfg.RateLimit.RequestsPerSecond / float64(n))
	}
	// The run's folder must be siphon's, and started with this shard count
	// (an unsharded --fresh starts the whole folder over instead).
	if !(ps.job.Fresh && ps.job.Shard.N <= 1) {
		if err := store.At(out).CheckShards(ps.job.Shard.N); err != nil {
			return err
		}
	}
	held, err := ps.out.Claim(ps.job.Fresh)
	if err != nil {
		return err
	}
	ps.held = held
	defer held.Release()
	before, err := ps.readBefore()
	if err != nil {
		return err
	}
	ps.run.mu.Lock()
	ps.run.snap.State = StateRunning
	ps.run.mu.Unlock()
	if err := ps.startState(before); err != nil {
		return err
	}
	ps.emit(Started{At: now(), Profile: cfg.Name, URL: c.Endpoint(), Out: ps.out.String(), Resumed: ps.resumed})
	for _, w := range c.Exposures() {
		ps.emit(Warning{At: now(), What: w})
	}

	workers := ps.job.Concurrency
	if workers <= 0 {
		workers = max(cfg.Concurrency, 1)
	}
	ps.pool = newAheadPool(workers)
	n := ps.set.Len()
	ps.mu.Lock()
	ps.outstanding = n // every partition is queued: the queue hands out 0 to n-1
	if n == 0 {
		ps.closed = true
	}
	ps.queued = true
	ps.mu.Unlock()
	var wg sync.WaitGroup
	for range min(workers, max(n, 1)) {
		wg.Go(func() {
			for i, ok := ps.take(); ok; i, ok = ps.take() {
				ps.walk(ctx, i)
			}
		})
	}
	wg.Wait()
	ps.flushState()
	if err := ps.writeHeader(); err != nil {
		ps.emit(Warning{At: now(), What: fmt.Sprintf("saving %s: %v", store.RunStateFile, err)})
	}
	if w := c.tokens.StaleWarning(); w != "" {
		ps.emit(Warning{At: now(), What: w})
	}
	if err := ctx.Err(); err != nil {
		return ErrCanceled
	}
	var failed []PartitionFailure
	ps.mu.Lock()
	for i := range n {
		if ps.rowAt(i).state == rowFailed {
			failed = append(failed, PartitionFailure{Key: ps.set.Key(i), Err: ps.failed[i]})
		}
	}
	ps.mu.Unlock()
	if len(failed) > 0 {
		return &PartitionsFailedError{Failed: failed}
	}
	return nil
}

// walk runs the partition at i to its end, on a worker.
func (ps *partitionSet) walk(ctx context.Context, i int) {
	key := ps.set.Key(i)
	if ctx.Err() != nil {
		// Never started: it stays as it was in the log, paused here.
		ps.mu.Lock()
		ps.row(i).state = rowPaused
		ps.endOne()
		ps.mu.Unlock()
		return
	}
	pr, err := ps.newPartRun(i)
	r := pr.run
	ps.mu.Lock()
	ps.live[i] = pr
	ps.row(i).state = rowRunning
	delete(ps.failed, i)
	if ps.pausedIdle[i] || ps.run.isPaused() {
		delete(ps.pausedIdle, i)
		r.setPaused(true)
	}
	ps.mu.Unlock()
	if err == nil {
		r.mu.Lock()
		r.snap.State, r.snap.Started, r.err = StateRunning, time.Now(), nil
		r.snap.Err, r.snap.Detail, r.snap.StopReason = nil, "", ""
		r.mu.Unlock()
		ps.logState(key, StateRunning, "", true)
		part := ps.out.Partition(key)
		rn := &runner{c: pr.client, run: r, job: Job{Out: part.String(), MaxPages: ps.job.MaxPages, Headless: ps.job.Headless}, out: part, sink: ps.sink(key), pool: ps.pool}
		if err = ps.pool.take(ctx); err == nil { // the walk's own slot; the others lend theirs (ahead.go)
			err = pr.client.redact().Error(rn.loop(ctx))
			ps.pool.give()
		}
	}
	state := StateDone
	r.mu.Lock()
	s := &r.snap
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, ErrCanceled):
		err = ErrCanceled
		state, s.Detail = StatePaused, "stopped; checkpoint saved"
	case err != nil:
		state, s.Err, s.Detail = StateFailed, err, err.Error()
	default:
		s.Detail = s.StopReason
	}
	s.State = state
	r.err = err
	fin := Finished{At: now(), Pages: s.Pages, Records: s.Records, Rejected: s.Rejected, Invalid: r.invalid, Elapsed: time.Since(s.Started), StopReason: s.StopReason, Err: err, Canceled: errors.Is(err, ErrCanceled)}
	if err != nil {
		fin.Error = err.Error()
	}
	snap := *s
	r.mu.Unlock()

	ps.mu.Lock()
	*ps.row(i) = ps.rowOf(snap)
	delete(ps.live, i)
	if state == StateFailed {
		ps.failed[i] = err
	}
	if r.isPaused() && state != StateDone {
		ps.pausedIdle[i] = true // a retry starts it paused, as it was
	}
	ps.endOne()
	ps.mu.Unlock()
	ps.emit(PartitionFinished{Finished: fin, State: state}.withPartition(key))
	errText := ""
	if state == StateFailed {
		errText = fin.Error
	}
	ps.logState(key, state, errText, true)
}

// endOne counts a partition out, closing the queue after the last; ps.mu
// is held.
func (ps *partitionSet) endOne() {
	ps.outstanding--
	if ps.outstanding == 0 {
		ps.closed = true
		ps.wake.Broadcast()
	}
}

// take is the next position to walk, waiting for a retry while others
// still walk; false once the queue is closed.
func (ps *partitionSet) take() (int, bool) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for {
		switch {
		case ps.next < ps.set.Len():
			ps.next++
			return ps.next - 1, true
		case len(ps.retries) > 0:
			i := ps.retries[0]
			ps.retries = ps.retries[1:]
			return i, true
		case ps.closed:
			return 0, false
		}
		ps.wake.Wait()
	}
}

// row is the partition at i's row, its chunk made when the first of it
// starts; ps.mu is held.
func (ps *partitionSet) row(i int) *partRow {
	c := &ps.rows[i/rowChunk]
	if *c == nil {
		*c = make([]partRow, rowChunk)
	}
	return &(*c)[i%rowChunk]
}

// rowAt is the partition at i's row, the zero row (waiting, no counters)
// when its chunk has none yet; ps.mu is held.
func (ps *partitionSet) rowAt(i int) partRow {
	if c := ps.rows[i/rowChunk]; c != nil {
		return c[i%rowChunk]
	}
	return partRow{}
}

// rowOf is a finished partition's row; ps.mu is held.
func (ps *partitionSet) rowOf(s Snapshot) partRow {
	row := partRow{pages: int32(s.Pages), retries: int32(s.Retries), throttles: int32(s.Throttles), anomalies: int32(s.Anomalies), drifts: int32(s.Drifts),
		records: s.Records, rejected: s.Rejected, bytes: s.Bytes, total: s.TotalRecords,
		started: unixNano(s.Started), lastPage: unixNano(s.LastPage), lastCheckpoint: unixNano(s.LastCheckpoint)}
	switch s.State {
	case StateDone:
		row.state = rowDone
	case StateFailed:
		row.state = rowFailed
	default:
		row.state = rowPaused
	}
	if s.StopReason != "" {
		at := slices.Index(ps.stops, s.StopReason)
		if at < 0 && len(ps.stops) < 1<<16-1 {
			at = len(ps.stops)
			ps.stops = append(ps.stops, s.StopReason)
		}
		if at >= 0 {
			row.stop = uint16(at + 1)
		}
	}
	return row
}

// snapOf is the snapshot of the partition at i: its Run's while it walks,
// else made from its row; ps.mu is held.
func (ps *partitionSet) snapOf(i int) Snapshot {
	if pr := ps.live[i]; pr != nil {
		return pr.run.Snapshot()
	}
	row := ps.rowAt(i)
	s := Snapshot{Profile: ps.c.cfg.Name, State: rowStates[row.state], Pages: int(row.pages), Retries: int(row.retries), Throttles: int(row.throttles),
		Anomalies: int(row.anomalies), Drifts: int(row.drifts), Records: row.records, Rejected: row.rejected, Bytes: row.bytes, TotalRecords: row.total,
		Started: fromUnixNano(row.started), LastPage: fromUnixNano(row.lastPage), LastCheckpoint: fromUnixNano(row.lastCheckpoint)}
	if row.stop > 0 {
		s.StopReason = ps.stops[row.stop-1]
	}
	switch row.state {
	case rowDone:
		s.Detail = s.StopReason
	case rowFailed:
		if err := ps.failed[i]; err != nil {
			s.Err, s.Detail = err, err.Error()
		}
	case rowPaused:
		s.Detail = "stopped; checkpoint saved"
	}
	return s
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// before is how the partitions ended in the run state a run found: a
// byte a partition, and the errors of those that failed.
type before struct {
	state []uint8 // by position: rowDone, rowFailed, rowPaused; rowWaiting when not ended
	errs  map[int]string
}

var endedStates = map[string]uint8{string(StateDone): rowDone, string(StateFailed): rowFailed, string(StatePaused): rowPaused}

// readBefore reads the run state in the output, a line at a time: nil when
// there is none. A set that changed since (a partition gone, or its window
// or value moved) is refused with the list of changes.
func (ps *partitionSet) readBefore() (*before, error) {
	kind := ps.c.cfg.Partitions.Kind()
	var cmp *runstate.Comparer
	b := &before{state: make([]uint8, ps.set.Len()), errs: map[int]string{}}
	h, err := runstate.Scan(ps.out, func(l runstate.Line) error {
		if cmp == nil {
			cmp = runstate.NewComparer("", "", ps.set) // the header's kind is known once read: compared below
		}
		i, ok := cmp.Line(l)
		if !ok {
			return nil
		}
		// The latest line says how a partition ended; one that did not end
		// (STARTING, RUNNING) starts over as new.
		b.state[i] = endedStates[l.State]
		if b.state[i] != rowWaiting && l.Error != "" {
			b.errs[i] = l.Error
		} else {
			delete(b.errs, i)
		}
		return nil
	})
	if h == nil || err != nil {
		return nil, err
	}
	var changes []string
	if h.Kind != kind {
		changes = runstate.NewComparer(h.Kind, kind, ps.set).Changes()
	} else if cmp != nil {
		changes = cmp.Changes()
	}
	if len(changes) > 0 {
		return nil, &ProfileChangedError{Dir: ps.out.String(), Changes: changes}
	}
	return b, nil
}

// startState compacts the run state as the run starts: every partition
// once, with the state it ended in before (STARTING when new), then the
// header. Partitions already done are counted as such, so a resumed run's
// progress starts where it was.
func (ps *partitionSet) startState(was *before) error {
	ps.resumed = was != nil
	ps.stateMu.Lock()
	defer ps.stateMu.Unlock()
	// Line by line into the log as it is written: a set of 50,000 holds
	// neither a slice of lines nor the log's bytes.
	err := store.WriteRunStateLogFrom(ps.held, func(w io.Writer) error {
		var line []byte
		for i := range ps.set.Len() {
			l := runstate.Line{Partition: ps.set.At(i), State: string(StateStarting)}
			if was != nil && was.state[i] != rowWaiting {
				l.State, l.Error = string(rowStates[was.state[i]]), was.errs[i]
			}
			var err error
			if line, err = runstate.AppendLine(line[:0], l); err != nil {
				return err
			}
			if _, err := w.Write(line); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return ps.writeHeaderLocked()
}

// writeHeader rewrites run.json (a few lines: what the run is).
func (ps *partitionSet) writeHeader() error {
	ps.stateMu.Lock()
	defer ps.stateMu.Unlock()
	return ps.writeHeaderLocked()
}

func (ps *partitionSet) writeHeaderLocked() error {
	h := runstate.Header{Profile: ps.c.cfg.Name, Kind: ps.c.cfg.Partitions.Kind(), Total: ps.set.Len(), UpdatedAt: time.Now().UTC()}
	if ps.job.Shard.N > 1 {
		h.Shard = ps.job.Shard.String()
	}
	b, err := runstate.EncodeHeader(h)
	if err != nil {
		return err
	}
	return ps.held.WriteRunState(b)
}

// logState appends a partition's state change to the run state's log:
// one line, whatever the number of partitions. Without now, it waits in
// a buffer for the next change that goes now (or flushState).
func (ps *partitionSet) logState(key string, state State, errText string, now bool) {
	ps.stateMu.Lock()
	defer ps.stateMu.Unlock()
	ps.pending = runstate.AppendChange(ps.pending, key, string(state), errText)
	if now || len(ps.pending) >= 64<<10 {
		ps.appendPendingLocked()
	}
}

func (ps *partitionSet) flushState() {
	ps.stateMu.Lock()
	defer ps.stateMu.Unlock()
	ps.appendPendingLocked()
}

func (ps *partitionSet) appendPendingLocked() {
	if len(ps.pending) == 0 {
		return
	}
	err := ps.held.AppendRunStateLog(ps.pending)
	ps.pending = ps.pending[:0]
	if err != nil {
		ps.emit(Warning{At: now(), What: fmt.Sprintf("saving %s: %v", store.RunStateLogFile, err)})
	}
}

// partitionClient is a client for one partition: the profile with the
// partition's references filled in, sharing the connection pool, tokens,
// redactor and budget with c.
func (c *Client) partitionClient(p partition.Partition, rc *resty.Client) (*Client, error) {
	pc := new(Client)
	*pc = *c
	var err error
	if pc.cfg, err = partition.Fill(c.cfg, p); err != nil {
		return nil, err
	}
	if pc.endpoint, err = transport.JoinURL(pc.cfg.BaseURL, pc.cfg.Path); err != nil {
		return nil, err
	}
	transport.KeepEscapes(pc.endpoint, pc.cfg.BaseURL, pc.cfg.Path)
	pc.guard = transport.NewGuard(&pc.cfg, pc.endpoint, c.red, c.tokens, c.session)
	pc.http = rc
	return pc, nil
}

// finish ends the partitioned run.
func (ps *partitionSet) finish(err error) {
	r := ps.run
	snap := ps.snapshot()
	r.mu.Lock()
	s := &r.snap
	switch {
	case errors.Is(err, ErrCanceled):
		s.State, s.Detail = StatePaused, "stopped; checkpoints saved"
	case err != nil:
		s.State, s.Err, s.Detail = StateFailed, err, err.Error()
	default:
		s.State, s.Detail = StateDone, snap.StopReason
	}
	r.err = err
	fin := Finished{At: now(), Pages: snap.Pages, Records: snap.Records, Rejected: snap.Rejected, Elapsed: time.Since(s.Started), StopReason: snap.StopReason, Err: err, Canceled: errors.Is(err, ErrCanceled)}
	if err != nil {
		fin.Error = err.Error()
	}
	entry := historyEntry(snap, err, fin.T) // history.go
	entry.Start, entry.Profile = s.Started, s.Profile
	r.mu.Unlock()
	if errors.Is(err, store.ErrFolderRefused) {
		// Not siphon's folder: nothing is written in it, history neither.
	} else if herr := ps.out.AppendHistory(entry); herr != nil {
		ps.emitMu.Lock()
		if len(r.events) < cap(r.events)-1 {
			r.events <- Warning{At: now(), What: herr.Error()}
		}
		ps.emitMu.Unlock()
	}
	ps.emitMu.Lock()
	r.events <- fin // a slot is always kept free for this one
	close(r.events)
	ps.emitMu.Unlock()
	close(r.done)
}

// snapshot sums the partitions' counters into the run's: the rows of
// those not walking, and the Runs of the few that are.
func (ps *partitionSet) snapshot() Snapshot {
	r := ps.run
	r.mu.Lock()
	s := r.snap
	r.mu.Unlock()
	n := ps.set.Len()
	sum := PartitionSummary{Total: n, ServerLimit: -1}
	allDone := n > 0
	totalKnown := true // a run's total is the sum only once every partition's is known
	stops := map[string]int{}
	ps.mu.Lock()
	for i := range n {
		var p Snapshot
		if ps.live[i] != nil {
			p = ps.live[i].run.Snapshot()
		} else {
			p = ps.rowSums(i)
		}
		s.Pages += p.Pages
		s.Records += p.Records
		s.Bytes += p.Bytes
		s.Retries += p.Retries
		s.Throttles += p.Throttles
		s.Anomalies += p.Anomalies
		s.Drifts += p.Drifts
		s.Rejected += p.Rejected
		switch {
		case p.TotalRecords > 0:
			s.TotalRecords += p.TotalRecords
		case p.State == StateDone:
			s.TotalRecords += p.Records
		default:
			totalKnown = false
		}
		if p.LastPage.After(s.LastPage) {
			s.LastPage = p.LastPage
		}
		if p.LastCheckpoint.After(s.LastCheckpoint) {
			s.LastCheckpoint = p.LastCheckpoint
		}
		if p.HasRateLimit {
			s.RateLimit, s.HasRateLimit = p.RateLimit, true
		}
		switch p.State {
		case StateDone:
			sum.Done++
			stops[p.StopReason]++
		case StateFailed:
			sum.Failed++
			sum.FailedKeys = append(sum.FailedKeys, ps.set.Key(i))
		case StatePaused:
			sum.Paused++
		case StateStarting:
			sum.Waiting++
		default:
			sum.Running++
		}
		if p.State != StateDone {
			allDone = false
		}
	}
	ps.mu.Unlock()
	if !totalKnown {
		s.TotalRecords = 0 // no bar rather than one that fills early
	}
	st := ps.c.budget.Stats()
	sum.Requests, sum.Rate, sum.ServerLimit = st.Sent, st.Rate, st.ServerLimit
	s.Partitions = &sum
	if allDone && len(stops) == 1 {
		for reason := range stops {
			s.StopReason = reason
		}
	} else if allDone {
		reasons := make([]string, 0, len(stops))
		for reason := range stops {
			reasons = append(reasons, reason)
		}
		sort.Strings(reasons)
		s.StopReason = strings.Join(reasons, "; ")
	}
	return s
}

// rowSums is what snapshot sums of a partition not walking: its row's
// counters, without the texts snapOf makes; ps.mu is held.
func (ps *partitionSet) rowSums(i int) Snapshot {
	row := ps.rowAt(i)
	s := Snapshot{State: rowStates[row.state], Pages: int(row.pages), Retries: int(row.retries), Throttles: int(row.throttles),
		Anomalies: int(row.anomalies), Drifts: int(row.drifts), Records: row.records, Rejected: row.rejected, Bytes: row.bytes, TotalRecords: row.total}
	if row.lastPage != 0 {
		s.LastPage = time.Unix(0, row.lastPage)
	}
	if row.lastCheckpoint != 0 {
		s.LastCheckpoint = time.Unix(0, row.lastCheckpoint)
	}
	if row.stop > 0 {
		s.StopReason = ps.stops[row.stop-1]
	}
	return s
}

// The partition set as a Run's driver (run.go).

func (ps *partitionSet) pause() {
	ps.run.setPaused(true)
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, pr := range ps.live {
		pr.run.Pause()
	}
}

func (ps *partitionSet) resume() {
	ps.run.setPaused(false)
	ps.mu.Lock()
	defer ps.mu.Unlock()
	clear(ps.pausedIdle)
	for _, pr := range ps.live {
		pr.run.Resume()
	}
}

// partitions lists each partition's snapshot, in declaration order; nil
// before the partitions are queued. For a few partitions: the console
// pages through them with partitionsPage instead.
func (ps *partitionSet) partitions() []PartitionSnapshot {
	out, _ := ps.partitionsPage(nil, 0, -1)
	return out
}

// partitionsPage lists, of the partitions keep accepts (nil: all), n from
// the from-th on (n < 0: all), and counts those keep accepts. Only the
// page's snapshots are made.
func (ps *partitionSet) partitionsPage(keep func(key string, state State) bool, from, n int) ([]PartitionSnapshot, int) {
	if !ps.isQueued() {
		return nil, 0
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	var out []PartitionSnapshot
	total := ps.set.Len()
	if keep == nil { // every partition: the page is a slice of them
		end := total
		if n >= 0 {
			end = min(end, from+n)
		}
		for i := max(from, 0); i < end; i++ {
			out = append(out, PartitionSnapshot{Partition: ps.set.At(i), Snapshot: ps.snapOf(i)})
		}
		return out, total
	}
	matched := 0
	for i := range total {
		state := rowStates[ps.rowAt(i).state]
		if pr := ps.live[i]; pr != nil {
			state = pr.run.Snapshot().State
		}
		if !keep(ps.set.Key(i), state) {
			continue
		}
		if matched >= from && (n < 0 || matched < from+n) {
			out = append(out, PartitionSnapshot{Partition: ps.set.At(i), Snapshot: ps.snapOf(i)})
		}
		matched++
	}
	return out, matched
}

// partitionSnapshot is one partition's snapshot.
func (ps *partitionSet) partitionSnapshot(key string) (PartitionSnapshot, bool) {
	i, err := ps.partition(key)
	if err != nil {
		return PartitionSnapshot{}, false
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return PartitionSnapshot{Partition: ps.set.At(i), Snapshot: ps.snapOf(i)}, true
}

func (ps *partitionSet) isQueued() bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.queued
}

// partition finds one partition of the set, once the set is queued.
func (ps *partitionSet) partition(key string) (int, error) {
	i, ok := ps.set.Find(key) // built before Start returned, never changed after
	if !ok || !ps.isQueued() {
		return 0, fmt.Errorf("no partition %q in this run", key)
	}
	return i, nil
}

// withPartition runs f on partition key's index, under the set's lock.
func (ps *partitionSet) withPartition(key string, f func(i int) error) error {
	i, err := ps.partition(key)
	if err != nil {
		return err
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return f(i)
}

func (ps *partitionSet) pausePartition(key string) error {
	return ps.withPartition(key, func(i int) error {
		if pr := ps.live[i]; pr != nil {
			pr.run.Pause()
		} else if ps.rowAt(i).state != rowDone {
			ps.pausedIdle[i] = true // it starts paused
		}
		return nil
	})
}

func (ps *partitionSet) resumePartition(key string) error {
	return ps.withPartition(key, func(i int) error {
		if pr := ps.live[i]; pr != nil {
			pr.run.Resume()
		}
		delete(ps.pausedIdle, i)
		return nil
	})
}

func (ps *partitionSet) retryPartition(key string) error {
	return ps.withPartition(key, func(i int) error {
		switch {
		case ps.closed:
			return errors.New("the run has ended; run it again to retry the failed partitions")
		case ps.live[i] != nil || ps.rowAt(i).state != rowFailed:
			return fmt.Errorf("partition %s has not failed", key)
		}
		ps.row(i).state = rowWaiting
		delete(ps.failed, i)
		ps.outstanding++
		ps.retries = append(ps.retries, i)
		ps.wake.Signal()
		return nil
	})
}
