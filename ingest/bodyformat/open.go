package bodyformat

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"path"
	"strings"
	"sync/atomic"

	"siphon/ingest/bodybound"
)

// The formats a body may be read as (the profile's format key).
const (
	FormatJSON   = "json"
	FormatNDJSON = "ndjson"
	FormatXML    = "xml"
	FormatCSV    = "csv"
	FormatTSV    = "tsv"
)

// Names lists the formats, for the profile key's options.
func Names() []string { return []string{FormatJSON, FormatNDJSON, FormatXML, FormatCSV, FormatTSV} }

// Of is the format a Content-Type says: xml for application/xml, text/xml
// and any +xml type, csv for text/csv, tsv for text/tab-separated-values,
// ndjson for NDJSON and JSON Lines types, and "" for JSON or anything else
// (read as JSON).
func Of(ctype string) string {
	mt := mediaType(ctype)
	switch {
	case mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml"):
		return FormatXML
	case mt == "text/csv" || mt == "application/csv":
		return FormatCSV
	case mt == "text/tab-separated-values" || mt == "text/tsv":
		return FormatTSV
	case strings.Contains(mt, "ndjson") || strings.Contains(mt, "jsonl") || strings.Contains(mt, "json-seq") || strings.Contains(mt, "jsonlines"):
		return FormatNDJSON
	}
	return ""
}

// Opened is a body made ready for the JSON scanner.
type Opened struct {
	io.ReadCloser
	Format    string // what it was read as: json, ndjson, xml, csv or tsv
	Packed    string // "zip" or "gzip" when the body was a packed file; "" otherwise
	Converted bool   // the reader yields FormatJSON that is not the body's own bytes
}

// Options say how to open a body.
type Options struct {
	Format      string // the profile's format; "" takes it from ContentType
	ContentType string
	MaxUnpacked int64 // max_body_unpacked, for packed files
}

// Open returns the body r as JSON (or NDJSON) to read: as it is, or
// converted from XML, CSV or TSV, after unpacking a body that is a .gz or
// .zip file (said by application/gzip or application/zip, or by its first
// bytes). A zip's members (folders and __MACOSX/ left out) are read one
// after the other as one body: one member is the usual export; several
// CSV, TSV or NDJSON members are concatenated (a CSV member's header row
// is no record of the one before). The format of a packed file's content
// is the profile's, else its file name's extension, else what its first
// byte says ('<' XML, else JSON).
//
// A Peeker is read as it is (and closed with the body when it is an
// io.Closer too); any other reader through a small peek of its own.
// Neither takes a buffer: every page of a run is opened here.
func Open(r io.Reader, o Options) (*Opened, error) {
	op, err := open(r, o)
	if err != nil {
		return nil, err
	}
	return &op, nil
}

// open is Open, the result by value: Headed.Open keeps it in its own.
func open(r io.Reader, o Options) (Opened, error) {
	var body io.ReadCloser
	var head []byte
	if p, ok := r.(Peeker); ok {
		head, _ = p.Peek(4) // an error comes again from the reads
		if rc, ok := r.(io.ReadCloser); ok {
			body = rc // no wrapper to allocate for every page
		} else {
			body = io.NopCloser(r)
		}
	} else {
		pk := &peeked{r: r}
		head, body = pk.peek(), pk
	}
	packed := packing(o.ContentType, head)
	if packed == "" {
		format := o.Format
		if format == "" {
			format = Of(o.ContentType)
		}
		return wrap(body, format), nil
	}
	br := bufio.NewReaderSize(body, 4096)
	if o.MaxUnpacked <= 0 {
		o.MaxUnpacked = bodybound.DefaultMaxBodyUnpacked
	}
	var (
		name string
		err  error
	)
	switch packed {
	case "gzip":
		body, name, err = openGzip(br, o.MaxUnpacked)
	default:
		body, name, err = openZip(br, o.MaxUnpacked)
	}
	if err != nil {
		return Opened{}, err
	}
	inner := bufio.NewReaderSize(body, 4096)
	format := o.Format
	if format == "" {
		format = byName(name)
	}
	if format == "" {
		if first := firstByte(inner); first == '<' {
			format = FormatXML
		}
	}
	op := wrap(readCloser{inner, body}, format)
	op.Packed, op.Converted = packed, true
	return op, nil
}

