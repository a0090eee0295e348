package ingest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"siphon/ingest/budget"
	"siphon/ingest/httphdr"
	"siphon/ingest/page"
	"siphon/ingest/redact"
	"siphon/ingest/remedy"
	"siphon/ingest/store"
)

// State is where a run is, as the console and the progress lines show it.
type State string

// Run states.
const (
	StateStarting State = "STARTING"
	StateRunning  State = "RUNNING"
	StateSleeping State = "SLEEPING"
	StateRetrying State = "RETRYING"
	StatePaused   State = "PAUSED"
	StateDone     State = "DONE"
	StateFailed   State = "FAILED"
)

// StopAlreadyDone is the stop reason of a run whose checkpoint says the
// data is complete (for styles that cannot fetch "only what is new").
const StopAlreadyDone = "already complete"

// ErrCanceled is what Wait returns for a run that was cancelled after
// saving its checkpoint.
var ErrCanceled = errors.New("run canceled; checkpoint saved")

// Job says where a run writes and how it starts.
type Job struct {
	Out      string // output folder
	Fresh    bool   // move the old output aside and start over
	MaxPages int    // stop after this many pages in this run (0: the profile's max_pages)
	// Headless is a run nobody inspects page by page (siphon run): its
	// PageFetched events carry no Request, Response or Sample, which are
	// for a console's page inspector and records preview, and the walk
	// spares their copies of every page.
	Headless bool

	// Partitioned profiles only.
	Concurrency int   // partitions in flight at once (0: the profile's concurrency)
	Shard       Shard // run only this shard's partitions, in Out/shard-K-of-N
}

// Snapshot is a run's counters at one moment. Read it as often as you like:
// it never slows the run.
type Snapshot struct {
	Profile        string
	State          State
	Detail         string    // e.g. "2/6 — HTTP 503: retryable status"
	Until          time.Time // end of the current sleep or retry wait
	Pages          int
	Records        int64
	Bytes          int64
	Retries        int
	Throttles      int
	Anomalies      int
	Drifts         int
	Rejected       int64 // records that failed the JSON Schema
	TotalRecords   int64 // what the API says the walk holds (total_path); 0: unknown
	TotalPages     int64 // the API's page count (total_pages_path); 0: unknown
	Started        time.Time
	PriorElapsed   time.Duration // time earlier runs of this output spent fetching (from its checkpoint)
	LastPage       time.Time
	LastCheckpoint time.Time
	// SavedPages and SavedRecords are what the last checkpoint saved
	// vouches for: behind Pages and Records when saving it failed.
	SavedPages   int
	SavedRecords int64
	Position     string
	RateLimit    httphdr.RateLimit // last announced by the server
	HasRateLimit bool
	// LearnedRate is the requests per second the run learned to stay under
	// after 429s without Retry-After; 0: none learned.
	LearnedRate   float64
	StopReason    string
	DroppedEvents int
	Err           error
	Partitions    *PartitionSummary // a partitioned run's counts; nil otherwise
}

// Run is one run of a profile: started by Client.Start, it fetches until the
// data ends, it fails, or it is cancelled.
type Run struct {
	events chan Event
	done   chan struct{}
	cancel context.CancelFunc

	// held are a walk's events not yet on events: they go together
	// when the walk next waits (runner.flush), before a request at most
	// every handOverEvery, so that a fast run wakes its reader at most a
	// few hundred times a second, not once an event or a page.
	evMu        sync.Mutex
	held        []Event
	handedAt    time.Time   // the last hand-over
	handOverDue *time.Timer // hands the held events over when the walk waited too soon after the last
	timerArmed  bool
	closed      bool // events is closed: nothing more is handed over

	mu      sync.Mutex
	snap    Snapshot
	paused  bool
	resume  chan struct{} // closed to wake a paused run
	err     error
	invalid map[string]int
	drv     driver // one walk, or a partition set
}

