package s3store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"siphon/ingest/remedy"
	"siphon/ingest/store"
)

// Segment bounds: a segment closes at a commit once it holds SegmentBytes
// or has been open SegmentAge (SIPHON_S3_SEGMENT_AGE), and always at the
// run's end. Larger segments mean fewer objects; a younger one less to
// fetch again after a crash. Memory does not grow with SegmentBytes: an
// object past one part goes up in parts as it fills.
var (
	SegmentBytes = 64 << 20
	segmentAge   = func() time.Duration { return envDuration("SIPHON_S3_SEGMENT_AGE", 10*time.Second) }
)

// Segment object names.
func recordsName(n int) string  { return fmt.Sprintf("records-%06d.jsonl", n) }
func rejectedName(n int) string { return fmt.Sprintf("rejected-%06d.jsonl", n) }
func pagesName(n int) string    { return fmt.Sprintf("pages-%06d.bin", n) }
func indexName(n int) string    { return fmt.Sprintf("index-%06d.jsonl", n) }

// segmentOf is the segment number of an object siphon writes in segments
// (name relative to the prefix), or 0.
func segmentOf(name string) int {
	for _, f := range []struct{ pre, suf string }{
		{"records-", ".jsonl"}, {"rejected-", ".jsonl"}, {"pages/pages-", ".bin"}, {"pages/index-", ".jsonl"},
	} {
		if d, ok := strings.CutPrefix(name, f.pre); ok {
			if d, ok = strings.CutSuffix(d, f.suf); ok {
				if n, err := strconv.Atoi(d); err == nil && n > 0 {
					return n
				}
			}
		}
	}
	return 0
}

// writer is a Writer into a held prefix. The open segment's four objects
// (records, rejected, pages and their index) are streams kept in memory;
// one that outgrows a part goes up in parts while the segment is open,
// so that closing it sends only what is left.
type writer struct {
	h        *held
	rawPages bool
	recycle  func([]byte)
	age      time.Duration

	seg int  // segments closed (vouched or being uploaded)
	new bool // opened without a checkpoint, and not committed yet

	open     segment
	bodyMark int64 // where a streamed body began in the open pages
	opened   time.Time
	lastCP   time.Time

	recordsBytes, indexBytes, rejectedBytes int64 // in closed segments

	line bytes.Buffer
	idx  store.IndexEncoder // the pages' index lines, as the local store writes them

	inflight chan error
	failed   error // an upload that failed: nothing after it is vouched
}

// The streams of a segment.
const (
	recordsStream = iota
	rejectedStream
	pagesStream
	indexStream
	streams
)

// segment is the open segment's streams.
type segment [streams]*stream

func newSegment(n int) segment {
	return segment{
		{name: recordsName(n)}, {name: rejectedName(n)},
		{name: store.PagesDir + "/" + pagesName(n)}, {name: store.PagesDir + "/" + indexName(n)},
	}
}

// stream is one object of the open segment. Positions are offsets in the
// object: sent bytes went up as parts, the rest is in buf.
type stream struct {
	name string
	buf  segbuf
	sent int64
	acc  int64 // accepted up to here: parts are cut from these only

	up   *multipart // once the stream outgrew one part
	part chan error // the part in flight
}

func (s *stream) size() int64 { return s.sent + int64(s.buf.len()) }

// accept makes everything written so far eligible for a part.
func (s *stream) accept() { s.acc = s.size() }

// truncate drops what was written past pos (not yet sent).
func (s *stream) truncate(pos int64) { s.buf.truncate(int(pos - s.sent)) }

// sendParts starts uploading a part of the accepted bytes once there is
// a whole one, one part in flight at a time; with two waiting, it waits
// for the one in flight, which bounds what a stream keeps.
func (s *stream) sendParts(h *held) error {
	for s.acc-s.sent >= int64(partSize) {
		if s.part != nil {
			if s.acc-s.sent < 2*int64(partSize) {
				select {
				case err := <-s.part:
					s.part = nil
					if err != nil {
						return err
					}
				default:
					return nil
				}
			} else if err := s.wait(); err != nil {
				return err
			}
		}
		if err := h.lease.valid(); err != nil {
			return err
		}
		body := s.buf.cutFront(partSize)
		s.sent += int64(partSize)
		done := make(chan error, 1)
		s.part = done
		go func() {
			if s.up == nil {
				up, err := h.b.startMultipart(h.loc.key(s.name))
				if err != nil {
					done <- err
					return
				}
				s.up = up
			}
			err := s.up.send(body.reader())
			if err == nil {
				body.release() // read whole: the chunks are free (not after a failure: the send may still hold them)
			}
			done <- err
		}()
	}
	return nil
}

