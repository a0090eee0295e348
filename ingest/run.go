package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"siphon/ingest/httphdr"
	"siphon/ingest/schema"
)

// Run states, as the console and the progress lines show them.
const (
	StateStarting = "STARTING"
	StateRunning  = "RUNNING"
	StateSleeping = "SLEEPING"
	StateRetrying = "RETRYING"
	StatePaused   = "PAUSED"
	StateDone     = "DONE"
	StateFailed   = "FAILED"
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
}

// Snapshot is a run's counters at one moment. Read it as often as you like:
// it never slows the run.
type Snapshot struct {
	Profile        string
	State          string
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
	LastPage       time.Time
	LastCheckpoint time.Time
	Position       string
	RateLimit      httphdr.RateLimit // last announced by the server
	HasRateLimit   bool
	StopReason     string
	DroppedEvents  int
	Err            error
}

// Run is one run of a profile: started by Client.Start, it fetches until the
// data ends, it fails, or it is cancelled.
type Run struct {
	events chan Event
	done   chan struct{}
	cancel context.CancelFunc

	mu        sync.Mutex
	snap      Snapshot
	paused    bool
	resume    chan struct{} // closed to wake a paused run
	err       error
	invalid   map[string]int
	gateUntil time.Time
	gateWhy   string
}

// eventBuffer bounds the events waiting for a slow reader; past it events
// are dropped (and counted), never the run slowed.
const eventBuffer = 4096

// Start begins a run in the background. Read Events until it is closed, or
// call Wait.
func (c *Client) Start(ctx context.Context, job Job) *Run {
	ctx, cancel := context.WithCancel(ctx)
	r := &Run{events: make(chan Event, eventBuffer), done: make(chan struct{}), cancel: cancel}
	r.snap = Snapshot{Profile: c.cfg.Name, State: StateStarting, Started: time.Now()}
	rn := &runner{c: c, run: r, job: job}
	go func() {
		defer cancel()
		if c.cfg.TLS.InsecureSkipVerify {
			rn.emit(Warning{At: now(), What: "TLS certificate verification is OFF (tls.insecure_skip_verify): anyone on the network path can read and change this traffic, credentials included"})
		}
		err := rn.loop(ctx)
		if w := c.tokens.staleWarning(); w != "" {
			rn.emit(Warning{At: now(), What: w})
		}
		r.finish(err, rn)
	}()
	return r
}

// Events delivers the run's events; it is closed after Finished.
func (r *Run) Events() <-chan Event { return r.events }

// Snapshot returns the run's counters now.
func (r *Run) Snapshot() Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.snap
}

// Pause asks the run to stop after the page in flight and its checkpoint.
func (r *Run) Pause() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.paused {
		r.paused = true
		r.resume = make(chan struct{})
	}
}

// Resume lets a paused run go on.
func (r *Run) Resume() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.paused {
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
	r.mu.Unlock()
	r.events <- fin // a slot is always kept free for this one
	close(r.events)
	close(r.done)
}

// runner is the state of one run's loop; only the run's goroutine touches it.
type runner struct {
	c   *Client
	run *Run
	job Job
}

func (rn *runner) emit(ev Event) {
	r := rn.run
	if len(r.events) >= cap(r.events)-1 {
		r.mu.Lock()
		r.snap.DroppedEvents++
		r.mu.Unlock()
		return
	}
	r.events <- ev
}

func (rn *runner) setState(state, detail string, until time.Time) {
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
	r := rn.run
	r.mu.Lock()
	r.snap.Throttles++
	r.snap.State, r.snap.Detail, r.snap.Until = StateSleeping, why, until
	r.mu.Unlock()
	rn.emit(Throttled{At: now(), Until: until, Wait: wait, Reason: why})
}

