package ingest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
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
	root     *folder // the output folder, locked for this run
	rawPages bool

	records      *os.File
	recBuf       []byte // records not yet written to the file
	recFlushed   int64  // records.jsonl's length on disk
	recordsBytes int64  // logical length, buffered bytes included
	pageStart    int64  // recordsBytes when the page being written began

	index      *os.File
	idxBuf     *bufio.Writer
	indexBytes int64
	pages      *pageWriter // page bodies, written off the fetch path
	pagesDir   *folder

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

// openOutput prepares a claimed folder for a run. With a checkpoint, what
// lies past the lengths it vouches for is moved aside (and said so), never
// silently cut; without one, data nobody vouches for is refused. On error
// the folder is released.
func openOutput(root *folder, rawPages, validating bool, cp *Checkpoint) (*output, error) {
	o := &output{root: root, rawPages: rawPages}
	var wantRecords, wantIndex, wantRejected int64
	var tail string
	if cp != nil {
		wantRecords, wantIndex, wantRejected, tail = cp.RecordsBytes, cp.IndexBytes, cp.RejectedBytes, cp.RecordsTail
	}
	var err error
	if o.records, o.recordsBytes, err = openAppend(root, root, RecordsFile, wantRecords, cp != nil, tail); err != nil {
		o.close()
		return nil, err
	}
	o.recBuf, o.recFlushed, o.pageStart = make([]byte, 0, recBufSize), o.recordsBytes, o.recordsBytes
	if validating || wantRejected > 0 {
		if o.rejected, o.rejectedBytes, err = openAppend(root, root, RejectedFile, wantRejected, cp != nil, ""); err != nil {
			o.close()
			return nil, err
		}
		o.rejBuf = bufio.NewWriterSize(o.rejected, 32<<10)
	}
	o.indexBytes = wantIndex // kept as it is when this run archives nothing
	if rawPages {
		if o.pagesDir, err = root.sub(PagesDir); err != nil {
			o.close()
			return nil, fmt.Errorf("opening the pages folder: %w", err)
		}
		if o.index, o.indexBytes, err = openAppend(root, o.pagesDir, IndexFile, wantIndex, cp != nil, ""); err != nil {
			o.close()
			return nil, err
		}
		o.idxBuf = bufio.NewWriterSize(o.index, 32<<10)
		o.pages = newPageWriter(o.pagesDir)
	}
	return o, nil
}

// tailWindow is how much of records.jsonl's end the checkpoint's checksum
// covers: enough to notice an edited or replaced file, small enough that
// resume reads it in no time whatever the file's length.
const tailWindow = 64 << 10

// tailSum is the checksum of the window of f that ends at end.
func tailSum(f *os.File, end int64) (string, error) {
	start := max(0, end-tailWindow)
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, start, end-start)); err != nil {
		return "", err
	}
	return fmt.Sprintf("sha256:%x@%d", h.Sum(nil), start), nil
}