// wait collects the part in flight.
func (s *stream) wait() error {
	if s.part == nil {
		return nil
	}
	err := <-s.part
	s.part = nil
	return err
}

// finish uploads what is left: one object when the stream never outgrew
// a part, else the last part and the completion. Either is created only
// if no object of its name exists.
func (s *stream) finish(h *held) error {
	if err := s.wait(); err != nil {
		return err
	}
	if err := h.lease.valid(); err != nil {
		return err
	}
	if s.up == nil {
		if s.buf.len() == 0 {
			return nil
		}
		return h.putNewBody(s.name, s.buf.reader(), int64(s.buf.len()))
	}
	if s.buf.len() > 0 {
		if err := s.up.send(s.buf.reader()); err != nil {
			return err
		}
		if err := h.lease.valid(); err != nil {
			return err
		}
	}
	if err := s.up.complete(); err != nil {
		if isConflictErr(err) {
			return fmt.Errorf("%w: %v", ErrLeaseLost, err)
		}
		return err
	}
	return nil
}

// drop gives up the stream: its upload aborted, its chunks freed.
func (s *stream) drop() {
	_ = s.wait()
	if s.up != nil {
		s.up.abort()
	}
	s.buf.release() // never handed to a send: parts are cut out first
}

var _ store.Writer = (*writer)(nil)

// Open prepares the prefix for a run. With cp, segments past cp.Segments
// (uploaded by a run killed before its checkpoint) are moved to aside/
// and noted, and the vouched record segments must add up to what cp
// says; without cp, segments nobody vouches for are refused.
func (h *held) Open(cp *store.Checkpoint, opt store.Options) (store.Writer, error) {
	h.mu.Lock()
	read := h.cpRead
	h.mu.Unlock()
	if !read {
		if _, err := h.ReadCheckpoint(); err != nil {
			return nil, err
		}
	}
	w := &writer{h: h, rawPages: opt.RawPages, recycle: opt.Recycle, age: segmentAge(), lastCP: time.Now()}
	vouched := 0
	w.new = cp == nil
	if cp != nil {
		vouched = cp.Segments
		w.seg, w.recordsBytes, w.indexBytes, w.rejectedBytes = cp.Segments, cp.RecordsBytes, cp.IndexBytes, cp.RejectedBytes
	}
	w.open = newSegment(w.seg + 1)
	// What Claim saw of the prefix holds for the first Open alone: after
	// it, the prefix may hold this run's segments and uploads.
	h.mu.Lock()
	aborted, empty := h.abortedPre, h.empty
	h.abortedPre, h.empty = false, false
	h.mu.Unlock()
	// The segments under the prefix, and the uploads a killed run left,
	// are listed at once, unless Claim saw to them: it aborted the
	// uploads, and a prefix that held nothing holds no segment.
	var objs []object
	var listErr error
	var wg sync.WaitGroup
	if !empty || cp != nil {
		wg.Go(func() { objs, listErr = h.b.list(h.loc.dir()) })
	}
	if !aborted {
		n, err := h.abortKilledUploads()
		if err != nil {
			wg.Wait()
			return nil, err
		}
		h.noteAborted(n)
	}
	wg.Wait()
	if listErr != nil {
		return nil, listErr
	}
	var have int64
	var past []string
	for _, o := range objs {
		name := strings.TrimPrefix(o.key, h.loc.dir())
		n := segmentOf(name)
		switch {
		case n == 0:
		case cp == nil:
			return nil, remedy.New(fmt.Errorf("%w: %s holds %s but there is no checkpoint.json vouching for it (deleted?); siphon will not overwrite it", store.ErrCheckpointDamaged, h.loc, name), remedy.StartOver)
		case n > vouched:
			past = append(past, name)
		case strings.HasPrefix(name, "records-"):
			have += o.size
		}
	}
	if cp != nil && have != cp.RecordsBytes {
		return nil, remedy.New(fmt.Errorf("%w: the record segments of %s hold %d bytes but the checkpoint vouches for %d: a segment was removed or replaced", store.ErrCheckpointDamaged, h.loc, have, cp.RecordsBytes), remedy.StartOver)
	}
	if len(past) > 0 {
		dst := asideDir + "past-checkpoint-" + stamp() + "/"
		for _, name := range past {
			if err := h.lease.valid(); err != nil {
				return nil, err
			}
			if err := h.b.move(h.loc.key(name), h.loc.key(dst+name)); err != nil {
				return nil, err
			}
		}
		h.note(fmt.Sprintf("%d objects past what the checkpoint vouches for (uploaded after the last checkpoint, e.g. by a run that was killed) were moved to %s; their pages are fetched again", len(past), h.b.url(h.loc.key(dst))))
	}
	return w, nil
}