// noteRateLimit reads the server's rate-limit headers; when the budget is
// spent, the next request waits for the reset instead of provoking a 429.
func (rn *runner) noteRateLimit(h map[string][]string) {
	rl, ok := httphdr.ParseRateLimit(h, time.Now())
	if !ok {
		return
	}
	r := rn.run
	r.mu.Lock()
	defer r.mu.Unlock()
	r.snap.RateLimit, r.snap.HasRateLimit = rl, true
	if !rn.c.cfg.RateLimit.IgnoreHeaders && rl.Remaining == 0 && !rl.Reset.IsZero() {
		r.gateUntil = rl.Reset
		r.gateWhy = fmt.Sprintf("server rate limit: 0 of %d left (%s headers), resets at %s", rl.Limit, rl.Dialect, rl.Reset.Format("15:04:05"))
	}
}

func (rn *runner) gate() (time.Time, string) {
	r := rn.run
	r.mu.Lock()
	defer r.mu.Unlock()
	until, why := r.gateUntil, r.gateWhy
	r.gateUntil = time.Time{}
	return until, why
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
	select {
	case <-wake:
	case <-ctx.Done():
		return true, ctx.Err()
	}
	rn.setState(StateRunning, "", time.Time{})
	rn.emit(Resumed{At: now()})
	return true, nil
}