// driver is what a Run drives: one walk (walkDriver) or a partition set
// (partitionSet, partrun.go). Run's methods hand over to it.
type driver interface {
	snapshot() Snapshot
	pause()
	resume()
	partitions() []PartitionSnapshot // nil: none (yet)
	partitionsPage(keep func(key string, state State) bool, from, n int) ([]PartitionSnapshot, int)
	partitionSnapshot(key string) (PartitionSnapshot, bool)
	pausePartition(key string) error
	resumePartition(key string) error
	retryPartition(key string) error
}

// walkDriver drives a run that is one walk: its runner (walk.go) updates
// the Run's snapshot and reads its pause.
type walkDriver struct{ r *Run }

func (d walkDriver) snapshot() Snapshot {
	d.r.mu.Lock()
	defer d.r.mu.Unlock()
	return d.r.snap
}

func (d walkDriver) pause()                          { d.r.setPaused(true) }
func (d walkDriver) resume()                         { d.r.setPaused(false) }
func (d walkDriver) partitions() []PartitionSnapshot { return nil }
func (d walkDriver) partitionsPage(func(string, State) bool, int, int) ([]PartitionSnapshot, int) {
	return nil, 0
}
func (d walkDriver) partitionSnapshot(string) (PartitionSnapshot, bool) {
	return PartitionSnapshot{}, false
}
func (d walkDriver) pausePartition(string) error  { return errNoPartitions }
func (d walkDriver) resumePartition(string) error { return errNoPartitions }
func (d walkDriver) retryPartition(string) error  { return errNoPartitions }

var errNoPartitions = errors.New("this run has no partitions")

// eventBuffer bounds the events waiting for a slow reader; past it events
// are dropped (and counted), never the run slowed. A page event holds its
// page's sample records and a 16 KiB preview, so this also bounds the memory
// a stalled reader can pin (about 40 MiB at 25 KiB pages).
const eventBuffer = 1024

// Start begins a run in the background. Read Events until it is closed, or
// call Wait.
func (c *Client) Start(ctx context.Context, job Job) *Run {
	if c.cfg.Partitions.Kind() != "" {
		return c.startPartitioned(ctx, job)
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &Run{events: make(chan Event, eventBuffer), done: make(chan struct{}), cancel: cancel}
	r.snap = Snapshot{Profile: c.cfg.Name, State: StateStarting, Started: time.Now()}
	r.drv = walkDriver{r}
	rn := &runner{c: c, run: r, job: job}
	if n := cmp.Or(job.Concurrency, c.cfg.Concurrency); n > 1 {
		rn.pool = newAheadPool(n)
		rn.pool.tryTake() // the walk's own
	}
	c.budget.Begin()
	go func() {
		defer cancel()
		for _, w := range c.Exposures() {
			rn.emit(Warning{At: now(), What: w})
		}
		err := rn.loop(ctx)
		if w := c.tokens.StaleWarning(); w != "" {
			rn.emit(Warning{At: now(), What: w})
		}
		r.finish(c.redact().Error(err), rn) // the error is shown and logged: no secret in it
	}()
	return r
}

// Events delivers the run's events, in order; it is closed after
// Finished. A run hands them over in groups when it is about to wait: at
// once before a wait for the rate budget, a retry or a pause; before a
// request, at most every handOverEvery (5 ms), so a reader of a run of
// thousands of small pages a second wakes a few hundred times a second,
// not once a page, and hears of a page within 5 ms.
// Events a reader has fallen too far behind for are dropped and counted
// (Snapshot.DroppedEvents), never the run slowed.
func (r *Run) Events() <-chan Event { return r.events }

// Snapshot returns the run's counters now.
func (r *Run) Snapshot() Snapshot { return r.drv.snapshot() }

// Pause asks the run to stop after the page in flight and its checkpoint.
func (r *Run) Pause() { r.drv.pause() }

// Resume lets a paused run go on.
func (r *Run) Resume() { r.drv.resume() }

// Partitions returns each partition's counters, in declaration order; nil
// for a run without partitions, or before its partitions are queued.
// It makes a snapshot of every partition: with many, use PartitionsPage.
func (r *Run) Partitions() []PartitionSnapshot { return r.drv.partitions() }

// PartitionsPage returns, of the partitions keep accepts (nil: all), at
// most n (n < 0: all) from the from-th on, in declaration order, and how
// many keep accepts in all. keep sees each partition's key and state
// (STARTING for one not started); only the page's snapshots are made, so
// a console can show a window of 50,000 partitions at every tick.
func (r *Run) PartitionsPage(keep func(key string, state State) bool, from, n int) ([]PartitionSnapshot, int) {
	return r.drv.partitionsPage(keep, from, n)
}

// Partition returns one partition's snapshot; false when the run has no
// such partition (or has not queued its partitions yet).
func (r *Run) Partition(key string) (PartitionSnapshot, bool) { return r.drv.partitionSnapshot(key) }

// PausePartition pauses one partition after its page in flight and its
// checkpoint. It keeps its worker meanwhile.
func (r *Run) PausePartition(key string) error { return r.drv.pausePartition(key) }

// ResumePartition lets a paused partition go on.
func (r *Run) ResumePartition(key string) error { return r.drv.resumePartition(key) }

// RetryPartition queues a failed partition again, from its checkpoint. It
// fails once the run has ended (run it again instead).
func (r *Run) RetryPartition(key string) error { return r.drv.retryPartition(key) }

// setPaused sets the pause the run's walk reads between pages (checkPause).
func (r *Run) setPaused(paused bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case paused && !r.paused:
		r.paused = true
		r.resume = make(chan struct{})
	case !paused && r.paused:
		r.paused = false
		close(r.resume)
	}
}

