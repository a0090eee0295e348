package store

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// An output read back through its read view (Location.ReadFS). A local
// folder keeps each JSON-lines file whole (records.jsonl, rejected.jsonl,
// pages/index.jsonl); an object store keeps it in segments beside where
// the file would be (records-000001.jsonl, ..., pages/index-000001.jsonl,
// ...), which Joined puts end to end, so that a reader reads either alike.
// What is read is hostile (an edited folder, a bucket anyone may write):
// lines are bounded, offsets checked, names matched exactly.

// Joined is one of an output's JSON-lines files, read whole and in order:
// the file itself, or its segments in the order of their numbers. It is
// an io.ReaderAt of Size bytes. Only one goroutine uses it.
type Joined struct {
	fsys  fs.FS
	name  string
	parts []joinedPart
	size  int64
}

// joinedPart is one file of a Joined, at its offset in the whole.
type joinedPart struct {
	path     string
	at, size int64
	f        fs.File // opened on first read
	r        io.ReaderAt
}

// OpenJoined opens the output's JSON-lines file name (RecordsFile,
// RejectedFile, or PagesDir/IndexFile): the file itself when there is
// one, else its segments NAME-NNNNNN.jsonl in the same folder. With
// neither, the error is fs.ErrNotExist. Sizes are those listed now: a
// file that grows meanwhile is read as it was.
func OpenJoined(fsys fs.FS, name string) (*Joined, error) {
	j := &Joined{fsys: fsys, name: name}
	fi, err := fs.Stat(fsys, name)
	switch {
	case err == nil && fi.Mode().IsRegular():
		j.parts, j.size = []joinedPart{{path: name, size: fi.Size()}}, fi.Size()
		return j, nil
	case err == nil:
		return nil, fmt.Errorf("%s is not a regular file", name)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	dir := path.Dir(name)
	stem := strings.TrimSuffix(path.Base(name), ".jsonl")
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	type numbered struct {
		joinedPart
		n int
	}
	var segs []numbered
	for _, e := range entries {
		n, ok := SegmentNumber(e.Name(), stem, ".jsonl")
		if !ok || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, err
		}
		segs = append(segs, numbered{joinedPart{path: path.Join(dir, e.Name()), size: info.Size()}, n})
	}
	if len(segs) == 0 {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	// By number: 1000000 sorts after 999999, which its name does not.
	sort.Slice(segs, func(a, b int) bool { return segs[a].n < segs[b].n })
	for _, s := range segs {
		s.at = j.size
		j.parts = append(j.parts, s.joinedPart)
		j.size += s.size
	}
	return j, nil
}

// SegmentNumber is the number of a segment's name STEM-NNNNNN.SUFFIX
// (six digits or more, as siphon writes them), or false for any other
// name: records-000001.jsonl is segment 1 of records.
func SegmentNumber(name, stem, suffix string) (int, bool) {
	digits, ok := strings.CutPrefix(name, stem+"-")
	if !ok {
		return 0, false
	}
	if digits, ok = strings.CutSuffix(digits, suffix); !ok || len(digits) < 6 || len(digits) > 9 {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 || fmt.Sprintf("%s-%06d%s", stem, n, suffix) != name {
		return 0, false
	}
	return n, true
}

// Name is the file asked for, for messages.
func (j *Joined) Name() string { return j.name }

// Size is the length of the whole.
func (j *Joined) Size() int64 { return j.size }

// Where is the file that holds byte off of the whole, for messages.
func (j *Joined) Where(off int64) string {
	if i := j.partAt(off); i < len(j.parts) {
		return j.parts[i].path
	}
	return j.name
}

// partAt is the index of the part that holds byte off (len(parts) past
// the end).
func (j *Joined) partAt(off int64) int {
	return sort.Search(len(j.parts), func(i int) bool { return j.parts[i].at+j.parts[i].size > off })
}

// ReadAt reads the whole at off, across parts.
func (j *Joined) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("%s: negative offset %d", j.name, off)
	}
	n := 0
	for n < len(p) {
		at := off + int64(n)
		i := j.partAt(at)
		if i >= len(j.parts) {
			return n, io.EOF
		}
		pt := &j.parts[i]
		if pt.r == nil {
			f, err := j.fsys.Open(pt.path)
			if err != nil {
				return n, err
			}
			r, ok := f.(io.ReaderAt)
			if !ok {
				f.Close()
				return n, fmt.Errorf("%s cannot be read at an offset", pt.path)
			}
			pt.f, pt.r = f, r
		}
		want := int(min(int64(len(p)-n), pt.at+pt.size-at))
		m, err := pt.r.ReadAt(p[n:n+want], at-pt.at)
		n += m
		if m < want {
			if err == nil || errors.Is(err, io.EOF) {
				err = fmt.Errorf("%s is shorter than the %d bytes it had when listed (changed while being read?)", pt.path, pt.size)
			}
			return n, err
		}
	}
	return n, nil
}

// Close closes the files read.
func (j *Joined) Close() error {
	var errs []error
	for i := range j.parts {
		if f := j.parts[i].f; f != nil {
			errs = append(errs, f.Close())
			j.parts[i].f, j.parts[i].r = nil, nil
		}
	}
	return errors.Join(errs...)
}

// Lines reads a Joined line by line, in order, within its first limit
// bytes (the length a checkpoint vouches for; Size for all of it). Each
// part is read on its own: a segment's last line ends with it, whole or
// not. A line longer than maxLine is given cut to maxLine bytes, and Long
// says so.
type Lines struct {
	j     *Joined
	limit int64
	max   int

	part   int           // the part being read
	r      *bufio.Reader // over it, nil before it is opened
	at     int64         // where the next line starts
	lineNo int           // within the part

	line   []byte
	lineAt int64
	whole  bool
	long   bool
	err    error
}

