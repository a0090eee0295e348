package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"time"
	"unicode"

	"siphon/ingest/paginate"
	"siphon/ingest/textbound"
)

// PageEntry is one line of pages/index.jsonl.
type PageEntry struct {
	Page      int       `json:"page"`
	Time      time.Time `json:"time"`
	Method    string    `json:"method"`
	URL       string    `json:"url"` // redacted
	Status    int       `json:"status"`
	Attempts  int       `json:"attempts"`
	Duration  string    `json:"duration"`
	Bytes     int64     `json:"bytes"`
	Records   int       `json:"records"`
	CursorIn  string    `json:"cursor_in,omitempty"`
	CursorOut string    `json:"cursor_out,omitempty"`
	File      string    `json:"file"`
	// Offset and Length place the body within File, a segment of the
	// archive (pages-NNNNNN.bin). Archives written before segments have
	// no offset: their File holds the one body whole.
	Offset  *int64            `json:"offset,omitempty"`
	Length  int64             `json:"length,omitempty"`
	Headers map[string]string `json:"headers,omitempty"` // response headers, redacted
	// Position is the paginator's position before this page, so that
	// `siphon state rewind` can go back to it (absent in older archives).
	Position *paginate.Position `json:"position,omitempty"`
}

// PageFileName names page n's body file in archives written before
// segments, which kept one file a page.
func PageFileName(n int) string { return fmt.Sprintf("%06d.body", n) }

// SegmentName names segment n of the page archive.
func SegmentName(n int) string { return fmt.Sprintf("pages-%06d.bin", n) }

// segmentNumber is the number of a segment's name; false for any other name.
func segmentNumber(name string) (int, bool) { return SegmentNumber(name, "pages", ".bin") }

// MaxBodyRead bounds a page body read whole from an archive (a replay, the
// console's selector playground): an archive is hostile input, and a body
// larger than this was streamed, never held whole, by its run.
const MaxBodyRead = 512 << 20

// MaxIndexLine bounds one line of the page index as read back: siphon's
// lines are far shorter (every string in them is bounded).
const MaxIndexLine = 8 << 20

// PageBody is a page's archived body, open for reading.
type PageBody struct {
	*io.SectionReader
	f io.Closer
}

// Close closes the file the body lies in.
func (b *PageBody) Close() error { return b.f.Close() }

// OpenPageBody opens e's body in the archive (PagesDir) of the output out
// (its Location.ReadFS), whichever way the archive keeps it: a section of
// a segment, or a file of its own. The index is read as hostile: only a
// plain name within the archive is opened, and a section past the file's
// end is refused.
func OpenPageBody(out fs.FS, e *PageEntry) (*PageBody, error) {
	name := e.File
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) || strings.ContainsFunc(name, unicode.IsControl) {
		return nil, fmt.Errorf("page %d: the index names %q as its body's file, which is not a file of %s/", e.Page, name, PagesDir)
	}
	f, err := out.Open(PagesDir + "/" + name)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	r, ok := f.(io.ReaderAt)
	if !ok || !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("page %d: %s/%s is not a file that can be read at an offset", e.Page, PagesDir, name)
	}
	if e.Offset == nil {
		return &PageBody{io.NewSectionReader(r, 0, st.Size()), f}, nil
	}
	off, n := *e.Offset, e.Length
	if off < 0 || n < 0 || off > st.Size() || n > st.Size()-off {
		f.Close()
		return nil, fmt.Errorf("page %d: the index places its body at bytes %d to %d of %s, which holds %d (cut, or written after the last checkpoint?)", e.Page, off, off+n, name, st.Size())
	}
	return &PageBody{io.NewSectionReader(r, off, n), f}, nil
}