// abortKilledUploads aborts the incomplete uploads of segment objects
// under the prefix, and says how many: a killed run's open segment may
// have parts up, invisible to readers but kept (and billed) until
// aborted. Only before this run's own writer uploads anything.
func (h *held) abortKilledUploads() (int, error) {
	return h.b.abortUploads(h.loc.dir(), func(key string) bool { return segmentOf(strings.TrimPrefix(key, h.loc.dir())) > 0 })
}

func (h *held) noteAborted(n int) {
	if n > 0 {
		h.note(fmt.Sprintf("%d incomplete uploads of a segment that was open when a run stopped were aborted; their pages are fetched again", n))
	}
}

// WriteRecords appends records, compacting each.
func (w *writer) WriteRecords(recs []json.RawMessage) error {
	return store.WriteCompact(&w.line, recs, w.WriteRecord)
}

func (w *writer) touch() {
	if w.opened.IsZero() {
		w.opened = time.Now()
	}
}

// WriteRecord appends one compact record and its newline.
func (w *writer) WriteRecord(rec []byte) error {
	if w.failed != nil {
		return w.failed
	}
	w.touch()
	r := w.open[recordsStream]
	r.buf.Write(rec)
	r.buf.writeByte('\n')
	return nil
}

// BeginPage needs no mark: the records stream accepts at EndPage only.
func (w *writer) BeginPage() {}

// EndPage accepts the page's records, and sends a part once there is one.
func (w *writer) EndPage() {
	w.open[recordsStream].accept()
	w.sendParts()
}

// AbortPage takes back the page's records: they are still in memory.
func (w *writer) AbortPage() error {
	r := w.open[recordsStream]
	r.truncate(r.acc)
	return nil
}

// sendParts sends the parts the open streams have ready; a failure fails
// every commit after it.
func (w *writer) sendParts() {
	if w.failed != nil {
		return
	}
	for _, s := range w.open {
		if err := s.sendParts(w.h); err != nil {
			w.failed = err
			return
		}
	}
}

func (w *writer) WriteRejected(page int, reason string, rec json.RawMessage) error {
	line, err := store.RejectedLine(page, reason, rec)
	if err != nil {
		return err
	}
	w.touch()
	r := w.open[rejectedStream]
	r.buf.Write(line)
	r.accept()
	return nil
}

func (w *writer) RawPages() bool { return w.rawPages }

// ArchivePage adds a body to the open segment's pages object and its
// index line, which places it there (file, offset, length).
func (w *writer) ArchivePage(e *store.PageEntry, body []byte, written, pooled bool) error {
	if !w.rawPages {
		return nil
	}
	w.touch()
	pages, idx := w.open[pagesStream], w.open[indexStream]
	off := pages.size()
	if written {
		off = w.bodyMark
	} else {
		pages.buf.Write(body)
		if pooled && w.recycle != nil {
			w.recycle(body)
		}
	}
	offset := off
	e.File, e.Offset, e.Length = pagesName(w.seg+1), &offset, pages.size()-off
	line, err := w.idx.Line(e)
	if err != nil {
		return err
	}
	idx.buf.Write(line)
	pages.accept()
	idx.accept()
	w.sendParts()
	return w.failed
}

// pageBody appends a streamed body to the open segment's pages.
type pageBody struct{ s *stream }

func (p pageBody) Write(b []byte) (int, error) { return p.s.buf.Write(b) }
func (p pageBody) Close() error                { return nil }

func (w *writer) PageBody(int) (io.WriteCloser, error) {
	w.touch()
	pages := w.open[pagesStream]
	w.bodyMark = pages.size()
	return pageBody{pages}, nil
}

func (w *writer) DropPageBody(int) { w.open[pagesStream].truncate(w.bodyMark) }

// size is how much the open segment holds that a commit would close.
func (w *writer) size() int64 {
	n := w.open[recordsStream].acc
	for _, s := range w.open[rejectedStream:] {
		n += s.size()
	}
	return n
}

// Commit closes the open segment (if it holds anything) and advances the
// checkpoint, before it returns.
func (w *writer) Commit(cp *store.Checkpoint) error {
	if err := w.WaitCommit(); err != nil {
		return err
	}
	start := w.new && w.size() == 0
	up, err := w.close(cp)
	if err != nil {
		return err
	}
	if start {
		// A new run's empty start vouches for no segment: it need only be
		// in place before the first segment is completed, whose commit
		// waits for it (and fails with it). It goes up beside the run.
		done := make(chan error, 1)
		w.inflight = done
		go func() { done <- up() }()
		return nil
	}
	if err := up(); err != nil {
		w.failed = err
		return err
	}
	return nil
}

