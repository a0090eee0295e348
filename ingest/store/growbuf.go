package store

import (
	"os"
	"sync"
)

// growBuf is buf with room for n more bytes. A writer's buffers start
// empty and double as bytes come, up to limit: a run of thousands of
// small partitions then holds a few KiB a live partition, not the
// buffers' full size, and allocates little as partitions come and go.
// A single write larger than limit gets exactly the room it needs.
func growBuf(buf []byte, n, limit int) []byte {
	need := len(buf) + n
	if need <= cap(buf) {
		return buf
	}
	c := max(2*cap(buf), 4<<10)
	for c < need {
		c *= 2
	}
	c = max(min(c, limit), need)
	grown := make([]byte, len(buf), c)
	copy(grown, buf)
	return grown
}

// spareBufs keeps the buffers of closed writers for the next ones: a run
// of thousands of one-page partitions would otherwise grow a records
// buffer and a segment buffer anew for each (most of what a partition
// allocated). At most a few are kept (as many as writers were open at
// once, until the garbage collector takes them).
var spareBufs sync.Pool // of *[]byte

// spareBuf is an empty buffer with room, when one was given back.
func spareBuf() []byte {
	if p, _ := spareBufs.Get().(*[]byte); p != nil {
		return (*p)[:0]
	}
	return nil
}

// giveBuf gives b back for another writer; its holder uses it no more.
// One larger than limit (a huge write) is let go.
func giveBuf(b []byte, limit int) {
	if cap(b) == 0 || cap(b) > limit {
		return
	}
	b = b[:0]
	spareBufs.Put(&b)
}

// fileBuf buffers writes to f up to limit bytes, like a bufio.Writer that
// grows its buffer as it fills (growBuf). After a failed write every
// later one fails with the same error.
type fileBuf struct {
	f     *os.File
	buf   []byte
	limit int
	err   error
}

func (b *fileBuf) Write(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if len(b.buf)+len(p) > b.limit && len(b.buf) > 0 {
		if err := b.Flush(); err != nil {
			return 0, err
		}
	}
	if len(p) >= b.limit { // as large as the buffer: straight to the file
		n, err := b.f.Write(p)
		if err != nil {
			b.err = err
		}
		return n, err
	}
	b.buf = append(growBuf(b.buf, len(p), b.limit), p...)
	return len(p), nil
}

// Flush writes what is buffered.
func (b *fileBuf) Flush() error {
	if b.err != nil {
		return b.err
	}
	if len(b.buf) == 0 {
		return nil
	}
	n, err := b.f.Write(b.buf)
	if err != nil {
		b.buf = b.buf[:copy(b.buf, b.buf[n:])]
		b.err = err
		return err
	}
	b.buf = b.buf[:0]
	return nil
}