// wrap puts a body in its format's converter.
func wrap(rc io.ReadCloser, format string) Opened {
	switch format {
	case FormatXML:
		return Opened{ReadCloser: closeBoth{XML(rc), rc}, Format: FormatXML, Converted: true}
	case FormatCSV:
		return Opened{ReadCloser: closeBoth{CSV(rc, ','), rc}, Format: FormatCSV, Converted: true}
	case FormatTSV:
		return Opened{ReadCloser: closeBoth{CSV(rc, '\t'), rc}, Format: FormatTSV, Converted: true}
	case FormatNDJSON:
		return Opened{ReadCloser: rc, Format: FormatNDJSON}
	}
	return Opened{ReadCloser: rc, Format: FormatJSON}
}

// packing says whether a body is a packed file: by its type, or by the
// gzip or zip magic bytes it starts with.
func packing(ctype string, head []byte) string {
	mt := mediaType(ctype)
	switch {
	case mt == "application/zip" || mt == "application/x-zip-compressed" || bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "zip"
	case mt == "application/gzip" || mt == "application/x-gzip" || bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return "gzip"
	}
	return ""
}

// Peeker is a reader that can show what its next reads will give, as
// bufio.Reader does.
type Peeker interface {
	io.Reader
	Peek(n int) ([]byte, error)
}

// peeked is a body whose first bytes were read to see whether it is a
// packed file: they come first, then the rest of it.
type peeked struct {
	r    io.Reader
	head [4]byte
	n    int   // bytes of head read
	off  int   // bytes of head handed out
	err  error // what reading head ended with, handed out after it
}

// peek reads the first bytes (fewer when the body is shorter).
func (p *peeked) peek() []byte {
	empty := 0
	for p.n < len(p.head) && p.err == nil {
		var k int
		k, p.err = p.r.Read(p.head[p.n:])
		p.n += k
		if k > 0 {
			empty = 0
		} else if empty++; empty == 100 {
			p.err = io.ErrNoProgress // as bufio gives up on a reader that sends nothing
		}
	}
	return p.head[:p.n]
}

func (p *peeked) Read(b []byte) (int, error) {
	if p.off < p.n {
		k := copy(b, p.head[p.off:p.n])
		p.off += k
		return k, nil
	}
	if p.err != nil {
		return 0, p.err
	}
	return p.r.Read(b)
}

func (p *peeked) Close() error { return nil }

// mediaType is the type and subtype of a Content-Type, lower case, as
// mime.ParseMediaType gives it ("" when it does not parse). The last one
// asked is remembered: a run asks for its API's one on every page.
func mediaType(ctype string) string {
	if m := lastMediaType.Load(); m != nil && m.ctype == ctype {
		return m.mt
	}
	mt, _, _ := mime.ParseMediaType(ctype)
	lastMediaType.Store(&mediaTypeMemo{ctype: ctype, mt: mt})
	return mt
}

type mediaTypeMemo struct{ ctype, mt string }

var lastMediaType atomic.Pointer[mediaTypeMemo]

// byName is the format a file name's extension says, or "".
func byName(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".xml":
		return FormatXML
	case ".csv":
		return FormatCSV
	case ".tsv", ".tab":
		return FormatTSV
	case ".ndjson", ".jsonl":
		return FormatNDJSON
	case ".json":
		return FormatJSON
	}
	return ""
}

// firstByte is the first byte that is not white space or a byte order mark.
func firstByte(br *bufio.Reader) byte {
	head, _ := br.Peek(512)
	head = bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(head) == 0 {
		return 0
	}
	return head[0]
}

// counter counts what is read through it.
type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// openGzip unpacks a .gz body as it streams (members one after another,
// as gzip itself reads them).
func openGzip(r io.Reader, limit int64) (io.ReadCloser, string, error) {
	c := &counter{r: r}
	z, err := gzip.NewReader(c)
	if err != nil {
		return nil, "", fmt.Errorf("the body is a gzip file that does not unpack: %w", err)
	}
	out := bodybound.Unpacked(z, func() int64 { return c.n }, "gzip file", limit)
	return readCloser{gzipErrors{out}, z}, z.Name, nil
}

