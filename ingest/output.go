package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Output file names.
const (
	RecordsFile  = "records.jsonl"
	RejectedFile = "rejected.jsonl"
	PagesDir     = "pages"
	IndexFile    = "index.jsonl"
)

// output writes one run's files. Records are appended to a buffer and made
// durable only by commit, which then writes the checkpoint that vouches for
// them: the checkpoint is never ahead of the data.
type output struct {
	dir      string
	rawPages bool
	lock     *os.File

	records      *os.File
	recBuf       []byte // records not yet written to the file
	recFlushed   int64  // records.jsonl's length on disk
	recordsBytes int64  // logical length, buffered bytes included
	pageStart    int64  // recordsBytes when the page being written began

	index      *os.File
	idxBuf     *bufio.Writer
	indexBytes int64
	pages      *pageWriter // page bodies, written off the fetch path

	rejected      *os.File // only with a JSON Schema
	rejBuf        *bufio.Writer
	rejectedBytes int64

	line bytes.Buffer // scratch for one compacted record

	inflight *commitJob // a commit whose syncs are still running
}

// commitJob is a commit whose fsyncs and checkpoint write run off the fetch
// path (group commit): the checkpoint lags the records, never leads them.
type commitJob struct {
	done    chan struct{}
	err     error
	at      time.Time
	pages   int
	records int64
}

// openOutput prepares dir for a run. With a checkpoint it cuts records.jsonl
// and the page index back to the lengths the checkpoint vouches for.
func openOutput(dir string, rawPages, validating bool, cp *Checkpoint) (*output, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating output folder: %w", err)
	}
	o := &output{dir: dir, rawPages: rawPages}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	o.lock = lock
	var wantRecords, wantIndex, wantRejected int64
	if cp != nil {
		wantRecords, wantIndex, wantRejected = cp.RecordsBytes, cp.IndexBytes, cp.RejectedBytes
	}
	if o.records, o.recordsBytes, err = openAppend(filepath.Join(dir, RecordsFile), wantRecords); err != nil {
		o.close()
		return nil, err
	}
	o.recBuf, o.recFlushed, o.pageStart = make([]byte, 0, recBufSize), o.recordsBytes, o.recordsBytes
	if validating || wantRejected > 0 {
		if o.rejected, o.rejectedBytes, err = openAppend(filepath.Join(dir, RejectedFile), wantRejected); err != nil {
			o.close()
			return nil, err
		}
		o.rejBuf = bufio.NewWriterSize(o.rejected, 32<<10)
	}
	o.indexBytes = wantIndex // kept as it is when this run archives nothing
	if rawPages {
		if err := os.MkdirAll(filepath.Join(dir, PagesDir), 0o700); err != nil {
			o.close()
			return nil, fmt.Errorf("creating pages folder: %w", err)
		}
		if o.index, o.indexBytes, err = openAppend(filepath.Join(dir, PagesDir, IndexFile), wantIndex); err != nil {
			o.close()
			return nil, err
		}
		o.idxBuf = bufio.NewWriterSize(o.index, 32<<10)
		o.pages = newPageWriter(filepath.Join(dir, PagesDir))
	}
	return o, nil
}

// openAppend opens a file for appending after cutting it to want bytes: what
// lies beyond was never vouched for by a checkpoint. A file shorter than want
// lost data the checkpoint promised, and is refused.
func openAppend(path string, want int64) (*os.File, int64, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, 0, fmt.Errorf("opening %s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("opening %s: %w", path, err)
	}
	if st.Size() < want {
		f.Close()
		return nil, 0, fmt.Errorf("%w: %s has %d bytes but the checkpoint vouches for %d: the file was cut or replaced; run with --fresh to start over (the old output is kept aside)", ErrCheckpointDamaged, path, st.Size(), want)
	}
	if st.Size() > want {
		if err := f.Truncate(want); err != nil {
			f.Close()
			return nil, 0, fmt.Errorf("cutting %s back to the checkpoint: %w", path, err)
		}
	}
	if _, err := f.Seek(want, io.SeekStart); err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, want, nil
}

// recBufSize is how much of records.jsonl is buffered before a write.
const recBufSize = 256 << 10

