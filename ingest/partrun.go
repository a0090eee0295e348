package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"siphon/ingest/partition"
	"siphon/ingest/partition/partlist"
	"siphon/ingest/store"
	"siphon/ingest/transport"
)

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

// RunState is the content of store.RunStateFile, a partitioned run's own
// state in its output: which partitions exist and which are done. The partitions' checkpoints are
// what a resume trusts; this file lists the set, to notice when it changes,
// and says in one place how far the run got.
type RunState struct {
	Version    int              `json:"version"`
	Profile    string           `json:"profile"`
	Kind       string           `json:"kind"`
	Shard      string           `json:"shard,omitempty"`
	Partitions []PartitionState `json:"partitions"`
	UpdatedAt  time.Time        `json:"updated_at"`
}

// PartitionState is one partition's line in RunState.
type PartitionState struct {
	partition.Partition
	State string `json:"state"` // STARTING (not yet run), RUNNING, DONE, FAILED, PAUSED
	Error string `json:"error,omitempty"`
}

// ReadRunState reads a partitioned run's run state in dir; nil, nil
// when there is none (the folder is no partitioned run's, or a new one).
func ReadRunState(dir string) (*RunState, error) { return readRunState(store.At(dir)) }

func readRunState(out store.Location) (*RunState, error) {
	b, err := out.ReadRunState()
	if b == nil || err != nil {
		return nil, err
	}
	var st RunState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%w: %s is not a siphon run state (%v); run with --fresh to start over", store.ErrCheckpointDamaged, filepath.Join(out.String(), store.RunStateFile), err)
	}
	return &st, nil
}

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
	State string `json:"state"`
}

func (PartitionStarted) Kind() string  { return "partition_started" }
func (PartitionFinished) Kind() string { return "partition_finished" }

// Their own, not the promoted Started's and Finished's, which would drop
// the wrapper.
func (e PartitionStarted) withPartition(k string) Event  { e.Partition = k; return e }
func (e PartitionFinished) withPartition(k string) Event { e.Partition = k; return e }

// PartitionsFailedError ends a run in which partitions failed; the others
// went on and are done.
type PartitionsFailedError struct {
	Failed []PartitionFailure
}

// PartitionFailure is one failed partition and why.
type PartitionFailure struct {
	Key string
	Err error
}

func (e *PartitionsFailedError) Error() string {
	keys := make([]string, len(e.Failed))
	for i, f := range e.Failed {
		keys[i] = f.Key
	}
	msg := fmt.Sprintf("%d partition(s) failed: %s", len(e.Failed), strings.Join(keys, ", "))
	for i, f := range e.Failed {
		if i == 5 {
			msg += fmt.Sprintf("\n  … and %d more (see run.json)", len(e.Failed)-5)
			break
		}
		msg += fmt.Sprintf("\n  %s: %v", f.Key, f.Err)
	}
	return msg
}

// partRun is one partition of a run.
type partRun struct {
	p      partition.Partition
	client *Client
	run    *Run  // its counters, pause and state; its events go to the parent
	refuse error // set when the partition cannot be sent at all (a value refused): it fails without a request
	err    error
	final  string // the state it ended in; "" while not ended
}

// partitionSet runs a partitioned profile: a queue of partitions, a few
// workers, one budget (the client's).
type partitionSet struct {
	// Set by startPartitioned before Start returns, never changed after:
	// read without a lock from any goroutine.
	c     *Client
	run   *Run
	job   Job
	out   store.Location // the run's output (its shard's, when sharded)
	all   []*partRun
	byID  map[string]*partRun
	queue chan *partRun // holds every partition: enqueuing never blocks

	held store.Store // out, held by loop while the partitions run

	mu          sync.Mutex // guards the fields below, and partRun.err and final
	queued      bool       // the partitions are queued: Partitions and PausePartition show them from then on
	pool        *aheadPool // request slots: one a worker, lent at the tail (ahead.go)
	outstanding int        // partitions queued or running
	closed      bool       // the queue is closed: retries come too late
	emitMu      sync.Mutex
	stateMu     sync.Mutex // serialises writes of run.json
}