// gzipErrors says which file a decoding error is in.
type gzipErrors struct{ r io.Reader }

func (g gzipErrors) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	var le *bodybound.LimitError
	if err != nil && err != io.EOF && !errors.As(err, &le) {
		err = fmt.Errorf("the body's gzip file does not unpack: %w", err)
	}
	return n, err
}

// openZip unpacks a .zip body. A zip's directory is at its end, so the
// file goes to a temporary file first (the body was bounded on its way
// in); the members are then read streaming, bounded together.
func openZip(r io.Reader, limit int64) (io.ReadCloser, string, error) {
	f, err := os.CreateTemp("", "siphon-zip-*")
	if err != nil {
		return nil, "", fmt.Errorf("the body is a zip file, and no temporary file for it: %w", err)
	}
	remove := func() { f.Close(); os.Remove(f.Name()) }
	size, err := io.Copy(f, r)
	if err != nil {
		remove()
		return nil, "", err
	}
	zr, err := zip.NewReader(f, size)
	if err != nil {
		remove()
		return nil, "", fmt.Errorf("the body is a zip file that does not open: %w", err)
	}
	var members []*zip.File
	for _, m := range zr.File {
		if m.FileInfo().IsDir() || strings.HasPrefix(m.Name, "__MACOSX/") {
			continue
		}
		members = append(members, m)
	}
	if len(members) == 0 {
		remove()
		return nil, "", errors.New("the body is a zip file with no file in it")
	}
	mr := &membersReader{members: members}
	out := bodybound.Unpacked(mr, func() int64 { return size }, "zip file", limit)
	return readCloser{out, closerFunc(func() error { mr.close(); remove(); return nil })}, members[0].Name, nil
}

// membersReader reads a zip's members one after the other, a line break
// between them.
type membersReader struct {
	members []*zip.File
	cur     io.ReadCloser
	sep     bool
}

func (m *membersReader) Read(p []byte) (int, error) {
	for {
		if m.sep {
			m.sep = false
			p[0] = '\n'
			return 1, nil
		}
		if m.cur == nil {
			if len(m.members) == 0 {
				return 0, io.EOF
			}
			rc, err := m.members[0].Open()
			if err != nil {
				return 0, fmt.Errorf("zip member %q: %w", m.members[0].Name, err)
			}
			m.cur = rc
		}
		n, err := m.cur.Read(p)
		if err == io.EOF {
			m.cur.Close()
			m.cur = nil
			m.members = m.members[1:]
			m.sep = len(m.members) > 0
			if n > 0 {
				return n, nil
			}
			continue
		}
		if err != nil {
			err = fmt.Errorf("zip member %q: %w", m.members[0].Name, err)
		}
		return n, err
	}
}

func (m *membersReader) close() {
	if m.cur != nil {
		m.cur.Close()
	}
}

type readCloser struct {
	io.Reader
	io.Closer
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// closeBoth closes a converter and the body under it.
type closeBoth struct {
	io.ReadCloser
	under io.Closer
}

func (c closeBoth) Close() error {
	err := c.ReadCloser.Close()
	c.under.Close()
	return err
}

// Bytes is Open over a whole body, such as a saved page: the JSON it
// stands for (the body itself, converted false, when it needs no
// conversion), at most limit bytes of it, and the format it was read as.
func Bytes(body []byte, o Options, limit int64) (out []byte, format string, converted bool, err error) {
	op, err := Open(bytes.NewReader(body), o)
	if err != nil {
		return nil, "", false, err
	}
	defer op.Close()
	if !op.Converted {
		return body, op.Format, false, nil
	}
	out, err = io.ReadAll(io.LimitReader(op, limit+1))
	if err != nil {
		return nil, "", false, err
	}
	if int64(len(out)) > limit {
		return nil, "", false, &Error{Err: fmt.Errorf("the %s body is larger than %d bytes as JSON", op.Format, limit)}
	}
	return out, op.Format, true, nil
}
