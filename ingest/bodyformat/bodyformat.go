// Package bodyformat turns XML, CSV and TSV response bodies into the JSON
// the rest of siphon reads, as a stream: a large export is converted as it
// arrives, in flat memory, and the records then come out of the JSON
// scanner like any API's.
//
// XML: an element is a key, its repeated children an array, an attribute
// "@name", text beside attributes or children "#text", namespaces dropped.
// No external entity is ever fetched and no entity is expanded beyond XML's
// five, so an entity bomb cannot grow.
//
// CSV and TSV: the header row gives the keys, every value is a string.
package bodyformat

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// Error is a body that does not convert: malformed XML, an unclosed CSV
// quote. Retrying the page does not help.
type Error struct{ Err error }

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// pipe runs convert over src in a goroutine writing JSON into a pipe, and
// returns the pipe's reading end. Closing it stops the conversion. An
// error reading src (the connection, a bound) comes out as it is, so that
// the caller retries or refuses it as any body's; the converter's own is
// an *Error.
func pipe(src io.Reader, convert func(r io.Reader, w *bufio.Writer) error) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		s := &sourceErr{r: src}
		bw := bufio.NewWriterSize(pw, 32<<10)
		err := convert(s, bw)
		if err == nil {
			err = bw.Flush()
		}
		switch {
		case s.err != nil:
			err = s.err
		case err != nil && !errors.Is(err, io.ErrClosedPipe):
			err = &Error{Err: err}
		}
		pw.CloseWithError(err)
	}()
	return pr
}

// sourceErr keeps the first error reading the body gave, other than EOF.
type sourceErr struct {
	r   io.Reader
	err error
}

func (s *sourceErr) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF && s.err == nil {
		s.err = err
	}
	return n, err
}

// stringWriter writes JSON strings with the bytes as sent (no HTML escaping).
type stringWriter struct {
	buf bytes.Buffer
	enc *json.Encoder
}

func newStringWriter() *stringWriter {
	sw := &stringWriter{}
	sw.enc = json.NewEncoder(&sw.buf)
	sw.enc.SetEscapeHTML(false)
	return sw
}

// write writes s as a JSON string to w.
func (sw *stringWriter) write(w interface{ Write([]byte) (int, error) }, s string) {
	sw.buf.Reset()
	sw.enc.Encode(s) // a string always encodes
	w.Write(bytes.TrimSuffix(sw.buf.Bytes(), []byte("\n")))
}
