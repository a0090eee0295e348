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
// fetch again after a crash.
var (
	SegmentBytes = 8 << 20
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

// writer is a Writer into a held prefix: the open segment in memory,
// uploaded whole when it closes.
type writer struct {
	h        *held
	rawPages bool
	recycle  func([]byte)
	age      time.Duration

	seg int // segments closed (vouched or being uploaded)

	rec       []byte // the open segment's records
	pageStart int    // where the page being written began in rec
	rej       []byte
	pages     []byte // page bodies, one after another
	idx       []byte // their index lines
	bodyMark  int    // where a streamed body began in pages
	opened    time.Time
	lastCP    time.Time

	recordsBytes, indexBytes, rejectedBytes int64 // in closed segments

	line bytes.Buffer

	inflight chan error
	failed   error // an upload that failed: nothing after it is vouched

	// spare holds a closed segment's buffers once their upload succeeded:
	// the next segment fills them again instead of growing new ones from
	// nothing (growing and faulting in megabytes per segment cost more
	// CPU than the rest of the writer).
	spare chan segmentBufs
}

// segmentBufs are the buffers of one segment.
type segmentBufs struct{ rec, rej, pages, idx []byte }

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
	w := &writer{h: h, rawPages: opt.RawPages, recycle: opt.Recycle, age: segmentAge(), lastCP: time.Now(), spare: make(chan segmentBufs, 1)}
	vouched := 0
	if cp != nil {
		vouched = cp.Segments
		w.seg, w.recordsBytes, w.indexBytes, w.rejectedBytes = cp.Segments, cp.RecordsBytes, cp.IndexBytes, cp.RejectedBytes
	}
	objs, err := h.b.list(h.loc.dir())
	if err != nil {
		return nil, err
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

// WriteRecords appends records, compacting each.
func (w *writer) WriteRecords(recs []json.RawMessage) error {
	for _, rec := range recs {
		w.line.Reset()
		if err := json.Compact(&w.line, rec); err != nil {
			return fmt.Errorf("record is not valid JSON: %w", err)
		}
		if err := w.WriteRecord(w.line.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) touch() {
	if w.opened.IsZero() {
		w.opened = time.Now()
	}
}

// room makes room for n more bytes in b, doubling it when it must grow:
// append grows big slices by a quarter, which copies (and faults in) a
// segment several times over while it fills.
func room(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	c := max(2*cap(b), len(b)+n, 64<<10)
	nb := make([]byte, len(b), c)
	copy(nb, b)
	return nb
}

// WriteRecord appends one compact record and its newline.
func (w *writer) WriteRecord(rec []byte) error {
	w.touch()
	w.rec = room(w.rec, len(rec)+1)
	w.rec = append(w.rec, rec...)
	w.rec = append(w.rec, '\n')
	return nil
}

func (w *writer) BeginPage() { w.pageStart = len(w.rec) }
func (w *writer) EndPage()   { w.pageStart = len(w.rec) }

// AbortPage takes back the page's records: they are still in memory.
func (w *writer) AbortPage() error {
	w.rec = w.rec[:w.pageStart]
	return nil
}

type rejectedLine struct {
	Page   int             `json:"page"`
	Reason string          `json:"reason"`
	Record json.RawMessage `json:"record"`
}

func (w *writer) WriteRejected(page int, reason string, rec json.RawMessage) error {
	line, err := json.Marshal(rejectedLine{Page: page, Reason: reason, Record: rec})
	if err != nil {
		return err
	}
	w.touch()
	w.rej = append(append(w.rej, line...), '\n')
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
	off := len(w.pages)
	if written {
		off = w.bodyMark
	} else {
		w.pages = append(room(w.pages, len(body)), body...)
		if pooled && w.recycle != nil {
			w.recycle(body)
		}
	}
	offset := int64(off)
	e.File, e.Offset, e.Length = pagesName(w.seg+1), &offset, int64(len(w.pages)-off)
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	w.idx = append(append(w.idx, line...), '\n')
	return nil
}

// pageBody appends a streamed body to the open segment's pages.
type pageBody struct{ w *writer }

func (p pageBody) Write(b []byte) (int, error) {
	p.w.pages = append(room(p.w.pages, len(b)), b...)
	return len(b), nil
}
func (p pageBody) Close() error { return nil }

func (w *writer) PageBody(int) (io.WriteCloser, error) {
	w.touch()
	w.bodyMark = len(w.pages)
	return pageBody{w}, nil
}

func (w *writer) DropPageBody(int) { w.pages = w.pages[:w.bodyMark] }

// held is how much the open segment holds that a commit would close.
func (w *writer) size() int { return w.pageStart + len(w.rej) + len(w.pages) + len(w.idx) }

// Commit closes the open segment (if it holds anything) and advances the
// checkpoint, before it returns.
func (w *writer) Commit(cp *store.Checkpoint) error {
	if err := w.WaitCommit(); err != nil {
		return err
	}
	up, err := w.close(cp)
	if err != nil {
		return err
	}
	if err := up(); err != nil {
		w.failed = err
		return err
	}
	return nil
}

// StartCommit closes the open segment once it is big or old enough and
// uploads it, then the checkpoint, off the caller's path; until then the
// checkpoint stays where it was (it vouches for closed segments only).
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
			if w.size() < 2*SegmentBytes {
				return nil
			}
		}
	}
	if err := w.WaitCommit(); err != nil {
		return err
	}
	n := w.size()
	due := n >= SegmentBytes || !w.opened.IsZero() && time.Since(w.opened) >= w.age || n == 0 && time.Since(w.lastCP) >= w.age
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
	return w.inflight != nil && len(w.inflight) == 0 && w.size() < 2*SegmentBytes
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
	recs := w.rec[:w.pageStart]
	rej, pages, idx := w.rej, w.pages, w.idx
	var next segmentBufs
	select {
	case next = <-w.spare:
	default:
	}
	rest := append(next.rec[:0], w.rec[w.pageStart:]...)
	n := w.seg
	if len(recs)+len(rej)+len(pages)+len(idx) > 0 {
		n++
	}
	cp.Segments = n
	cp.RecordsBytes = w.recordsBytes + int64(len(recs))
	cp.IndexBytes = w.indexBytes + int64(len(idx))
	cp.RejectedBytes = w.rejectedBytes + int64(len(rej))
	cp.RecordsTail = ""
	enc, err := store.EncodeCheckpoint(cp)
	if err != nil {
		return nil, err
	}
	w.seg, w.recordsBytes, w.indexBytes, w.rejectedBytes = n, cp.RecordsBytes, cp.IndexBytes, cp.RejectedBytes
	w.rec, w.pageStart, w.rej, w.pages, w.idx, w.bodyMark = rest, 0, next.rej[:0], next.pages[:0], next.idx[:0], 0
	w.opened, w.lastCP = time.Time{}, time.Now()
	if len(rest) > 0 {
		w.opened = time.Now()
	}
	h, spare := w.h, w.spare
	return func() error {
		// The segment's objects go up at once, the checkpoint after all.
		objs := []struct {
			name string
			data []byte
		}{
			{recordsName(n), recs},
			{rejectedName(n), rej},
			{store.PagesDir + "/" + pagesName(n), pages},
			{store.PagesDir + "/" + indexName(n), idx},
		}
		errs := make([]error, len(objs))
		var wg sync.WaitGroup
		for i, o := range objs {
			if len(o.data) == 0 {
				continue
			}
			wg.Go(func() { errs[i] = h.putNew(o.name, o.data) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err // buffers dropped: a failed put may still be sending them
		}
		// Every put succeeded, so the store has read the bodies whole:
		// the buffers are free again.
		select {
		case spare <- segmentBufs{recs[:0], rej[:0], pages[:0], idx[:0]}:
		default:
		}
		return h.writeCheckpoint(enc)
	}, nil
}

// Close drops what was not committed: the next run fetches it again.
func (w *writer) Close() error {
	err := w.WaitCommit()
	w.rec, w.rej, w.pages, w.idx = nil, nil, nil, nil
	select {
	case <-w.spare:
	default:
	}
	if errors.Is(err, ErrLeaseLost) {
		return err
	}
	return nil
}