// writeRecords appends records, one compact JSON object a line, in order.
// Records read in one pass come compact already and are written as they
// are; others (from gojq, or a record held as sent) are compacted here.
func (o *output) writeRecords(recs []json.RawMessage) error {
	for _, rec := range recs {
		o.line.Reset()
		if err := json.Compact(&o.line, rec); err != nil {
			return fmt.Errorf("record is not valid JSON: %w", err)
		}
		if err := o.writeRecord(o.line.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// writeRecord appends one record that is compact JSON, and its newline.
func (o *output) writeRecord(rec []byte) error {
	if len(o.recBuf)+len(rec)+1 > cap(o.recBuf) && len(o.recBuf) > 0 {
		if err := o.flushRecords(); err != nil {
			return err
		}
	}
	o.recBuf = append(o.recBuf, rec...)
	o.recBuf = append(o.recBuf, '\n')
	o.recordsBytes += int64(len(rec)) + 1
	return nil
}

func (o *output) flushRecords() error {
	n, err := o.records.Write(o.recBuf)
	o.recFlushed += int64(n)
	if err != nil {
		// What did reach the file is cut back by abortPage or the next resume.
		o.recBuf = o.recBuf[:copy(o.recBuf, o.recBuf[n:])]
		return fmt.Errorf("writing %s: %w", RecordsFile, err)
	}
	o.recBuf = o.recBuf[:0]
	if cap(o.recBuf) > recBufSize {
		o.recBuf = make([]byte, 0, recBufSize) // one huge record does not stay pinned
	}
	return nil
}

// beginPage marks where a page's records start: they are written while
// the body streams in, before the page is known to be good.
func (o *output) beginPage() { o.pageStart = o.recordsBytes }

// endPage accepts the records written since beginPage.
func (o *output) endPage() { o.pageStart = o.recordsBytes }

// abortPage takes back the records written since beginPage: a page that
// failed half-way, or that a retry fetches again, is never written twice.
// Records already on disk are cut off the file.
func (o *output) abortPage() error {
	to := o.pageStart
	if to >= o.recFlushed {
		o.recBuf = o.recBuf[:to-o.recFlushed]
		o.recordsBytes = to
		return nil
	}
	o.recBuf = o.recBuf[:0]
	if err := o.records.Truncate(to); err != nil {
		return fmt.Errorf("cutting a failed page off %s: %w", RecordsFile, err)
	}
	if _, err := o.records.Seek(to, io.SeekStart); err != nil {
		return fmt.Errorf("cutting a failed page off %s: %w", RecordsFile, err)
	}
	o.recFlushed, o.recordsBytes = to, to
	return nil
}

// rejectedLine is one line of rejected.jsonl.
type rejectedLine struct {
	Page   int             `json:"page"`
	Reason string          `json:"reason"`
	Record json.RawMessage `json:"record"`
}

// writeRejected keeps a record that failed the profile's JSON Schema aside,
// with the reason.
func (o *output) writeRejected(page int, reason string, rec json.RawMessage) error {
	line, err := json.Marshal(rejectedLine{Page: page, Reason: reason, Record: rec})
	if err != nil {
		return err
	}
	n, err := o.rejBuf.Write(append(line, '\n'))
	o.rejectedBytes += int64(n)
	if err != nil {
		return fmt.Errorf("writing %s: %w", RejectedFile, err)
	}
	return nil
}

// PageEntry is one line of pages/index.jsonl.
type PageEntry struct {
	Page      int               `json:"page"`
	Time      time.Time         `json:"time"`
	Method    string            `json:"method"`
	URL       string            `json:"url"` // redacted
	Status    int               `json:"status"`
	Attempts  int               `json:"attempts"`
	Duration  string            `json:"duration"`
	Bytes     int64             `json:"bytes"`
	Records   int               `json:"records"`
	CursorIn  string            `json:"cursor_in,omitempty"`
	CursorOut string            `json:"cursor_out,omitempty"`
	File      string            `json:"file"`
	Headers   map[string]string `json:"headers,omitempty"` // response headers, redacted
}

// pageFileName names a page's body in pages/.
func pageFileName(n int) string { return fmt.Sprintf("%06d.body", n) }

// writePage archives a response body and its index line. The index line is
// made durable by commit like the records; the body file itself is not
// fsynced (one fsync per page would cost more than the rest of the run), so
// after a power cut, unlike after a process crash, the newest archived
// bodies may be empty. The records never are.
func (o *output) writePage(e *PageEntry, body []byte) error {
	if !o.rawPages {
		return nil
	}
	e.File = pageFileName(e.Page)
	if err := o.pages.write(e.Page, e.File, body); err != nil {
		return err
	}
	o.line.Reset()
	enc := json.NewEncoder(&o.line)
	enc.SetEscapeHTML(false) // keep & in URLs readable
	if err := enc.Encode(e); err != nil {
		return err
	}
	n, err := o.idxBuf.Write(o.line.Bytes())
	o.indexBytes += int64(n)
	if err != nil {
		return fmt.Errorf("writing %s: %w", IndexFile, err)
	}
	return nil
}

func writeFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// commit makes everything written so far durable, then saves cp, which
// vouches for exactly that. A commit still in flight is waited for first.
func (o *output) commit(cp *Checkpoint) error {
	if err := o.waitCommit(); err != nil {
		return err
	}
	b, pagesDone, err := o.prepareCommit(cp)
	if err != nil {
		return err
	}
	return o.finishCommit(b, pagesDone)
}

// startCommit is commit with the syncs and the checkpoint write on a
// goroutine of their own; waitCommit collects it. Only one is in flight.
func (o *output) startCommit(cp *Checkpoint) error {
	if err := o.waitCommit(); err != nil {
		return err
	}
	b, pagesDone, err := o.prepareCommit(cp)
	if err != nil {
		return err
	}
	job := &commitJob{done: make(chan struct{}), at: time.Now(), pages: cp.Pages, records: cp.Records}
	o.inflight = job
	go func() {
		defer close(job.done)
		job.err = o.finishCommit(b, pagesDone)
	}()
	return nil
}

// waitCommit waits for the commit in flight, if any, and returns its error.
func (o *output) waitCommit() error {
	job := o.inflight
	if job == nil {
		return nil
	}
	<-job.done
	o.inflight = nil
	return job.err
}

// prepareCommit writes out what is buffered and encodes the checkpoint
// that will vouch for it: the fetch path's part of a commit.
func (o *output) prepareCommit(cp *Checkpoint) ([]byte, <-chan struct{}, error) {
	if err := o.flushRecords(); err != nil {
		return nil, nil, err
	}
	var pagesDone <-chan struct{}
	if o.rawPages {
		pagesDone = o.pages.barrier()
		if err := o.idxBuf.Flush(); err != nil {
			return nil, nil, fmt.Errorf("writing %s: %w", IndexFile, err)
		}
	}
	if o.rejected != nil {
		if err := o.rejBuf.Flush(); err != nil {
			return nil, nil, fmt.Errorf("writing %s: %w", RejectedFile, err)
		}
	}
	cp.RecordsBytes = o.pageStart // a page still being written is not vouched for
	cp.IndexBytes = o.indexBytes
	cp.RejectedBytes = o.rejectedBytes
	b, err := encodeCheckpoint(cp)
	return b, pagesDone, err
}

// finishCommit makes the written files durable, then writes the
// checkpoint. It touches no state the fetch path changes.
func (o *output) finishCommit(cp []byte, pagesDone <-chan struct{}) error {
	if err := o.records.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", RecordsFile, err)
	}
	if o.rawPages {
		<-pagesDone
		if err := o.pages.failed(); err != nil {
			return err
		}
		if err := o.index.Sync(); err != nil {
			return fmt.Errorf("syncing %s: %w", IndexFile, err)
		}
	}
	if o.rejected != nil {
		if err := o.rejected.Sync(); err != nil {
			return fmt.Errorf("syncing %s: %w", RejectedFile, err)
		}
	}
	return writeCheckpointBytes(o.dir, cp)
}

// close releases the files without committing: what was not committed is
// cut off by the next resume.
func (o *output) close() error {
	errs := []error{o.waitCommit()}
	if o.pages != nil {
		errs = append(errs, o.pages.close())
	}
	for _, f := range []*os.File{o.records, o.index, o.rejected} {
		if f != nil {
			errs = append(errs, f.Close())
		}
	}
	if o.lock != nil {
		errs = append(errs, unlockDir(o.lock))
	}
	return errors.Join(errs...)
}

// MoveAside renames an existing output folder to a fresh sibling name and
// returns it ("" when there was nothing to move). Nothing is deleted.
func MoveAside(dir string) (string, error) {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	stamp := time.Now().UTC().Format("20060102T150405")
	for i := 0; ; i++ {
		dst := fmt.Sprintf("%s.old-%s", dir, stamp)
		if i > 0 {
			dst = fmt.Sprintf("%s.%d", dst, i)
		}
		if _, err := os.Lstat(dst); errors.Is(err, os.ErrNotExist) {
			if err := os.Rename(dir, dst); err != nil {
				return "", fmt.Errorf("moving the old output aside: %w", err)
			}
			return dst, nil
		}
	}
}