// openAppend opens dir's file name for appending at want bytes, the length
// the checkpoint vouches for. Bytes past it (written after the last
// checkpoint, by a run that was killed or by someone else) are moved to
// root's aside folder and noted; a file shorter than want, one whose
// vouched tail changed, or a non-empty file no checkpoint vouches for is
// refused.
func openAppend(root, dir *folder, name string, want int64, vouched bool, tail string) (*os.File, int64, error) {
	f, err := dir.open(name, os.O_RDWR|os.O_CREATE)
	if err != nil {
		return nil, 0, fmt.Errorf("opening %s: %w", dir.rel(name), err)
	}
	fail := func(err error) (*os.File, int64, error) {
		f.Close()
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		return fail(fmt.Errorf("opening %s: %w", f.Name(), err))
	}
	size := st.Size()
	switch {
	case !vouched && size > 0:
		return fail(fmt.Errorf("%w: %s holds %d bytes but there is no checkpoint.json vouching for them (deleted?); siphon will not cut or overwrite them: run with --fresh to move this output aside and start over", ErrCheckpointDamaged, f.Name(), size))
	case size < want:
		return fail(fmt.Errorf("%w: %s has %d bytes but the checkpoint vouches for %d: the file was cut or replaced; run with --fresh to start over (the old output is kept aside)", ErrCheckpointDamaged, f.Name(), size, want))
	}
	if tail != "" {
		got, err := tailSum(f, want)
		if err != nil {
			return fail(fmt.Errorf("reading %s: %w", f.Name(), err))
		}
		if got != tail {
			return fail(fmt.Errorf("%w: the end of %s's first %d bytes is not what the checkpoint saw (the file was edited or replaced); run with --fresh to start over (the old output is kept aside)", ErrCheckpointDamaged, f.Name(), want))
		}
	}
	if size > want {
		aside, err := root.keepAside(f, dir.rel(name), want, size)
		if err != nil {
			return fail(fmt.Errorf("moving the unvouched end of %s aside: %w", f.Name(), err))
		}
		if err := f.Truncate(want); err != nil {
			return fail(fmt.Errorf("cutting %s back to the checkpoint: %w", f.Name(), err))
		}
		root.note(fmt.Sprintf("%s had %d bytes past what the checkpoint vouches for (written after the last checkpoint, e.g. by a run that was killed); they were moved to %s", dir.rel(name), size-want, aside))
	}
	if _, err := f.Seek(want, io.SeekStart); err != nil {
		return fail(err)
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
//
// pooled hands body's buffer to the page writer, which gives it back to
// bodyBufs once written.
func (o *output) writePage(e *PageEntry, body []byte, written, pooled bool) error {
	if !o.rawPages {
		return nil
	}
	e.File = pageFileName(e.Page)
	if !written { // written: the body streamed to its file already
		if err := o.pages.write(e.Page, e.File, body, pooled); err != nil {
			return err
		}
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
	tail, err := tailSum(o.records, o.pageStart)
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", RecordsFile, err)
	}
	cp.RecordsTail = tail
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
	return writeCheckpointBytes(o.root, cp)
}

// close releases the files and the folder without committing: what was
// not committed is moved aside by the next resume.
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
	if o.pagesDir != nil {
		o.pagesDir.release()
	}
	o.root.release()
	return errors.Join(errs...)
}

// folder is an output folder (or its pages subfolder) as one run holds it:
// a handle on the folder itself, through which every file is opened (see
// openAt), and for the output folder its lock.
type folder struct {
	path string
	dir  *os.File
	lock *os.File // nil for a subfolder

	mu    sync.Mutex
	notes *[]string // what was changed on the way in, shared with subfolders
}

// LockFile is the output folder's lock; while a run holds it, it names the
// run's process and since when.
const LockFile = ".lock"

// ErrFolderInUse is a run refused because another one holds the folder.
var ErrFolderInUse = errors.New("output folder in use")

// claimFolder creates (0700) and locks the output folder before anything in
// it is read, moved or cut. An existing folder that is not siphon's (see
// checkOutputFolder), and the current, home or root folder, are refused
// before anything in them is touched. With fresh, siphon's own files of the
// folder are then moved aside, still under the lock; anything else in it
// stays. A folder held by a live run is refused, fresh or not, naming the
// holder.
func claimFolder(path string, fresh bool) (*folder, error) {
	if err := checkOutputFolder(path); err != nil {
		return nil, err
	}
	f, err := holdFolder(path)
	if err != nil {
		return nil, err
	}
	if err := f.markFolder(); err != nil {
		f.release()
		return nil, err
	}
	if !fresh {
		return f, nil
	}
	moved, err := f.freshen()
	if err != nil {
		f.release()
		return nil, err
	}
	if moved != "" {
		f.note("--fresh: siphon's files of the old output were moved to " + moved + "; other files in " + path + " were left as they are")
	}
	return f, nil
}

// holdFolder opens and locks one folder.
func holdFolder(path string) (*folder, error) {
	if err := os.MkdirAll(path, 0o700); err != nil {
		return nil, fmt.Errorf("creating output folder: %w", err)
	}
	dir, err := openDirNoFollow(path)
	if err != nil {
		return nil, fmt.Errorf("opening output folder: %w", err)
	}
	f := &folder{path: path, dir: dir, notes: new([]string)}
	lock, err := openAt(dir, LockFile, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		dir.Close()
		return nil, fmt.Errorf("locking output folder: %w", err)
	}
	ok, err := tryLock(lock)
	if !ok {
		holder, _ := io.ReadAll(io.LimitReader(lock, 200))
		lock.Close()
		dir.Close()
		if err != nil {
			return nil, fmt.Errorf("locking output folder %s: %w", path, err)
		}
		who := strings.TrimSpace(string(holder))
		if who == "" {
			who = "another siphon run"
		}
		return nil, fmt.Errorf("%w: %s is held by %s; wait for it to end (or stop it), or use another --out", ErrFolderInUse, path, who)
	}
	f.lock = lock
	if err := lock.Truncate(0); err == nil {
		_, _ = lock.WriteAt([]byte(fmt.Sprintf("siphon run, pid %d, since %s\n", os.Getpid(), time.Now().Format(time.RFC3339))), 0)
	}
	f.tighten(dir, 0o700)
	return f, nil
}

// sub opens (creating it) a subfolder, links refused.
func (f *folder) sub(name string) (*folder, error) {
	d, err := openDirAt(f.dir, name)
	if err != nil {
		return nil, err
	}
	s := &folder{path: filepath.Join(f.path, name), dir: d, notes: f.notes}
	s.tighten(d, 0o700)
	return s, nil
}

// rel is a file's name relative to the output folder, for messages.
func (f *folder) rel(name string) string {
	if f.lock != nil {
		return name
	}
	return filepath.Join(filepath.Base(f.path), name)
}

// open opens a regular file of the folder, created 0600; a link is refused,
// and a file others may read is tightened to 0600.
func (f *folder) open(name string, flag int) (*os.File, error) {
	file, err := openAt(f.dir, name, flag, 0o600)
	if err != nil {
		return nil, err
	}
	if fi, err := file.Stat(); err == nil && !fi.Mode().IsRegular() {
		file.Close()
		return nil, fmt.Errorf("%s is not a regular file", file.Name())
	}
	f.tighten(file, 0o600)
	return file, nil
}

// tighten takes away what group and others may do with a file or folder
// siphon writes, and says so for a file (a folder's mode shows only names,
// and a fresh temporary folder is often 0755).
func (f *folder) tighten(file *os.File, perm os.FileMode) {
	fi, err := file.Stat()
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return
	}
	if fi.IsDir() {
		if err := file.Chmod(perm); err != nil {
			f.note(fmt.Sprintf("%s is open to others (mode %04o) and could not be tightened: %v", file.Name(), fi.Mode().Perm(), err))
		}
		return
	}
	if err := file.Chmod(perm); err != nil {
		f.note(fmt.Sprintf("%s is readable by others (mode %04o) and could not be tightened: %v", file.Name(), fi.Mode().Perm(), err))
		return
	}
	f.note(fmt.Sprintf("%s was readable by others (mode %04o); tightened to %04o", file.Name(), fi.Mode().Perm(), perm))
}