// ReadPageBody reads e's body whole from the archive of the output out,
// at most MaxBodyRead bytes.
func ReadPageBody(out fs.FS, e *PageEntry) ([]byte, error) {
	b, err := OpenPageBody(out, e)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	if b.Size() > MaxBodyRead {
		return nil, fmt.Errorf("page %d: its body in %s is %d MiB, more than the %d MiB siphon reads whole from an archive", e.Page, e.File, b.Size()>>20, MaxBodyRead>>20)
	}
	body := make([]byte, b.Size())
	if _, err := io.ReadFull(b, body); err != nil {
		return nil, fmt.Errorf("reading page %d's body from %s: %w", e.Page, e.File, err)
	}
	return body, nil
}

// FindPage reads the index of the output out's archive for page n's line
// (the last one naming it). Without an index, or without the page in it
// (an archive from before the index named every body), it is page n's
// file of its own, as older archives kept it.
func FindPage(out fs.FS, n int) (*PageEntry, error) {
	idx, err := OpenJoined(out, PagesDir+"/"+IndexFile)
	if errors.Is(err, fs.ErrNotExist) {
		return &PageEntry{Page: n, File: PageFileName(n)}, nil
	}
	if err != nil {
		return nil, err
	}
	defer idx.Close()
	// Lines begin with the page number: only the line that matches is decoded.
	prefix := []byte(`{"page":` + strconv.Itoa(n) + `,`)
	var found *PageEntry
	lines := idx.Lines(idx.Size(), MaxIndexLine)
	for lines.Next() {
		if line := lines.Line(); !lines.Long() && bytes.HasPrefix(line, prefix) {
			var e PageEntry
			if json.Unmarshal(line, &e) == nil && e.Page == n {
				found = &e
			}
		}
	}
	if err := lines.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", idx.Name(), err)
	}
	if found == nil {
		return &PageEntry{Page: n, File: PageFileName(n)}, nil
	}
	return found, nil
}

// MarshalJSON writes an index line with its strings bounded and its
// control characters escaped (see textbound).
func (e *PageEntry) MarshalJSON() ([]byte, error) {
	var enc IndexEncoder
	line, err := enc.Line(e)
	if err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(line, []byte("\n")), nil
}

// IndexEncoder writes index lines; a writer keeps one, so that a page's
// line costs no buffer or encoder of its own.
type IndexEncoder struct {
	buf   bytes.Buffer
	enc   *json.Encoder
	keys  []string  // the headers' names, sorted for a line
	entry PageEntry // the entry as a line shows it: scratch, not a copy on the heap per line
}

// Line is e's index line, newline included, valid until the next call.
func (x *IndexEncoder) Line(e *PageEntry) ([]byte, error) {
	type plain PageEntry // without MarshalJSON: encoded field by field
	x.entry = *e
	c := (*plain)(&x.entry)
	c.URL, c.CursorIn, c.CursorOut = textbound.Keep(c.URL), textbound.Keep(c.CursorIn), textbound.Keep(c.CursorOut)
	if c.Headers != nil && overlong(c.Headers) {
		h := make(map[string]string, len(c.Headers)) // e's map stays as it is
		for k, v := range c.Headers {
			h[k] = v
		}
		c.Headers = textbound.Headers(h)
	}
	x.buf.Reset()
	line, keys, ok := appendIndexLine(x.buf.AvailableBuffer(), &x.entry, x.keys)
	x.keys = keys
	if ok {
		x.buf.Write(line) // in place: the buffer keeps its growth
		return textbound.EscapeControls(x.buf.Bytes()), nil
	}
	if x.enc == nil {
		x.enc = json.NewEncoder(&x.buf)
		x.enc.SetEscapeHTML(false) // & in URLs stays readable
	}
	if err := x.enc.Encode(c); err != nil {
		return nil, err
	}
	return textbound.EscapeControls(x.buf.Bytes()), nil
}

// overlong reports a header name or value textbound.Headers would cut.
func overlong(h map[string]string) bool {
	for k, v := range h {
		if len(k) > textbound.MaxKept || len(v) > textbound.MaxKept {
			return true
		}
	}
	return false
}