// Cancel stops the run; it saves its checkpoint before it ends.
func (r *Run) Cancel() { r.cancel() }

// Done is closed when the run has ended.
func (r *Run) Done() <-chan struct{} { return r.done }

// Wait waits for the run to end and returns why it failed (nil when it
// completed or stopped at max_pages, ErrCanceled when cancelled).
func (r *Run) Wait() error {
	<-r.done
	return r.err
}

func (r *Run) finish(err error, rn *runner) {
	r.mu.Lock()
	s := &r.snap
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, ErrCanceled):
		err = ErrCanceled
		s.State = StatePaused
		s.Detail = "stopped; checkpoint saved"
	case err != nil:
		s.State = StateFailed
		s.Err = err
		s.Detail = err.Error()
	default:
		s.State = StateDone
		s.Detail = s.StopReason
	}
	r.err = err
	fin := Finished{At: now(), Pages: s.Pages, Records: s.Records, Rejected: s.Rejected, Invalid: r.invalid, Elapsed: time.Since(s.Started), StopReason: s.StopReason, Err: err, Canceled: errors.Is(err, ErrCanceled)}
	if err != nil {
		fin.Error = err.Error()
	}
	entry := historyEntry(*s, err, fin.T)
	r.mu.Unlock()
	rn.c.budget.End()
	if errors.Is(err, store.ErrFolderRefused) {
		// Not siphon's folder: nothing is written in it, history neither.
	} else if herr := rn.output().AppendHistory(entry); herr != nil {
		rn.emit(Warning{At: now(), What: herr.Error()})
	}
	r.closeEvents(fin)
	close(r.done)
}

// closeEvents hands over the events held, then fin, and closes the
// channel; a hand-over timer still armed then finds nothing to do.
func (r *Run) closeEvents(fin Finished) {
	r.evMu.Lock()
	defer r.evMu.Unlock()
	r.handOver()
	r.closed = true
	if r.handOverDue != nil {
		r.handOverDue.Stop()
	}
	r.events <- fin // a slot is always kept free for this one
	close(r.events)
}

// hold keeps ev for the next flush, or drops it (counted) when the reader
// has fallen so far behind that it would not fit: the events waiting,
// held or on the channel, stay within eventBuffer.
func (r *Run) hold(ev Event) {
	r.evMu.Lock()
	if len(r.events)+len(r.held) >= cap(r.events)-1 {
		r.evMu.Unlock()
		r.mu.Lock()
		r.snap.DroppedEvents++
		r.mu.Unlock()
		return
	}
	r.held = append(r.held, ev)
	r.evMu.Unlock()
}

