package s3store

import (
	"errors"
	"io"
)

// chunkSize is the unit a segment's bytes are kept in. A part is a whole
// number of chunks, so cutting one off the front moves slices, not bytes.
const chunkSize = 256 << 10

// Chunks that an upload finished with are kept for the next segment:
// growing fresh megabytes (and faulting them in) for every segment cost
// more CPU than the rest of the writer. Bounded, so the memory a long run
// keeps stays flat: keptChunks (32 MiB) at most. The mapped arena's
// chunks (arena_linux.go) count first and have a free list with room for
// all of them (so none is dropped), taken before any other; chunkPool
// keeps heap chunks up to the rest of the bound (none where the arena
// holds all of it).
const keptChunks = 128

var (
	arenaFree = make(chan []byte, arenaChunks)
	chunkPool = make(chan []byte, keptChunks-arenaChunks)
)

func getChunk() []byte {
	select {
	case c := <-arenaFree:
		return c[:0]
	default:
	}
	select {
	case c := <-chunkPool:
		return c[:0]
	default:
	}
	if c := arenaChunk(); c != nil {
		return c
	}
	return make([]byte, 0, chunkSize)
}

func putChunk(c []byte) {
	if cap(c) != chunkSize {
		return
	}
	if inArena(c) {
		select {
		case arenaFree <- c[:0]:
		default: // only a chunk given back twice finds it full: never block on it
		}
		return
	}
	select {
	case chunkPool <- c[:0]:
	default:
	}
}

// segbuf is bytes kept for upload in chunks: every chunk but the last is
// full, so the chunk of an offset is a division.
type segbuf struct {
	chunks [][]byte
	n      int
}

func (s *segbuf) len() int { return s.n }

// Write appends p; it never fails.
func (s *segbuf) Write(p []byte) (int, error) {
	s.n += len(p)
	written := len(p)
	for len(p) > 0 {
		last := s.room()
		k := min(len(p), chunkSize-len(*last))
		*last = append(*last, p[:k]...)
		p = p[k:]
	}
	return written, nil
}

func (s *segbuf) writeByte(c byte) {
	last := s.room()
	*last = append(*last, c)
	s.n++
}

// room is the last chunk, a new one when it is full.
func (s *segbuf) room() *[]byte {
	if len(s.chunks) == 0 || len(s.chunks[len(s.chunks)-1]) == chunkSize {
		s.chunks = append(s.chunks, getChunk())
	}
	return &s.chunks[len(s.chunks)-1]
}

// truncate keeps the first n bytes and gives the chunks past them back.
func (s *segbuf) truncate(n int) {
	if n >= s.n {
		return
	}
	keep := (n + chunkSize - 1) / chunkSize
	for i := keep; i < len(s.chunks); i++ {
		putChunk(s.chunks[i])
		s.chunks[i] = nil
	}
	s.chunks = s.chunks[:keep]
	if rem := n % chunkSize; rem > 0 {
		s.chunks[keep-1] = s.chunks[keep-1][:rem]
	}
	s.n = n
}

// cutFront takes the first n bytes (a whole number of chunks) out as a
// segbuf of their own.
func (s *segbuf) cutFront(n int) segbuf {
	if n%chunkSize != 0 || n > s.n {
		panic("s3store: cutFront past the bytes or between chunks")
	}
	k := n / chunkSize
	front := segbuf{chunks: append([][]byte(nil), s.chunks[:k]...), n: n}
	s.chunks = append(s.chunks[:0:0], s.chunks[k:]...)
	s.n -= n
	return front
}

// tail copies the bytes from off on into a new segbuf.
func (s *segbuf) tail(off int) segbuf {
	var t segbuf
	for off < s.n {
		c := s.chunks[off/chunkSize][off%chunkSize:]
		t.Write(c)
		off += len(c)
	}
	return t
}

// release gives every chunk back; s is empty after.
func (s *segbuf) release() {
	for i, c := range s.chunks {
		putChunk(c)
		s.chunks[i] = nil
	}
	s.chunks, s.n = s.chunks[:0], 0
}

// reader reads the bytes as they are now; s must not change while it is
// in use (an upload, its retries included).
func (s *segbuf) reader() *segReader { return &segReader{chunks: s.chunks, n: int64(s.n)} }

// segReader is an io.ReadSeeker over a segbuf's chunks: the SDK reads a
// body twice (its signature's hash, then the send) and again on a retry.
type segReader struct {
	chunks [][]byte
	n, off int64
}

func (r *segReader) Read(p []byte) (int, error) {
	if r.off >= r.n {
		return 0, io.EOF
	}
	c := r.chunks[r.off/chunkSize][r.off%chunkSize:]
	k := copy(p, c)
	r.off += int64(k)
	return k, nil
}

func (r *segReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.off
	case io.SeekEnd:
		offset += r.n
	default:
		return 0, errors.New("segReader: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("segReader: negative position")
	}
	r.off = offset
	return offset, nil
}
