package tui

import (
	"bytes"
	"encoding/json"
	"errors"
	"time"

	"siphon/ingest"
	"siphon/ingest/termsafe"
)

// Bounds on what the console keeps of a run, however long it goes.
const (
	recordCapacity = 500  // the records preview
	pageCapacity   = 300  // pages whose request and response the inspector keeps
	logCapacity    = 1000 // the event log
)

// Bounds for a run not on screen: enough to look back on when it is
// opened, small enough that twenty runs cost little.
const (
	backRecordCapacity = 50
	backPageCapacity   = 10
	backLogCapacity    = 100
)

// runSession is one run being watched: the runner, what the console keeps
// of its events (bounded rings) and its latest snapshot. Screens look at a
// session; they do not own it, so the run goes on whatever is on screen.
type runSession struct {
	profile     Profile
	runner      Runner
	gen         int // which run's events are which
	snap        ingest.Snapshot
	url, out    string
	tp          throughput // records per second
	pageTP      throughput // pages per second, for an ETA by pages
	ended       bool
	pauseWanted bool
	stopAsked   bool      // the user stopped it (x, quit): no notification
	lastErr     string    // the latest retry cause or the run's error
	startedAt   time.Time // when the console started it
	// before is the records the run had from its checkpoint when it
	// started (a partitioned run's: per partition), so that rates count
	// only what this run fetched; doneRate is its average once over.
	before     int64
	partBefore map[string]int64
	// partBeforeSum is partBefore's sum, kept as it changes: fetched
	// runs at every tick, over runs of 50,000 partitions.
	partBeforeSum int64
	doneRate      float64
	partsDone     int  // partitions this run walked to the end, for the ETA
	onScreen      bool // its buffers are full size
	// trial is the selectors the playground was left with, unsaved: a
	// replay walks with them (nil: the profile's).
	trial *trialSelectors
	// from is a past run's output folder: the session was read from it
	// (pastrun.go), has no runner and never goes live.
	from string

	log     *ring[logEntry] // every event's line
	notable *ring[logEntry] // the same without the checkpoints
	records *ring[json.RawMessage]
	pages   *ring[pageInfo]
	pending map[int][]string // marks for pages not fetched yet

	// A partitioned run: its partitions' counters, the shared budget's
	// request rate, and the sessions of the partitions (bounded); a
	// partition's session has its run as parent.
	reqTP   throughput
	parts   map[string]*runSession
	parent  *runSession
	partKey string
	seq     int // when it last had an event, among its run's partitions
}

func newRunSession(p Profile, r Runner, gen int) *runSession {
	s := &runSession{profile: p, runner: r, gen: gen, url: p.URL, out: p.Out, tp: newThroughput(), pageTP: newThroughput()}
	s.log = newRing[logEntry](logCapacity)
	s.notable = newRing[logEntry](logCapacity)
	s.records = newRing[json.RawMessage](recordCapacity)
	s.pages = newRing[pageInfo](pageCapacity)
	s.pending = map[int][]string{}
	s.onScreen = true
	s.reqTP = newThroughput()
	s.parts = map[string]*runSession{}
	s.partBefore = map[string]int64{}
	if r != nil {
		s.snap = r.Snapshot()
	}
	return s
}

func (s *runSession) live() bool { return s != nil && !s.ended }

// refresh reads the run's snapshot; the console calls it on every tick.
func (s *runSession) refresh(now time.Time) {
	if !s.live() {
		return
	}
	s.snap = s.runner.Snapshot()
	s.tp.observe(now, s.fetched())
	s.pageTP.observe(now, int64(s.snap.Pages))
	if _, ok := s.partitioned(); ok {
		s.refreshParts(now)
	}
}

// refreshParts gives the partitions' sessions their latest counters.
func (s *runSession) refreshParts(now time.Time) {
	if s.snap.Partitions != nil {
		s.reqTP.observe(now, s.snap.Partitions.Requests)
	}
	pr, _ := s.partitioned()
	for key, sub := range s.parts { // bounded: maxPartSessions
		if ps, ok := pr.Partition(key); ok {
			sub.snap = ps.Snapshot
			sub.tp.observe(now, sub.fetched())
			sub.pageTP.observe(now, int64(ps.Pages))
		}
	}
}