// loop is the run: wait for the budget, fetch, extract, write, advance,
// checkpoint, emit; page after page.
func (rn *runner) loop(ctx context.Context) error {
	c := rn.c
	cfg := &c.cfg
	dir := rn.job.Out
	if dir == "" {
		dir = filepath.Join("siphon-data", cfg.Name)
	}
	if rn.job.Fresh {
		if _, err := MoveAside(dir); err != nil {
			return err
		}
	}
	cp, err := ReadCheckpoint(dir)
	if err != nil {
		return err
	}
	id := identity(cfg, c.redact().URL)
	hash := identityHash(id)
	pos, err := initialPosition(cfg.Pagination)
	if err != nil {
		return err
	}
	resumed := false
	if cp != nil {
		if cp.Profile != cfg.Name {
			return fmt.Errorf("%w: %s belongs to profile %q, not %q; use another --out, or --fresh to move it aside", ErrCheckpointDamaged, filepath.Join(dir, CheckpointFile), cp.Profile, cfg.Name)
		}
		if cp.ProfileHash != hash {
			return &ProfileChangedError{Dir: dir, Changes: identityChanges(cp.Identity, id)}
		}
		incremental := cfg.Pagination.Type == PageKeyset || cfg.Pagination.Type == PageTimestamp
		if cp.Done && !incremental {
			rn.run.mu.Lock()
			rn.run.snap.Pages, rn.run.snap.Records, rn.run.snap.StopReason = cp.Pages, cp.Records, StopAlreadyDone
			rn.run.mu.Unlock()
			return nil
		}
		pos = cp.Position
		resumed = true
	}
	out, err := openOutput(dir, cfg.Output.RawPages, c.validator != nil, cp)
	if err != nil {
		return err
	}
	defer out.close()
	pag, err := newPaginator(cfg.Pagination, pos, cfg.PrimaryKey)
	if err != nil {
		return err
	}

	state := &Checkpoint{Profile: cfg.Name, ProfileHash: hash, Pagination: cfg.Pagination.Type, Identity: id}
	if cp != nil {
		state.Pages, state.Records, state.Rejected = cp.Pages, cp.Records, cp.Rejected
	}
	shape := schema.NewTracker()
	invalid := schema.Counts{}
	defer func() {
		rn.run.mu.Lock()
		rn.run.invalid = invalid
		rn.run.mu.Unlock()
	}()
	r := rn.run
	r.mu.Lock()
	r.snap.Pages, r.snap.Records, r.snap.State = state.Pages, state.Records, StateRunning
	r.snap.Position = pag.cursorText()
	r.mu.Unlock()
	rn.emit(Started{At: now(), Profile: cfg.Name, URL: c.Endpoint(), Out: dir, Resumed: resumed, FromPage: state.Pages, Records: state.Records, Position: c.redact().URL(pag.cursorText())})

	lastCommit := time.Now()
	commit := func(done bool, reason string) error {
		state.Position, state.Done, state.StopReason, state.UpdatedAt = pag.pos, done, reason, time.Now().UTC()
		state.Position.NextURL = c.checkpointURL(state.Position.NextURL)
		if err := out.commit(state); err != nil {
			return err
		}
		lastCommit = time.Now()
		r.mu.Lock()
		r.snap.LastCheckpoint = lastCommit
		r.mu.Unlock()
		rn.emit(CheckpointSaved{At: now(), Pages: state.Pages, Records: state.Records})
		return nil
	}
	// stopWith saves what is durable and ends the run with err.
	stopWith := func(err error) error {
		if cerr := commit(false, ""); cerr != nil {
			return errors.Join(err, cerr)
		}
		return err
	}

	var prevBody [32]byte
	maxPages := rn.job.MaxPages
	if maxPages == 0 {
		maxPages = cfg.Pagination.MaxPages
	}
	for fetchedThisRun := 0; ; fetchedThisRun++ {
		if r.isPaused() {
			if err := commit(false, ""); err != nil {
				return err
			}
		}
		if _, err := rn.checkPause(ctx); err != nil {
			return stopWith(err)
		}
		if err := ctx.Err(); err != nil {
			return stopWith(err)
		}
		if maxPages > 0 && fetchedThisRun >= maxPages {
			rn.setStop(StopMaxPages)
			return commit(false, StopMaxPages)
		}
		pageNo := state.Pages + 1
		cursorIn := pag.cursorText()
		f, err := rn.fetchPage(ctx, pageNo, pag.request())
		if err != nil {
			return stopWith(err)
		}
		recs := pag.dedup(f.records)
		sum := sha256.Sum256(f.body)
		if len(f.records) > 0 && sum == prevBody {
			rn.noteAnomaly(Anomaly{At: now(), Page: pageNo, What: fmt.Sprintf("page %d is identical to page %d: the API seems to ignore the pagination parameters", pageNo, pageNo-1), Action: "stopped"})
			return stopWith(fmt.Errorf("page %d: the same body as page %d came back; stopping before writing duplicates (the page was not saved)", pageNo, pageNo-1))
		}
		prevBody = sum
		if state.Pages == 0 && len(f.records) == 0 {
			if hint := arrayHint(f.page); hint != "" {
				rn.noteAnomaly(Anomaly{At: now(), Page: pageNo, What: fmt.Sprintf("records %s found nothing on page 1; the body has arrays at %s", cfg.Records, hint), Action: "continued"})
			}
		}
		before := pag.pos
		reason, err := pag.advance(&response{page: f.page, header: f.header, url: f.url, records: recs, fetched: len(f.records)}, pageNo)
		if err != nil {
			pag.pos = before
			var an *anomalyError
			if errors.As(err, &an) {
				rn.noteAnomaly(Anomaly{At: now(), Page: pageNo, What: an.what, Action: "stopped"})
			}
			return stopWith(fmt.Errorf("page %d: %w (the page was not saved)", pageNo, err))
		}
		for _, note := range pag.takeNotes() {
			rn.noteAnomaly(Anomaly{At: now(), Page: pageNo, What: note, Action: "continued"})
		}
		for _, d := range shape.Observe(recs) {
			rn.noteDrift(DriftDetected{At: now(), Page: pageNo, Field: d.Field, Change: d.Change, Was: d.Was, Now: d.Now, Example: c.redact().String(d.Example)})
			if cfg.Schema.OnDrift == "fail" {
				pag.pos = before
				return stopWith(fmt.Errorf("page %d: schema drift: %s %s (%s → %s), and schema.on_drift is fail (the page was not saved)", pageNo, d.Field, d.Change, orDash(d.Was), orDash(d.Now)))
			}
		}
		if c.validator != nil {
			kept := recs[:0:0]
			for i, rec := range recs {
				ok, reason, paths := c.validator.Validate(rec)
				if ok {
					kept = append(kept, rec)
					continue
				}
				invalid.Add(paths)
				if cfg.Schema.OnInvalid == "fail" {
					pag.pos = before
					return stopWith(fmt.Errorf("page %d, record %d fails the JSON Schema %s: %s (schema.on_invalid is fail; the page was not saved)", pageNo, i+1, cfg.Schema.File, c.redact().String(reason)))
				}
				if err := out.writeRejected(pageNo, c.redact().String(reason), rec); err != nil {
					return err
				}
				state.Rejected++
			}
			recs = kept
		}
		if err := out.writeRecords(recs); err != nil {
			return err // the last checkpoint stays as it was; resume cuts the partial write
		}
		cursorOut := pag.cursorText()
		if reason != "" {
			cursorOut = ""
		}
		entry := &PageEntry{Page: pageNo, Time: time.Now().UTC(), Method: cfg.Method, URL: c.redact().URL(f.url.String()), Status: f.status,
			Attempts: f.attempts, Duration: f.duration.Round(time.Microsecond).String(), Bytes: int64(len(f.body)), Records: len(recs),
			CursorIn: c.redact().URL(cursorIn), CursorOut: c.redact().URL(cursorOut), Headers: flatHeaders(c.redact().Header(f.header))}
		if err := out.writePage(entry, f.body); err != nil {
			return err
		}
		state.Pages = pageNo
		state.Records += int64(len(recs))
		r.mu.Lock()
		r.snap.Pages, r.snap.Records, r.snap.LastPage = state.Pages, state.Records, time.Now()
		r.snap.Rejected = state.Rejected
		r.snap.TotalRecords, r.snap.TotalPages = pag.totalRecords, pag.totalPages
		r.snap.Bytes += int64(len(f.body))
		r.snap.Position = cursorOut
		r.mu.Unlock()
		preview := f.body
		if len(preview) > BodyPreviewBytes {
			preview = preview[:BodyPreviewBytes]
		}
		sample := recs
		if len(sample) > SampleRecords {
			sample = sample[len(sample)-SampleRecords:]
		}
		rn.emit(PageFetched{At: now(), Page: pageNo, Status: f.status, Attempts: f.attempts, Records: len(recs), Bytes: int64(len(f.body)),
			Duration: f.duration, CursorIn: entry.CursorIn, CursorOut: entry.CursorOut, StopReason: reason, URL: entry.URL,
			Request:  PageRequest{Method: cfg.Method, URL: entry.URL, Headers: flatHeaders(c.redact().Header(f.sent))},
			Response: PageResponse{Status: f.status, Headers: entry.Headers, ContentType: f.header.Get("Content-Type"), Body: []byte(c.redact().String(string(preview))), BodyBytes: int64(len(f.body))},
			Sample:   sample})
		if reason != "" {
			rn.setStop(reason)
			return commit(true, reason)
		}
		if c.commitInterval >= 0 && time.Since(lastCommit) >= c.commitInterval {
			if err := commit(false, ""); err != nil {
				return err
			}
		}
	}
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

// flatHeaders turns headers into one value per name, for the page index.
func flatHeaders(h map[string][]string) map[string]string {
	out := make(map[string]string, len(h))
	for k, vs := range h {
		if len(vs) > 0 {
			out[k] = vs[0]
			for _, v := range vs[1:] {
				out[k] += ", " + v
			}
		}
	}
	return out
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
	return msg + "\nrun with --fresh to start over (the old output is moved aside, not deleted), or restore the old profile to resume"
}

// arrayHint lists the top-level arrays of a body, for a records expression
// that found nothing: ".items (100), .errors (0)".
func arrayHint(p *page) string {
	obj, err := p.object("", json.RawMessage(p.body))
	if err != nil {
		return ""
	}
	var hints []string
	for k, v := range obj {
		if len(v) > 0 && v[0] == '[' {
			var arr []json.RawMessage
			if json.Unmarshal(v, &arr) == nil {
				hints = append(hints, fmt.Sprintf(".%s (%d)", k, len(arr)))
			}
		}
	}
	sort.Strings(hints)
	return strings.Join(hints, ", ")
}
