package store

import (
	"fmt"
	"io"

	"siphon/ingest/redact"
)

// spillBytes is how much of a streamed body the archive keeps in memory:
// a larger body goes to its file as it arrives.
const spillBytes = 1 << 20

// bufList keeps a few buffers of archived bodies for the next pages: a
// body goes to the page writer, which gives its buffer back once written.
type bufList struct{ free chan []byte }

// bodyBufs holds at most 16 buffers of up to 256 KiB.
var bodyBufs = bufList{free: make(chan []byte, 16)}

func (l bufList) get() []byte {
	select {
	case b := <-l.free:
		return b
	default:
		return make([]byte, 0, 32<<10)
	}
}

func (l bufList) put(b []byte) {
	if b == nil || cap(b) > 256<<10 {
		return
	}
	select {
	case l.free <- b[:0]:
	default:
	}
}

// RecycleBody gives the buffer of an archived body back for the next
// pages' bodies (Options.Recycle); a buffer too large is let go.
func RecycleBody(b []byte) { bodyBufs.put(b) }

// StreamedBody is a streamed page's body on its way to the archive. A body
// up to spillBytes is kept and handed to the page writer, off the fetch
// path; a larger one is written to its file while it streams, secrets
// hidden on the way, so no body is held whole.
type StreamedBody struct {
	out  Writer
	page int
	red  *redact.Redactor
	buf  []byte
	file io.WriteCloser // the body's file in the archive
	w    io.WriteCloser // red's writer into file
	err  error
}

// NewStreamedBody starts page's body for out's archive, its secrets
// hidden by red.
func NewStreamedBody(out Writer, page int, red *redact.Redactor) *StreamedBody {
	return &StreamedBody{out: out, page: page, red: red}
}

func (a *StreamedBody) Write(p []byte) (int, error) {
	if a.err != nil {
		return len(p), nil // reported by Finish; the scan goes on
	}
	if a.file == nil && len(a.buf)+len(p) <= spillBytes {
		if a.buf == nil {
			a.buf = bodyBufs.get()
		}
		a.buf = append(a.buf, p...)
		return len(p), nil
	}
	if a.file == nil {
		if a.file, a.err = a.out.PageBody(a.page); a.err != nil {
			return len(p), nil
		}
		a.w = a.red.Writer(a.file)
		_, a.err = a.w.Write(a.buf)
		bodyBufs.put(a.buf)
		a.buf = nil
	}
	if a.err == nil {
		_, a.err = a.w.Write(p)
	}
	return len(p), nil
}

// Finish closes a spilled body's file; it returns the kept body of one
// that was not spilled (nil when it was).
func (a *StreamedBody) Finish() ([]byte, error) {
	if a.file == nil {
		kept := a.buf
		a.buf = nil // the caller's now
		return kept, a.err
	}
	err := a.err
	if err == nil {
		err = a.w.Close()
	}
	if cerr := a.file.Close(); err == nil {
		err = cerr
	}
	a.file = nil
	if err != nil {
		return nil, fmt.Errorf("archiving page body %s: %w", PageFileName(a.page), err)
	}
	return nil, nil
}

// Discard drops an attempt's body: a file it spilled to is removed, so a
// page that failed leaves nothing in pages/ (a retry writes it anew).
func (a *StreamedBody) Discard() {
	bodyBufs.put(a.buf)
	a.buf = nil
	if a.file != nil {
		a.file.Close()
		a.file = nil
		a.out.DropPageBody(a.page)
	}
}