// fetched is the records this run fetched, not counting those its
// checkpoint had when it started.
func (s *runSession) fetched() int64 {
	return max(s.snap.Records-s.before-s.partBeforeSum, 0)
}

// word is the run's state word, the same wherever it shows (header, runs
// list, picker, partition table): STOPPED for a run stopped before its end;
// PAUSED for a partitioned run paused as a whole once no partition runs
// on; a partition's WAITING before it starts.
func (s *runSession) word() string {
	switch {
	case s.ended && s.snap.State == ingest.StatePaused:
		return stateStopped
	case s.parent != nil:
		return partWord(s.snap)
	case s.live() && s.pauseWanted && s.snap.Partitions != nil && s.snap.Partitions.Running == 0:
		return string(ingest.StatePaused)
	}
	return stateWord(s.snap)
}

// over says the run (or the partition) has ended, whatever its state.
func (s *runSession) over() bool {
	return s.ended || s.parent != nil && (s.snap.State == ingest.StateDone || s.snap.State == ingest.StateFailed)
}

// recordRate is the rate to show: the recent window's while the run goes
// on; once it is over, its average over this run's walk, so that a fast
// run does not end showing 0 rec/s. The partition table and a partition's
// header both read it, so they agree.
func (s *runSession) recordRate(now time.Time) float64 {
	if !s.over() {
		if s.tp.samples.len() >= 2 {
			return s.tp.rate()
		}
		// No window yet: the average since it started.
		if secs := now.Sub(s.snap.Started).Seconds(); !s.snap.Started.IsZero() && secs > 0 {
			return float64(s.fetched()) / secs
		}
		return 0
	}
	if s.doneRate > 0 {
		return s.doneRate
	}
	avg, _ := s.tp.average()
	return avg
}

// rateText is the rate as the header, the runs list and the partition
// table show it: "362 rec/s" while it goes on, "362 rec/s avg" once over.
func rateText(s *runSession, now time.Time) string {
	text := formatCount(int64(s.recordRate(now)+0.5)) + " rec/s"
	if s.over() {
		text += " avg"
	}
	return text
}

// started restarts the rates at the run's (or the partition's) start:
// what its checkpoint had was fetched before.
func (s *runSession) started(e ingest.Started) {
	s.before, s.doneRate = e.Records, 0
	s.tp.restart()
	s.pageTP.restart()
}

// finished keeps the run's average over its walk.
func (s *runSession) finished(e ingest.Finished) {
	if secs := e.Elapsed.Seconds(); secs > 0 {
		s.doneRate = float64(max(e.Records-s.before, 0)) / secs
	}
}

// togglePause asks a live run to pause after its page, or to resume.
func (s *runSession) togglePause() {
	if !s.live() {
		return
	}
	if s.pauseWanted {
		s.runner.Resume()
	} else {
		s.runner.Pause()
	}
	s.pauseWanted = !s.pauseWanted
}

// apply files a batch of events where they show.
func (s *runSession) apply(events []ingest.Event) {
	var samples [][]json.RawMessage
	for _, ev := range events {
		part := ""
		if s.parent == nil {
			part = ev.PartitionKey()
		}
		if text, ok := eventText(ev); ok {
			if part != "" {
				text = part + ": " + text
			}
			// Events carry the API's words (causes, field names, errors)
			// and the profile's (partition keys): cleaned once, here.
			entry := logEntry{at: ev.Time(), text: termsafe.Line(text), severity: eventSeverity(ev)}
			s.log.push(entry)
			if !routine(ev) {
				s.notable.push(entry)
			}
		}
		if part != "" {
			sub := s.partSession(part)
			s.seq++
			sub.seq = s.seq
			sub.apply([]ingest.Event{ev})
			switch ev.(type) {
			case ingest.Paused, ingest.Resumed:
				continue // the partition's, not the run's
			}
		}
		switch e := ev.(type) {
		case ingest.Started:
			s.url, s.out = e.URL, e.Out
			s.started(e)
		case ingest.PartitionStarted:
			if s.parent != nil {
				s.url, s.out = e.URL, e.Out
				s.started(e.Started)
			} else if part != "" {
				s.partBeforeSum += e.Records - s.partBefore[part]
				if e.Records != 0 {
					s.partBefore[part] = e.Records
				} else {
					delete(s.partBefore, part) // a new partition's 0 is no entry: a fan-out of 50,000 keeps none
				}
			}
		case ingest.PartitionFinished:
			if s.parent != nil {
				s.finished(e.Finished)
			} else if e.State == ingest.StateDone && e.StopReason != ingest.StopAlreadyDone {
				s.partsDone++
			}
		case ingest.PageFetched:
			samples = append(samples, e.Sample)
			s.addPage(e)
		case ingest.Anomaly:
			s.mark(e.Page, termsafe.Line("anomaly: "+e.What))
		case ingest.DriftDetected:
			s.mark(e.Page, termsafe.Line("drift: "+driftText(e)))
		case ingest.Paused:
			s.pauseWanted = true
		case ingest.Resumed:
			s.pauseWanted = false
		case ingest.RetryScheduled:
			s.lastErr = e.Cause
		case ingest.Finished:
			s.finished(e)
			if e.Error != "" && !e.Canceled {
				s.lastErr = causeFirst(e.Error)
			}
		}
	}
	s.addLatest(samples)
}