// Lines starts reading j's lines; see Lines.
func (j *Joined) Lines(limit int64, maxLine int) *Lines {
	return &Lines{j: j, limit: min(limit, j.size), max: maxLine}
}

// Next reads the next line; false at the end or on an error (Err).
func (l *Lines) Next() bool {
	for l.err == nil {
		if l.r == nil {
			for l.part < len(l.j.parts) && l.j.parts[l.part].size == 0 {
				l.part++
			}
			if l.part >= len(l.j.parts) || l.j.parts[l.part].at >= l.limit {
				return false
			}
			pt := l.j.parts[l.part]
			l.r = bufio.NewReaderSize(io.NewSectionReader(l.j, pt.at, min(pt.at+pt.size, l.limit)-pt.at), 64<<10)
			l.at, l.lineNo = pt.at, 0
		}
		l.line, l.lineAt, l.whole, l.long = l.line[:0], l.at, false, false
		for {
			chunk, err := l.r.ReadSlice('\n')
			l.at += int64(len(chunk))
			if room := l.max - len(l.line); len(chunk) > room {
				l.line, l.long = append(l.line, chunk[:max(room, 0)]...), true
			} else {
				l.line = append(l.line, chunk...)
			}
			if err == nil {
				l.whole = true
				break
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if !errors.Is(err, io.EOF) {
				l.err = err
				return false
			}
			l.r = nil // the part ends here
			l.part++
			break
		}
		if l.at == l.lineAt {
			continue // nothing left in that part
		}
		l.lineNo++
		return true
	}
	return false
}

// Line is the line read, without its newline; valid until the next Next.
func (l *Lines) Line() []byte {
	if l.whole && !l.long {
		return l.line[:len(l.line)-1]
	}
	return l.line
}

// At is where the line starts in the whole; End is just past it.
func (l *Lines) At() int64  { return l.lineAt }
func (l *Lines) End() int64 { return l.at }

// Whole says the line ended with its newline (a torn last line does not).
func (l *Lines) Whole() bool { return l.whole }

// Long says the line was longer than max: Line is its start.
func (l *Lines) Long() bool { return l.long }

// Where names the line for messages: its file and line number there.
func (l *Lines) Where() string { return fmt.Sprintf("%s line %d", l.j.Where(l.lineAt), l.lineNo) }

// Err is the error that ended the reading, if any.
func (l *Lines) Err() error { return l.err }

// backChunk is how much a read back from the end takes at a time.
const backChunk = 64 << 10

// Tail reads the last keep lines of the first limit bytes of j, back
// from there (so a long file costs what its end holds), with where each
// begins. It reads at most maxBytes: fewer lines then. Blank lines are
// left out; the first line read is left out when it may be cut (it began
// before what was read). Parts are read back as one: siphon ends every
// segment with a whole line.
func (j *Joined) Tail(limit int64, keep int, maxBytes int64) ([][]byte, []int64, error) {
	limit = min(limit, j.size)
	start := limit
	var chunks [][]byte // last first
	var read int64
	newlines := 0
	for start > 0 && read < maxBytes && newlines <= keep {
		n := min(backChunk, start, maxBytes-read)
		start -= n
		b := make([]byte, n)
		if _, err := j.ReadAt(b, start); err != nil && !errors.Is(err, io.EOF) {
			return nil, nil, err
		}
		chunks, read, newlines = append(chunks, b), read+n, newlines+bytes.Count(b, []byte{'\n'})
	}
	buf := make([]byte, 0, read)
	for i := len(chunks) - 1; i >= 0; i-- {
		buf = append(buf, chunks[i]...)
	}
	var lines [][]byte
	var at []int64
	pos := start
	for i, line := range bytes.SplitAfter(buf, []byte{'\n'}) {
		lineAt := pos
		pos += int64(len(line))
		if i == 0 && start > 0 {
			continue // it began before what was read
		}
		if line = bytes.TrimSpace(line); len(line) > 0 {
			lines, at = append(lines, line), append(at, lineAt)
		}
	}
	if len(lines) > keep {
		lines, at = lines[len(lines)-keep:], at[len(at)-keep:]
	}
	return lines, at, nil
}

// LineStartFromEnd is where the last n lines of the first limit bytes of
// j begin, reading back from there and counting newlines, nothing kept:
// what it reads is what those lines take. The limit must end a line.
func (j *Joined) LineStartFromEnd(limit, n int64) (int64, error) {
	if limit > j.size {
		return 0, fmt.Errorf("%s holds %d bytes, fewer than the %d the checkpoint vouches for", j.name, j.size, limit)
	}
	if n == 0 {
		return limit, nil
	}
	buf := make([]byte, backChunk)
	var seen int64 // newlines counted from the end; the one at limit-1 ends the last line
	for end := limit; end > 0; {
		start := max(end-backChunk, 0)
		b := buf[:end-start]
		if _, err := j.ReadAt(b, start); err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		if end == limit && b[len(b)-1] != '\n' {
			return 0, fmt.Errorf("%s: the %d bytes the checkpoint vouches for do not end with a whole line", j.Where(limit-1), limit)
		}
		for i := len(b) - 1; i >= 0; i-- {
			if b[i] != '\n' {
				continue
			}
			if seen++; seen == n+1 {
				return start + int64(i) + 1, nil
			}
		}
		end = start
	}
	if seen == n {
		return 0, nil
	}
	return 0, fmt.Errorf("%s holds %d lines within the %d bytes the checkpoint vouches for, fewer than the %d to take back", j.name, seen, limit, n)
}