// StartCommit closes the open segment once it is big or old enough and
// uploads what is left of it, then the checkpoint, off the caller's path;
// until then the checkpoint stays where it was (it vouches for closed
// segments only).
func (w *writer) StartCommit(cp *store.Checkpoint) error {
	if w.inflight != nil {
		select {
		case err := <-w.inflight:
			w.inflight = nil
			if err != nil && w.failed == nil {
				w.failed = err
			}
		default:
			// The last segment is still uploading: fetching goes on
			// unless the open one has grown past twice the bound.
			if w.size() < 2*int64(SegmentBytes) {
				return w.failed
			}
		}
	}
	if err := w.WaitCommit(); err != nil {
		return err
	}
	n := w.size()
	due := n >= int64(SegmentBytes) || !w.opened.IsZero() && time.Since(w.opened) >= w.age || n == 0 && time.Since(w.lastCP) >= w.age
	if !due {
		return nil
	}
	up, err := w.close(cp)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	w.inflight = done
	go func() { done <- up() }()
	return nil
}

// CommitBusy says the upload in flight is still going and the open
// segment may grow meanwhile (to twice its bound): the walk need not wait.
func (w *writer) CommitBusy() bool {
	return w.inflight != nil && len(w.inflight) == 0 && w.size() < 2*int64(SegmentBytes)
}

var _ store.BusyCommitter = (*writer)(nil)

// WaitCommit collects the upload in flight; a failed one fails every
// commit after it.
func (w *writer) WaitCommit() error {
	if w.inflight != nil {
		if err := <-w.inflight; err != nil && w.failed == nil {
			w.failed = err
		}
		w.inflight = nil
	}
	return w.failed
}

// close takes the open segment's accepted bytes out of the writer and
// returns the upload that makes them a closed segment and then writes cp
// (filled with what it vouches for, encoded now: the walk changes cp
// after).
func (w *writer) close(cp *store.Checkpoint) (func() error, error) {
	if w.failed != nil {
		return nil, w.failed
	}
	w.new = false
	seg := w.open
	recs := seg[recordsStream]
	n := w.seg
	if w.size() > 0 {
		n++
	}
	cp.Segments = n
	cp.RecordsBytes = w.recordsBytes + recs.acc
	cp.IndexBytes = w.indexBytes + seg[indexStream].size()
	cp.RejectedBytes = w.rejectedBytes + seg[rejectedStream].size()
	cp.RecordsTail = ""
	enc, err := store.EncodeCheckpoint(cp)
	if err != nil {
		return nil, err
	}
	w.seg, w.recordsBytes, w.indexBytes, w.rejectedBytes = n, cp.RecordsBytes, cp.IndexBytes, cp.RejectedBytes
	// The records of a page not ended yet start the next segment.
	next := newSegment(n + 1)
	next[recordsStream].buf = recs.buf.tail(int(recs.acc - recs.sent))
	recs.truncate(recs.acc)
	w.open, w.bodyMark = next, 0
	w.opened, w.lastCP = time.Time{}, time.Now()
	if next[recordsStream].buf.len() > 0 {
		w.opened = time.Now()
	}
	h := w.h
	return func() error {
		// The segment's objects go up at once, the checkpoint after all.
		errs := make([]error, streams)
		var wg sync.WaitGroup
		for i, s := range seg {
			wg.Go(func() { errs[i] = s.finish(h) })
		}
		wg.Wait()
		if err := firstOf(errs); err != nil {
			for _, s := range seg {
				if s.up != nil {
					s.up.abort()
				}
			}
			return err // buffers dropped: a failed put may still be sending them
		}
		// Every put succeeded, so the store has read the bodies whole:
		// the chunks are free again.
		for _, s := range seg {
			s.buf.release()
		}
		return h.writeCheckpoint(enc)
	}, nil
}

// Close drops what was not committed: the next run fetches it again.
func (w *writer) Close() error {
	err := w.WaitCommit()
	for _, s := range w.open {
		s.drop()
	}
	if errors.Is(err, ErrLeaseLost) {
		return err
	}
	return nil
}

// firstOf is the error of a segment's objects that says the most, with
// how many more failed (they fail together when the store does): the
// one that gave up after retrying, rather than one that tried once more
// after it and says only that the store still fails.
func firstOf(errs []error) error {
	var first error
	n := 0
	for _, err := range errs {
		if err == nil {
			continue
		}
		n++
		if first == nil || triedOnceMore(first) && !triedOnceMore(err) {
			first = err
		}
	}
	if n > 1 {
		return fmt.Errorf("%w (and %d more of the segment's objects)", first, n-1)
	}
	return first
}

func triedOnceMore(err error) bool {
	var gave *gaveUp
	return errors.As(err, &gave) && gave.again
}
