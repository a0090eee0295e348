package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"hash/maphash"
	"io"
	"slices"
	"sync"

	"siphon/ingest/bodyformat"
	"siphon/ingest/page"
	"siphon/ingest/pagescan"
	"siphon/ingest/paginate"
	"siphon/ingest/recordtail"
	"siphon/ingest/schema"
	"siphon/ingest/store"
)

// headBytes is how much of a streamed body is kept: for the event's
// preview, error snippets, the array hint of an empty first page, and
// reading again as NDJSON a body that did not say it was.
const headBytes = 64 << 10

// schemaDepth is how deep record fields are listed for the schema tracker.
const schemaDepth = 3

// pageReader is the one-pass reader of this run's bodies, nil when the
// records expression is not a plain path. Every jq expression a run
// evaluates on a page must be listed here: those that are not plain paths
// make the Reader need the body held whole (they run through gojq).
func (rn *runner) pageReader() *page.Reader {
	if rn.readerDone {
		return rn.reader
	}
	rn.readerDone = true
	records := rn.records
	if records == nil {
		records = rn.c.records
	}
	var values []*page.Expr
	p := rn.c.cfg.Pagination
	cfg := &rn.c.cfg
	for _, src := range []string{p.CursorPath, p.NextURLPath, p.TotalPath, p.TotalPagesPath, p.StopWhen, cfg.ErrorWhen, cfg.ErrorMessage} {
		if src == "" {
			continue
		}
		e, err := page.Compile(src)
		if err != nil {
			return nil // the paginator reports it
		}
		values = append(values, e)
	}
	if fields, _ := records.Path(); p.TotalPath == "" && len(fields) > 0 {
		// Page 1's declared total, for the check that the walk got it all:
		// top-level fields of a body that is an object (its records are
		// under a key), which any object body can answer.
		values = append(values, paginate.DeclaredTotalTop...)
		if fields[0] == "hits" {
			values = append(values, paginate.HitsTotal) // Elasticsearch: .hits is an object
		}
	}
	rn.reader = page.NewReader(records, nil, schemaDepth, values...)
	if rn.reader != nil {
		rn.reader.SetMaxCapture(rn.c.maxRecord)
	}
	return rn.reader
}

// pageSink takes a page's records one by one as the one pass finds them.
// Directly (a walk that filters nothing after the page is read) it writes
// them to records.jsonl at once, provisionally: a page that fails is taken
// back (output.abortPage). Otherwise it collects them in one buffer for the
// walk's later steps.
type pageSink struct {
	out    store.Writer    // nil: collect
	shape  *schema.Tracker // fed record by record when direct
	repeat bool            // drop records repeating one of the page before (primary key set)
	stream bool            // bodies are read as they arrive, never held

	found, kept, repeated int

	buf  []byte // collected records, back to back
	ends []int

	tail   recordtail.Tail // the last records written, for the event's sample
	sample bool            // keep tail (a headless run's events have no sample)

	prev, cur map[[2]uint64]struct{} // hashes of the records of the page before, and of this one

	tap bodyTap // a streamed body's, reused from page to page (its head too)
	// arch is the tap's body on its way to the archive, reused from
	// attempt to attempt: an attempt's is finished or discarded before
	// the next one starts.
	arch store.StreamedBody
	body bodyformat.Headed // the tap's body opened by its format, reused likewise
	page fetched           // a streamed page as the walk takes it: taken before the next is fetched

	pageNo int // the page being fetched, for the archive's file name

	recordFn func(*pagescan.Record) error // record, made once
}

// sinkPool keeps sinks from one walk to the next with their buffers: a
// run of many one-page partitions would otherwise grow each sink's record
// tail, body head and repeat sets anew for every partition (most of what
// one allocated, and its GC and page faults).
var sinkPool sync.Pool

// sinkKeepMost bounds what a pooled sink keeps: a huge page's buffers go.
const sinkKeepMost = 1 << 20

// newPageSink is a sink for one walk, its buffers from the pool.
func newPageSink(out store.Writer, shape *schema.Tracker, repeat, stream bool) *pageSink {
	s, _ := sinkPool.Get().(*pageSink)
	if s == nil {
		s = new(pageSink)
	}
	s.out, s.shape, s.repeat, s.stream = out, shape, repeat, stream
	return s
}

// release gives the sink back to the pool once its walk is over; it is
// used no more.
func (s *pageSink) release() {
	kept := pageSink{buf: s.buf[:0], ends: s.ends[:0], tail: s.tail, prev: s.prev, cur: s.cur}
	kept.tap.head = s.tap.head[:0]
	kept.tail.Reset()
	if cap(kept.buf) > sinkKeepMost || kept.tail.Size() > sinkKeepMost {
		kept.buf, kept.ends, kept.tail = nil, nil, recordtail.Tail{}
	}
	if len(kept.prev) > 4096 || len(kept.cur) > 4096 {
		kept.prev, kept.cur = nil, nil
	}
	clear(kept.prev)
	clear(kept.cur)
	*s = kept
	sinkPool.Put(s)
}

// recorder is record as the func a scan takes, made once per sink.
func (s *pageSink) recorder() func(*pagescan.Record) error {
	if s.recordFn == nil {
		s.recordFn = s.record
	}
	return s.recordFn
}

// newTap readies the sink's body tap for a body read from r. What the
// last one kept (its head) is read no more: a page's head is read before
// the next page is fetched.
func (s *pageSink) newTap(r io.Reader) *bodyTap {
	t := &s.tap
	head := t.head[:0]
	*t = bodyTap{r: r, head: head}
	t.hash.SetSeed(bodySeed)
	return t
}