// handOverEvery is how often, at most, held events go to the reader. A
// hand-over wakes the reader, which costs the walk several microseconds:
// at thousands of small pages a second that was a few percent of its CPU.
// An event waits 5 ms at most, well within a console's frame.
const handOverEvery = 5 * time.Millisecond

// flush hands the held events to the reader now.
func (r *Run) flush() {
	r.evMu.Lock()
	defer r.evMu.Unlock()
	if !r.closed {
		r.handOver()
	}
}

// flushSoon hands the held events to the reader now, or, when the last
// hand-over was less than handOverEvery ago, once that much has passed
// (a timer does it while the walk waits). A quarter of the buffer held
// goes at once.
func (r *Run) flushSoon() {
	r.evMu.Lock()
	defer r.evMu.Unlock()
	if len(r.held) == 0 || r.closed {
		return
	}
	wait := handOverEvery - time.Since(r.handedAt)
	if wait <= 0 || len(r.held) >= cap(r.events)/4 {
		r.handOver()
		return
	}
	if r.timerArmed {
		return
	}
	r.timerArmed = true
	if r.handOverDue == nil {
		r.handOverDue = time.AfterFunc(wait, r.handOverLate)
	} else {
		r.handOverDue.Reset(wait)
	}
}

// handOverLate is the timer's hand-over.
func (r *Run) handOverLate() {
	r.evMu.Lock()
	defer r.evMu.Unlock()
	r.timerArmed = false
	if !r.closed {
		r.handOver()
	}
}

// handOver puts the held events on the channel. hold left room for them,
// and only a reader takes from the channel meanwhile: no send blocks.
// The caller holds evMu.
func (r *Run) handOver() {
	for i, ev := range r.held {
		r.events <- ev
		r.held[i] = nil // the reader's now, not this buffer's
	}
	r.held = r.held[:0]
	r.handedAt = time.Now()
}

// runner is the state of one run's loop; only the run's goroutine touches it.
type runner struct {
	c       *Client
	run     *Run
	job     Job
	out     store.Location // a partition's output; nil: job.Out's
	records *page.Expr     // nil: the profile's records expression
	ticket  *budget.Ticket // the request in flight's place in the budget
	sink    func(Event)    // a partition's: where its events go instead

	reader     *page.Reader // see pageReader
	readerDone bool
	recs       *pageSink // a walk's: takes the records as they are read; nil: collect them

	pool  *aheadPool // request slots to fetch ahead with; nil: one request at a time
	ahead *readAhead // the walk's pages fetched ahead (ahead.go)
	quiet bool       // a request fetched ahead: its waits are not the run's state

	query pageQuery // builds the requests' queries

	clock *attemptClock // bounds the walk's attempts; nil: each has a timer of its own
}

func (rn *runner) emit(ev Event) { rn.emitAs(ev, nil) }

// emitAs emits ev, whose texts red (non-nil) redacted already: while red
// is still the redactor in force they are not redacted a second time.
func (rn *runner) emitAs(ev Event, red *redact.Redactor) {
	if rn.sink != nil {
		rn.sink(ev)
		return
	}
	if red == nil || rn.c == nil || rn.c.redact() != red {
		ev = rn.redacted(ev)
	}
	rn.run.hold(ev)
}

// flush hands the events held so far to the reader. The walk calls it
// wherever it is about to wait (a request, the rate budget, a retry, a
// pause), so no event waits on the network or a timer. A partition's
// events go to its sink as they come.
func (rn *runner) flush() {
	if rn.sink == nil {
		rn.run.flush()
	}
}

// flushSoon is flush before a request: the events go within
// handOverEvery, not at once (Run.flushSoon).
func (rn *runner) flushSoon() {
	if rn.sink == nil {
		rn.run.flushSoon()
	}
}

func (rn *runner) setState(state State, detail string, until time.Time) {
	r := rn.run
	r.mu.Lock()
	r.snap.State, r.snap.Detail, r.snap.Until = state, detail, until
	r.mu.Unlock()
}

func (rn *runner) noteRetry() {
	rn.run.mu.Lock()
	rn.run.snap.Retries++
	rn.run.mu.Unlock()
}