func (f *folder) note(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	*f.notes = append(*f.notes, s)
}

// takeNotes returns and clears what was changed on the way in.
func (f *folder) takeNotes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := *f.notes
	*f.notes = nil
	return n
}

// readFile reads a file of the folder; (nil, nil) when there is none.
func (f *folder) readFile(name string) ([]byte, error) {
	file, err := openAt(f.dir, name, os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer file.Close()
	return io.ReadAll(file)
}

// replace writes a file of the folder atomically: temp file, fsync,
// rename, fsync of the folder.
func (f *folder) replace(name string, data []byte) error {
	tmp := fmt.Sprintf(".%s.%d.%d.tmp", name, os.Getpid(), time.Now().UnixNano())
	file, err := openAt(f.dir, tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = file.Write(data)
	if err == nil {
		err = file.Sync()
	}
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = renameAt(f.dir, tmp, name)
	}
	if err != nil {
		removeAt(f.dir, tmp)
		return err
	}
	return f.dir.Sync()
}

// keepAside copies file's bytes [from, to) into the folder's aside/
// subfolder and returns the copy's path.
func (f *folder) keepAside(file *os.File, name string, from, to int64) (string, error) {
	aside, err := f.sub("aside")
	if err != nil {
		return "", err
	}
	defer aside.release()
	base := fmt.Sprintf("%s.%s.from-byte-%d", strings.ReplaceAll(name, string(filepath.Separator), "-"), time.Now().UTC().Format("20060102T150405.000"), from)
	out, err := aside.open(base, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return "", err
	}
	_, err = io.Copy(out, io.NewSectionReader(file, from, to-from))
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = aside.dir.Sync()
	}
	return out.Name(), err
}

// release unlocks and closes the folder.
func (f *folder) release() {
	if f == nil {
		return
	}
	if f.lock != nil {
		unlock(f.lock)
		f.lock.Close()
		f.lock = nil
	}
	if f.dir != nil {
		f.dir.Close()
		f.dir = nil
	}
}

// MoveAside moves an existing output folder's siphon files to a fresh
// sibling folder and returns it ("" when there was nothing to move).
// Nothing is deleted, and files that are not siphon's stay. The folder's
// lock is taken first: a folder a live run holds is refused.
func MoveAside(dir string) (string, error) {
	if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err := checkOutputFolder(dir); err != nil {
		return "", err
	}
	f, err := holdFolder(dir)
	if err != nil {
		return "", err
	}
	defer f.release()
	return f.freshen()
}