// startPartitioned begins a partitioned run. The partition set is built
// here, before Start returns: Partitions, Pause and PausePartition read it
// from other goroutines at once, and it does not change after.
func (c *Client) startPartitioned(ctx context.Context, job Job) *Run {
	ctx, cancel := context.WithCancel(ctx)
	r := &Run{events: make(chan Event, eventBuffer), done: make(chan struct{}), cancel: cancel}
	r.snap = Snapshot{Profile: c.cfg.Name, State: StateStarting, Started: time.Now()}
	ps := &partitionSet{c: c, run: r, job: job, byID: map[string]*partRun{}}
	listErr := ps.list()
	ps.queue = make(chan *partRun, len(ps.all))
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

// list builds the set: this shard's partitions, each with its client (or
// the reason it cannot be sent).
func (ps *partitionSet) list() error {
	c := ps.c
	cfg := &c.cfg
	out := ps.job.Out
	if out == "" {
		out = filepath.Join("siphon-data", cfg.Name)
	}
	ps.out = store.At(out).Shard(ps.job.Shard.K, ps.job.Shard.N)
	parts, err := partlist.Of(*cfg)
	if err != nil {
		return err
	}
	parts = partition.ForShard(parts, ps.job.Shard.K, ps.job.Shard.N)
	hc := c.http.GetClient()
	for _, p := range parts {
		pc, err := c.partitionClient(p, hc)
		pr := &partRun{p: p, client: pc, run: &Run{done: make(chan struct{})}}
		pr.run.drv = walkDriver{pr.run}
		if err != nil {
			// This partition fails on its own; the others go on.
			var pve *partition.ValueError
			if !errors.As(err, &pve) {
				err = fmt.Errorf("partition %d (%s): %w", p.Index, p.Key, err)
			}
			pr.refuse, pr.client = err, nil
		}
		pr.run.snap = Snapshot{Profile: cfg.Name, State: StateStarting}
		ps.all = append(ps.all, pr)
		ps.byID[p.Key] = pr
	}
	return nil
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
		out = filepath.Join("siphon-data", cfg.Name)
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
	saved, err := readRunState(ps.out)
	if err != nil {
		return err
	}
	if saved != nil {
		parts := make([]partition.Partition, len(ps.all))
		for i, pr := range ps.all {
			parts[i] = pr.p
		}
		if changes := partitionChanges(saved, cfg.Partitions.Kind(), parts); len(changes) > 0 {
			return &ProfileChangedError{Dir: ps.out.String(), Changes: changes}
		}
	}
	ps.run.mu.Lock()
	ps.run.snap.State = StateRunning
	ps.run.mu.Unlock()
	if err := ps.saveState(); err != nil {
		return err
	}
	ps.emit(Started{At: now(), Profile: cfg.Name, URL: c.Endpoint(), Out: ps.out.String(), Resumed: saved != nil})
	for _, w := range c.Exposures() {
		ps.emit(Warning{At: now(), What: w})
	}

	workers := ps.job.Concurrency
	if workers <= 0 {
		workers = max(cfg.Concurrency, 1)
	}
	ps.pool = newAheadPool(workers)
	ps.mu.Lock()
	ps.outstanding = len(ps.all)
	for _, pr := range ps.all {
		ps.queue <- pr // room: the queue holds every partition
	}
	if len(ps.all) == 0 {
		ps.closed = true
		close(ps.queue)
	}
	ps.queued = true
	ps.mu.Unlock()
	var wg sync.WaitGroup
	for range min(workers, max(len(ps.all), 1)) {
		wg.Go(func() {
			for pr := range ps.queue {
				ps.walk(ctx, pr)
			}
		})
	}
	wg.Wait()
	if w := c.tokens.StaleWarning(); w != "" {
		ps.emit(Warning{At: now(), What: w})
	}
	if err := ctx.Err(); err != nil {
		return ErrCanceled
	}
	var failed []PartitionFailure
	for _, pr := range ps.all {
		if pr.final == StateFailed {
			failed = append(failed, PartitionFailure{pr.p.Key, pr.err})
		}
	}
	if len(failed) > 0 {
		return &PartitionsFailedError{Failed: failed}
	}
	return nil
}

// walk runs one partition to its end, on a worker.
func (ps *partitionSet) walk(ctx context.Context, pr *partRun) {
	r := pr.run
	var err error
	switch {
	case ctx.Err() != nil:
		err = ctx.Err()
	case pr.refuse != nil:
		err = pr.refuse // refused before any request: nothing is sent, nothing retried
	default:
		r.mu.Lock()
		r.snap.State, r.snap.Started, r.err = StateRunning, time.Now(), nil
		r.snap.Err, r.snap.Detail, r.snap.StopReason = nil, "", ""
		r.mu.Unlock()
		rn := &runner{c: pr.client, run: r, job: Job{Out: ps.out.Partition(pr.p.Key).String(), MaxPages: ps.job.MaxPages}, sink: ps.sink(pr.p.Key), pool: ps.pool}
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
	r.mu.Unlock()

	ps.mu.Lock()
	pr.err, pr.final = err, state
	ps.outstanding--
	if ps.outstanding == 0 {
		ps.closed = true
		close(ps.queue)
	}
	ps.mu.Unlock()
	ps.emit(PartitionFinished{Finished: fin, State: state}.withPartition(pr.p.Key))
	if err := ps.saveState(); err != nil {
		ps.emit(Warning{At: now(), What: fmt.Sprintf("saving %s: %v", store.RunStateFile, err)})
	}
}

// saveState writes run.json: every partition of this run and its state.
func (ps *partitionSet) saveState() error {
	ps.stateMu.Lock()
	defer ps.stateMu.Unlock()
	st := RunState{Version: 1, Profile: ps.c.cfg.Name, Kind: ps.c.cfg.Partitions.Kind(), UpdatedAt: time.Now().UTC()}
	if ps.job.Shard.N > 1 {
		st.Shard = ps.job.Shard.String()
	}
	for _, pr := range ps.all {
		snap := pr.run.Snapshot()
		ps.mu.Lock()
		state := pr.final
		ps.mu.Unlock()
		if state == "" {
			state = snap.State
		}
		line := PartitionState{Partition: pr.p, State: state}
		if state == StateFailed && snap.Err != nil {
			line.Error = snap.Err.Error()
		}
		st.Partitions = append(st.Partitions, line)
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return ps.held.WriteRunState(append(b, '\n'))
}

// partitionChanges says how the partitions now differ from the saved set.
// New partitions are no change: they are simply run.
func partitionChanges(saved *RunState, kind string, now []partition.Partition) []string {
	var out []string
	if saved.Kind != kind {
		return []string{fmt.Sprintf("partitions were %s, are now %s", orDash(saved.Kind), orDash(kind))}
	}
	byKey := map[string]partition.Partition{}
	for _, p := range now {
		byKey[p.Key] = p
	}
	for _, sp := range saved.Partitions {
		p, ok := byKey[sp.Key]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("partition %s (%s) is gone", sp.Key, sp.Partition.Describe()))
		case p.Start != sp.Start || p.End != sp.End || p.Value != sp.Value:
			out = append(out, fmt.Sprintf("partition %s was %s, is now %s", sp.Key, sp.Partition.Describe(), p.Describe()))
		}
	}
	return out
}

// partitionClient is a client for one partition: the profile with the
// partition's references filled in, sharing the connection pool, tokens,
// redactor and budget with c.
func (c *Client) partitionClient(p partition.Partition, hc *http.Client) (*Client, error) {
	pc := new(Client)
	*pc = *c
	var err error
	if pc.cfg, err = partition.Fill(c.cfg, p); err != nil {
		return nil, err
	}
	if pc.endpoint, err = transport.JoinURL(pc.cfg.BaseURL, pc.cfg.Path); err != nil {
		return nil, err
	}
	keepEscapes(pc.endpoint, pc.cfg.BaseURL, pc.cfg.Path)
	pc.guard = transport.NewGuard(&pc.cfg, pc.endpoint, c.red, c.tokens)
	pc.http = pc.guard.NewResty(hc)
	return pc, nil
}

// keepEscapes gives u, joined from base and path, the path exactly as
// written, escapes kept: a partition value's %2F must reach the server as
// %2F, inside its segment, not as a '/' that starts a new one.
func keepEscapes(u *url.URL, base, path string) {
	b, err1 := url.Parse(base)
	p, err2 := url.Parse(path)
	if err1 != nil || err2 != nil {
		return
	}
	raw := strings.TrimSuffix(b.EscapedPath(), "/") + "/" + strings.TrimPrefix(p.EscapedPath(), "/")
	if dec, err := url.PathUnescape(raw); err == nil && dec == u.Path {
		u.RawPath = raw
	}
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

// snapshot sums the partitions' counters into the run's.
func (ps *partitionSet) snapshot() Snapshot {
	r := ps.run
	r.mu.Lock()
	s := r.snap
	r.mu.Unlock()
	sum := PartitionSummary{Total: len(ps.all), ServerLimit: -1}
	allDone := len(ps.all) > 0
	totalKnown := true // a run's total is the sum only once every partition's is known
	stops := map[string]int{}
	for _, pr := range ps.all {
		p := pr.run.Snapshot()
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
			sum.FailedKeys = append(sum.FailedKeys, pr.p.Key)
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

// The partition set as a Run's driver (run.go).

func (ps *partitionSet) pause() {
	ps.run.setPaused(true)
	ps.each((*Run).Pause)
}

func (ps *partitionSet) resume() {
	ps.run.setPaused(false)
	ps.each((*Run).Resume)
}

// partitions lists each partition's snapshot, in declaration order; nil
// before the partitions are queued.
func (ps *partitionSet) partitions() []PartitionSnapshot {
	if !ps.isQueued() {
		return nil
	}
	out := make([]PartitionSnapshot, len(ps.all))
	for i, pr := range ps.all {
		out[i] = PartitionSnapshot{Partition: pr.p, Snapshot: pr.run.Snapshot()}
	}
	return out
}

func (ps *partitionSet) isQueued() bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.queued
}

// partition finds one partition of the set, once the set is queued.
func (ps *partitionSet) partition(key string) (*partRun, error) {
	pr := ps.byID[key] // built before Start returned, never changed after
	if pr == nil || !ps.isQueued() {
		return nil, fmt.Errorf("no partition %q in this run", key)
	}
	return pr, nil
}

func (ps *partitionSet) pausePartition(key string) error {
	pr, err := ps.partition(key)
	if err == nil {
		pr.run.Pause()
	}
	return err
}

func (ps *partitionSet) resumePartition(key string) error {
	pr, err := ps.partition(key)
	if err == nil {
		pr.run.Resume()
	}
	return err
}

func (ps *partitionSet) retryPartition(key string) error {
	pr, err := ps.partition(key)
	if err != nil {
		return err
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	switch {
	case ps.closed:
		return errors.New("the run has ended; run it again to retry the failed partitions")
	case pr.final != StateFailed:
		return fmt.Errorf("partition %s has not failed", key)
	}
	pr.final = ""
	pr.run.mu.Lock()
	pr.run.snap.State = StateStarting
	pr.run.mu.Unlock()
	ps.outstanding++
	ps.queue <- pr // room: the queue holds every partition
	return nil
}

// each applies f to every partition's run (Pause, Resume).
func (ps *partitionSet) each(f func(*Run)) {
	for _, pr := range ps.all {
		f(pr.run)
	}
}
