package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"siphon/ingest/remedy"
	"sort"
)

// segmentLimit is how long a segment of the page archive grows before the
// next one is begun: big enough that a run makes few files, small enough
// to copy or upload one at a time.
var segmentLimit int64 = 256 << 20 // a variable for the tests

// segBufSize is how many archived bytes are buffered before a write: most
// pages then cost a copy, not a system call.
const segBufSize = 1 << 20

// segments appends archived page bodies, as received, to the archive's
// segment files (pages/pages-NNNNNN.bin), one after the other; the index
// line of each says where its body lies. Creating a file per page costs
// the file system far more than appending the same bytes.
//
// A checkpoint vouches for a segment and a length in it (see vouched):
// bytes past them, or later segments, were written after it and are moved
// aside on resume (see openSegments), as records are.
type segments struct {
	dir     *folder
	recycle func([]byte) // takes back a pooled body once copied; may be nil

	num     int      // the segment being written
	f       *os.File // its file
	size    int64    // its length, buffered bytes included
	flushed int64    // its length on disk
	indexed int64    // the end of the last body an index line names
	buf     []byte   // bytes not yet written to f

	streamAt int64 // where the body streaming in (or last streamed) began; -1: none
	last     struct{ offset, length int64 }
	err      error // the first write that failed: later ones are refused

	named     int    // the segment fileName names
	namedFile string // SegmentName(named), kept: every index line names it
}

// fileName is the file name of the segment being written.
func (s *segments) fileName() string {
	if s.named != s.num || s.namedFile == "" {
		s.named, s.namedFile = s.num, SegmentName(s.num)
	}
	return s.namedFile
}

// openSegments opens the segment the checkpoint names at the length it
// vouches for. What lies past that length, and any later segment, is
// moved to root's aside folder and noted; earlier segments stay as they
// are. Without a vouched segment (a new run, or an archive of one file a
// page from an older siphon) every segment is moved aside and the first
// is begun.
func openSegments(root, dir *folder, cp *Checkpoint, recycle func([]byte)) (*segments, error) {
	vouchedNum, want := 0, int64(0)
	if cp != nil && cp.PagesFile != "" {
		n, ok := segmentNumber(cp.PagesFile)
		if !ok {
			return nil, remedy.New(fmt.Errorf("%w: the checkpoint names %q as the page archive's segment, which is not a segment's name", ErrCheckpointDamaged, cp.PagesFile), remedy.StartOver)
		}
		vouchedNum, want = n, cp.PagesBytes
	}
	names, err := segmentNames(dir)
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", dir.path, err)
	}
	for _, name := range names {
		if n, _ := segmentNumber(name); n > vouchedNum {
			if err := moveSegmentAside(root, dir, name); err != nil {
				return nil, err
			}
		}
	}
	s := &segments{dir: dir, recycle: recycle, streamAt: -1, buf: spareBuf()} // buf grows as bodies come (growBuf)
	if vouchedNum == 0 {
		s.num = 1
		s.f, err = dir.open(SegmentName(1), os.O_RDWR|os.O_CREATE|os.O_EXCL)
		if err != nil {
			return nil, fmt.Errorf("creating %s: %w", dir.rel(SegmentName(1)), err)
		}
		return s, nil
	}
	s.num = vouchedNum
	if s.f, s.size, err = openAppend(root, dir, SegmentName(vouchedNum), want, true, ""); err != nil {
		return nil, err
	}
	s.flushed, s.indexed = s.size, s.size
	return s, nil
}