// end marks the run over: its channel has closed.
func (s *runSession) end() {
	s.ended = true
	s.snap = s.runner.Snapshot()
	if s.snap.Err != nil && !errors.Is(s.snap.Err, ingest.ErrCanceled) {
		s.lastErr = causeFirst(s.snap.Err.Error())
	}
	if pr, ok := s.partitioned(); ok {
		for key, sub := range s.parts {
			if ps, ok := pr.Partition(key); ok {
				sub.snap = ps.Snapshot
			}
		}
		for _, sub := range s.parts {
			sub.ended = true
		}
	}
}

// failed says the run ended on an error.
func (s *runSession) failed() bool { return s.ended && s.snap.State == ingest.StateFailed }

// resumable says an ended run can be started again from its checkpoint:
// it failed or was stopped.
func (s *runSession) resumable() bool {
	return s.ended && (s.snap.State == ingest.StateFailed || s.snap.State == ingest.StatePaused)
}

// show sizes the run's buffers for being on screen or not: a run in the
// background keeps a little of each, so that memory stays bounded however
// many runs go on.
func (s *runSession) show(on bool) {
	if s.onScreen == on {
		return
	}
	s.onScreen = on
	if on {
		s.log.resize(logCapacity)
		s.notable.resize(logCapacity)
		s.records.resize(recordCapacity)
		s.pages.resize(pageCapacity)
		return
	}
	s.log.resize(backLogCapacity)
	s.notable.resize(backLogCapacity)
	s.records.resize(backRecordCapacity)
	s.pages.resize(backPageCapacity)
	clear(s.pending)
}

// addLatest keeps a batch of pages' records, oldest page first. Only the
// last recordCapacity of them can stay, so only those are copied (copied,
// so that a page's body is not held alive).
func (s *runSession) addLatest(samples [][]json.RawMessage) {
	skip := -s.records.capacity()
	for _, sm := range samples {
		skip += len(sm)
	}
	s.records.drop(skip) // positions still count every record received
	for _, sample := range samples {
		if skip >= len(sample) {
			skip -= len(sample)
			continue
		}
		for _, rec := range sample[max(skip, 0):] {
			s.records.push(bytes.Clone(rec))
		}
		skip = 0
	}
}

// addPage keeps a page for the inspector, without its records (they live
// in the preview) and with its body preview copied, so that the inspector
// holds 16 KiB per page, not whole bodies.
func (s *runSession) addPage(p ingest.PageFetched) {
	p.Sample = nil
	p.Response.Body = bytes.Clone(p.Response.Body)
	info := pageInfo{PageFetched: p, marks: s.pending[p.Page]}
	delete(s.pending, p.Page)
	s.pages.push(info)
}

// mark notes an anomaly or drift on a page, fetched or not yet.
func (s *runSession) mark(page int, what string) {
	for pos := s.pages.end() - 1; pos >= s.pages.first(); pos-- {
		if p := s.pages.ptr(pos); p.Page == page {
			p.marks = append(p.marks, what)
			return
		}
	}
	if len(s.pending) >= s.pages.capacity() {
		clear(s.pending) // marks for pages that never came; keep memory bounded
	}
	s.pending[page] = append(s.pending[page], what)
}