func (rn *runner) noteThrottle(until time.Time, wait time.Duration, why string) {
	if rn.quiet {
		return // the walk says so when it waits
	}
	r := rn.run
	r.mu.Lock()
	r.snap.Throttles++
	r.snap.State, r.snap.Detail, r.snap.Until = StateSleeping, why, until
	r.mu.Unlock()
	rn.emit(Throttled{At: now(), Until: until, Wait: wait, Reason: why})
}

// listener is how the budget tells the run what its requests wait for.
func (rn *runner) listener() budget.Listener {
	return budget.Listener{Wait: rn.noteThrottle, Warn: rn.warn, Sleep: rn.flush}
}

func (rn *runner) warn(what string) { rn.emit(Warning{At: now(), What: what}) }

// noteLearned publishes a new learned rate (rps 0: unchanged).
func (rn *runner) noteLearned(rps float64, why string) {
	if rps == 0 {
		return
	}
	r := rn.run
	r.mu.Lock()
	r.snap.LearnedRate = rps
	r.mu.Unlock()
	rn.emit(RateLearned{At: now(), RequestsPerSecond: rps, Reason: why})
}

// attemptText is "3/6", or "attempt 3" when only retry.max_elapsed bounds
// the attempts.
func attemptText(attempt, maxAttempts int) string {
	if maxAttempts <= 0 {
		return fmt.Sprintf("attempt %d", attempt)
	}
	return fmt.Sprintf("%d/%d", attempt, maxAttempts)
}

// noteRateLimit reads the server's rate-limit headers into the snapshot and
// the shared budget, which holds every worker when the budget is spent.
func (rn *runner) noteRateLimit(h map[string][]string) {
	rl, ok := httphdr.ParseRateLimit(h, time.Now())
	if !ok {
		return
	}
	if w := rn.c.budget.Observe(rn.ticket, rl); w != "" {
		rn.warn(w)
	}
	r := rn.run
	r.mu.Lock()
	defer r.mu.Unlock()
	r.snap.RateLimit, r.snap.HasRateLimit = rl, true
}

// checkPause blocks while the run is paused. It reports whether it paused.
func (rn *runner) checkPause(ctx context.Context) (bool, error) {
	r := rn.run
	r.mu.Lock()
	paused, wake := r.paused, r.resume
	r.mu.Unlock()
	if !paused {
		return false, nil
	}
	rn.setState(StatePaused, "", time.Time{})
	rn.emit(Paused{At: now()})
	rn.flush()
	select {
	case <-wake:
	case <-ctx.Done():
		return true, ctx.Err()
	}
	rn.setState(StateRunning, "", time.Time{})
	rn.emit(Resumed{At: now()})
	return true, nil
}

func (rn *runner) noteAnomaly(a Anomaly) {
	rn.run.mu.Lock()
	rn.run.snap.Anomalies++
	rn.run.mu.Unlock()
	rn.emit(a)
}

func (rn *runner) noteDrift(d DriftDetected) {
	rn.run.mu.Lock()
	rn.run.snap.Drifts++
	rn.run.mu.Unlock()
	rn.emit(d)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (rn *runner) setStop(reason string) {
	rn.run.mu.Lock()
	rn.run.snap.StopReason = reason
	rn.run.mu.Unlock()
}

func (r *Run) isPaused() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.paused
}

// ProfileChangedError refuses to resume a checkpoint made by a profile
// whose position-defining fields have changed since.
type ProfileChangedError struct {
	Dir     string
	Changes []string
}

func (e *ProfileChangedError) Error() string {
	msg := fmt.Sprintf("the checkpoint in %s was made with a different profile, so its position means nothing now:", e.Dir)
	for _, ch := range e.Changes {
		msg += "\n  - " + ch
	}
	return msg + "\n" + remedy.StartOver.Say() + ", or restore the old profile to resume"
}

// Remedies: starting over (or restoring the profile, which no front end does).
func (e *ProfileChangedError) Remedies() []remedy.Remedy { return []remedy.Remedy{remedy.StartOver} }