// segmentNames lists the folder's segments, in order.
func segmentNames(dir *folder) ([]string, error) {
	if _, err := dir.dir.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	all, err := dir.dir.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, name := range all {
		if _, ok := segmentNumber(name); ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names, nil
}

// moveSegmentAside copies a segment no checkpoint vouches for into aside/
// and removes it, saying so.
func moveSegmentAside(root, dir *folder, name string) error {
	f, err := dir.open(name, os.O_RDONLY)
	if err != nil {
		return fmt.Errorf("opening %s: %w", dir.rel(name), err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("opening %s: %w", dir.rel(name), err)
	}
	if st.Size() > 0 {
		aside, err := root.keepAside(f, dir.rel(name), 0, st.Size())
		if err != nil {
			return fmt.Errorf("moving %s aside: %w", dir.rel(name), err)
		}
		root.note(fmt.Sprintf("%s (%d bytes) was written after the last checkpoint (e.g. by a run that was killed); it was moved to %s", dir.rel(name), st.Size(), aside))
	}
	removeAt(dir.dir, name)
	return nil
}

// full reports whether the next body goes to a new segment.
func (s *segments) full() bool { return s.size >= segmentLimit }

// roll closes the segment, made durable, and begins the next. No commit
// may be in flight: it syncs the file being closed.
func (s *segments) roll() error {
	if err := s.flush(); err != nil {
		return err
	}
	if err := s.f.Sync(); err != nil {
		return s.fail(fmt.Errorf("syncing %s: %w", s.dir.rel(SegmentName(s.num)), err))
	}
	s.f.Close()
	s.num++
	f, err := s.dir.open(SegmentName(s.num), os.O_RDWR|os.O_CREATE|os.O_EXCL)
	if err != nil {
		s.f = nil
		return s.fail(fmt.Errorf("creating %s: %w", s.dir.rel(SegmentName(s.num)), err))
	}
	s.f, s.size, s.flushed, s.indexed = f, 0, 0, 0
	return nil
}

func (s *segments) fail(err error) error {
	if s.err == nil {
		s.err = err
	}
	return s.err
}

// add appends a whole body and returns where it lies. A pooled body's
// buffer goes back to recycle: it is copied or written by then.
func (s *segments) add(body []byte, pooled bool) (offset, length int64, err error) {
	if pooled && s.recycle != nil {
		defer s.recycle(body)
	}
	if s.err != nil {
		return 0, 0, s.err
	}
	offset = s.size
	if len(s.buf)+len(body) > segBufSize {
		if err := s.flush(); err != nil {
			return 0, 0, err
		}
	}
	if len(body) >= segBufSize {
		n, err := s.f.Write(body)
		s.flushed += int64(n)
		s.size += int64(n)
		if err != nil {
			return 0, 0, s.fail(fmt.Errorf("writing %s: %w", s.dir.rel(SegmentName(s.num)), err))
		}
	} else {
		s.buf = append(growBuf(s.buf, len(body), segBufSize), body...)
		s.size += int64(len(body))
	}
	return offset, int64(len(body)), nil
}

// flush writes the buffered bytes.
func (s *segments) flush() error {
	if s.err != nil {
		return s.err
	}
	if len(s.buf) == 0 {
		return nil
	}
	n, err := s.f.Write(s.buf)
	s.flushed += int64(n)
	if err != nil {
		return s.fail(fmt.Errorf("writing %s: %w", s.dir.rel(SegmentName(s.num)), err))
	}
	s.buf = s.buf[:0]
	return nil
}

// stream begins a body written while it streams in, straight to the
// file; closing it says where it lies (streamed).
func (s *segments) stream() (io.WriteCloser, error) {
	if err := s.flush(); err != nil {
		return nil, err
	}
	s.streamAt = s.size
	return segmentStream{s}, nil
}

type segmentStream struct{ s *segments }

func (w segmentStream) Write(p []byte) (int, error) {
	s := w.s
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.f.Write(p)
	s.flushed += int64(n)
	s.size += int64(n)
	if err != nil {
		return n, s.fail(fmt.Errorf("writing %s: %w", s.dir.rel(SegmentName(s.num)), err))
	}
	return n, nil
}

func (w segmentStream) Close() error {
	s := w.s
	s.last.offset, s.last.length = s.streamAt, s.size-s.streamAt
	return s.err
}

// streamed is where the last streamed body lies.
func (s *segments) streamed() (offset, length int64) { return s.last.offset, s.last.length }

// drop cuts the body streamed last off the segment (an attempt that
// failed): a retry writes it anew.
func (s *segments) drop() {
	if s.streamAt < 0 || s.err != nil {
		return
	}
	to := s.streamAt
	s.streamAt = -1
	if err := s.f.Truncate(to); err != nil {
		s.fail(fmt.Errorf("cutting a failed page off %s: %w", s.dir.rel(SegmentName(s.num)), err))
		return
	}
	if _, err := s.f.Seek(to, io.SeekStart); err != nil {
		s.fail(fmt.Errorf("cutting a failed page off %s: %w", s.dir.rel(SegmentName(s.num)), err))
		return
	}
	s.size, s.flushed = to, to
}

// indexedTo notes that an index line now names the bytes up to end.
func (s *segments) indexedTo(end int64) {
	s.indexed = end
	s.streamAt = -1
}

// vouched is what a checkpoint may vouch for once the buffered bytes are
// written: the segment and the end of the last body an index line names.
func (s *segments) vouched() (string, int64) { return s.fileName(), s.indexed }

// close closes the file without writing what is buffered: what was not
// committed is moved aside by the next resume anyway.
func (s *segments) close() error {
	giveBuf(s.buf, segBufSize)
	s.buf = nil
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	if errors.Is(err, os.ErrClosed) {
		return nil
	}
	return err
}