var repeatSeed2 = maphash.MakeSeed()

// begin starts an attempt at a page.
func (s *pageSink) begin() {
	s.found, s.kept, s.repeated = 0, 0, 0
	s.buf, s.ends = s.buf[:0], s.ends[:0]
	s.tail.Reset()
	if s.out != nil {
		s.out.BeginPage()
		if s.shape != nil {
			s.shape.BeginPage()
		}
		if s.repeat {
			if s.cur == nil {
				s.prev, s.cur = map[[2]uint64]struct{}{}, map[[2]uint64]struct{}{}
			}
			clear(s.cur)
		}
	}
}

// abort takes back an attempt's records.
func (s *pageSink) abort() error {
	if s.out != nil {
		return s.out.AbortPage()
	}
	return nil
}

// end accepts the page: its records stay, and are what the next page's
// repeats are checked against.
func (s *pageSink) end() {
	if s.out != nil {
		s.out.EndPage()
		s.prev, s.cur = s.cur, s.prev
	}
}

// record takes one record.
func (s *pageSink) record(rec *pagescan.Record) error {
	s.found++
	if s.out == nil {
		s.buf = append(s.buf, rec.Raw...)
		s.ends = append(s.ends, len(s.buf))
		return nil
	}
	if s.repeat {
		// With a primary key, identical text means the same record seen
		// twice (offset paging while new records push the rest down).
		h := [2]uint64{maphash.Bytes(repeatSeed, rec.Raw), maphash.Bytes(repeatSeed2, rec.Raw)}
		if _, ok := s.prev[h]; ok {
			s.repeated++
			return nil
		}
		s.cur[h] = struct{}{}
	}
	if s.shape != nil {
		s.shape.Record(rec.Fields)
	}
	if err := s.out.WriteRecord(rec.Raw); err != nil {
		return err
	}
	s.kept++
	if s.sample {
		s.tail.Add(rec.Raw, rec.Offset, SampleRecords)
	}
	return nil
}

// collected is the records collected, in one new buffer.
func (s *pageSink) collected() []json.RawMessage {
	return recordtail.Split(bytes.Clone(s.buf), s.ends, 0)
}

// bodyTap reads a body for a one-pass scan, keeping its first bytes, its
// length and a fingerprint (the walk stops when a page repeats the last).
type bodyTap struct {
	r    io.Reader
	n    int64
	head []byte
	hash maphash.Hash
	arch *store.StreamedBody // with raw_pages
	// ahead is how many bytes at the end of head Peek read that Read has
	// not handed out yet, and err what the reading ended with.
	ahead int
	err   error
}

// peekChunk is what Peek asks the body for at a time.
const peekChunk = 4 << 10

func (t *bodyTap) Read(p []byte) (int, error) {
	if t.ahead > 0 {
		n := copy(p, t.head[len(t.head)-t.ahead:])
		t.ahead -= n
		return n, nil
	}
	if t.err != nil {
		err := t.err
		t.err = nil
		return 0, err
	}
	n, err := t.r.Read(p)
	if n > 0 {
		if room := headBytes - len(t.head); room > 0 {
			t.head = append(t.head, p[:min(n, room)]...)
		}
		t.took(p[:n])
	}
	return n, err
}

// Peek reads at least n bytes ahead into head, as bufio.Reader.Peek does
// (fewer at the body's end or an error, which it returns): bodyformat
// looks at a body's first bytes through it, with no buffer of its own.
// What lies past head's bound cannot be peeked.
func (t *bodyTap) Peek(n int) ([]byte, error) {
	for empty := 0; t.ahead < n && t.err == nil; {
		room := min(peekChunk, headBytes-len(t.head))
		if room <= 0 {
			break
		}
		t.head = slices.Grow(t.head, room)
		k, err := t.r.Read(t.head[len(t.head) : len(t.head)+room])
		t.head = t.head[:len(t.head)+k]
		t.took(t.head[len(t.head)-k:])
		t.ahead += k
		t.err = err
		if k > 0 {
			empty = 0
		} else if empty++; empty == 100 && err == nil {
			t.err = io.ErrNoProgress // as bufio gives up on a reader that sends nothing
		}
	}
	got := t.head[len(t.head)-t.ahead:]
	if len(got) >= n {
		return got[:n], nil
	}
	err := t.err
	t.err = nil // handed out, as bufio does
	if err == nil {
		err = bufio.ErrBufferFull
	}
	return got, err
}

// Close does nothing: the body under the tap is its caller's to close.
// (bodyformat then takes the tap as the opened body as it is.)
func (t *bodyTap) Close() error { return nil }

// took counts, fingerprints and archives bytes read from the body.
func (t *bodyTap) took(p []byte) {
	t.n += int64(len(p))
	t.hash.Write(p)
	if t.arch != nil {
		t.arch.Write(p)
	}
}

// again is the body read again from its start, for a second pass: what
// head holds (a copy), then the rest still to come. Call it only while
// head holds all that was read (whole).
func (t *bodyTap) again() io.Reader {
	t.ahead = 0 // in the copy already
	return io.MultiReader(bytes.NewReader(bytes.Clone(t.head)), t)
}

// whole reports whether head holds everything read so far.
func (t *bodyTap) whole() bool { return t.n == int64(len(t.head)) }

// bodySeed keys page fingerprints; they are only compared within a run.
var bodySeed = maphash.MakeSeed()
