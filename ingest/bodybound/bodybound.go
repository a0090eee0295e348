// Package bodybound reads response bodies streaming and bounded: it asks
// for gzip, deflate and br, decodes them itself, and refuses a body past
// max_body_unpacked, a decompression bomb, or an encoding it cannot decode,
// so that no answer can grow memory without bound. It also words the
// refusals of a body or record over max_body or max_record.
package bodybound

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/andybalholm/brotli"

	"siphon/ingest/spec"
	"siphon/ingest/textbound"
)

// Defaults of the bounds on what one response may take.
const (
	// DefaultMaxRecord is the default max_record: one record larger than
	// this fails its page.
	DefaultMaxRecord = 64 << 20
	// DefaultMaxBodyUnpacked is the default max_body_unpacked: a body
	// larger than this once decompressed (or sent that large) fails its
	// page.
	DefaultMaxBodyUnpacked = 4 << 30
	// BombRatio and bombFloor: a compressed body that has unpacked to more
	// than bombFloor bytes and to more than BombRatio times the bytes that
	// came over the wire is refused as a decompression bomb. JSON from
	// real APIs packs 5 to 30 times; 100 leaves room, while a bomb packs
	// about 1000 times.
	BombRatio = 100
	bombFloor = 8 << 20
	// MaxResponseHeaderBytes bounds a response's header block: a larger
	// one fails the request instead of growing memory.
	MaxResponseHeaderBytes = 1 << 20
)

// LimitError is a response body refused for its size while it was read:
// past max_body_unpacked, a decompression bomb, or an encoding siphon does
// not decode. Retrying does not help.
type LimitError struct{ Msg string }

func (e *LimitError) Error() string { return e.Msg }

// Transport asks for gzip, deflate and br itself (Go's transport would ask
// for gzip alone, and decode it unbounded), then decodes what the server
// sent while counting both sides, so that every body is read streaming and
// bounded: by max_body_unpacked once unpacked, and by the packing ratio
// against bombs. An encoding it cannot decode (zstd, compress) is refused
// with a message that says so.
type Transport struct {
	Next     http.RoundTripper
	Unpacked int64 // max_body_unpacked
}

func (t Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if asksEncodings(req.Header) {
		// Said here, Go's transport leaves the decoding to us. The
		// caller's request stays as it was: a shallow copy with a header
		// map of its own (nothing below changes the rest in place).
		r := req.WithContext(req.Context())
		r.Header = make(http.Header, len(req.Header)+1)
		for k, v := range req.Header {
			r.Header[k] = v
		}
		r.Header["Accept-Encoding"] = []string{acceptEncoding}
		req = r
	}
	resp, err := t.Next.RoundTrip(req)
	if err != nil || resp == nil || resp.Body == nil || resp.Body == http.NoBody {
		return resp, err
	}
	enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding")))
	b := &boundedBody{raw: resp.Body, limit: t.Unpacked, encoding: enc}
	b.wire = &b.counted
	b.counted.r = resp.Body
	switch enc {
	case "", "identity":
		b.encoding = ""
		b.r = b.wire
		if resp.ContentLength > t.Unpacked {
			b.err = b.tooLarge(resp.ContentLength)
		}
	case "gzip", "x-gzip", "deflate", "br":
		if resp.Uncompressed {
			// The transport unpacked it already (a caller's transport).
			b.encoding = ""
			b.r = b.wire
			break
		}
		b.decode = true
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
		resp.Uncompressed = true
	default:
		b.err = &LimitError{Msg: fmt.Sprintf("the server sent the body with Content-Encoding %q, which siphon does not decode (it decodes gzip, deflate and br); if the profile's headers set Accept-Encoding, leave it out", truncateText(enc, 64))}
	}
	resp.Body = b
	return resp, nil
}

// acceptEncoding is what siphon asks for: what it decodes.
const acceptEncoding = "gzip, deflate, br"

// asksEncodings reports whether Transport asks for the encodings it
// decodes in a request with header h: unless it asks for an encoding or
// a range itself.
func asksEncodings(h http.Header) bool {
	return h.Get("Accept-Encoding") == "" && h.Get("Range") == ""
}

// AskEncodings asks in h itself for what Transport would ask for: a
// caller that owns its request's header spares Transport a copy of the
// request for every page.
func AskEncodings(h http.Header) {
	if asksEncodings(h) {
		h["Accept-Encoding"] = acceptEncodings
	}
}

// acceptEncodings is the header's value, shared by every request that
// asks: a header's values are replaced, never changed in place.
var acceptEncodings = []string{acceptEncoding}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// boundedBody is a response body read through its decoder and its bounds.
type boundedBody struct {
	raw      io.ReadCloser
	wire     *countingReader // counted: in the same allocation
	counted  countingReader
	r        io.Reader // the decoded body; nil until the first read of an encoded one
	decode   bool
	encoding string
	limit    int64
	n        int64 // bytes handed out
	err      error // sticky
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.r == nil && b.decode {
		if b.r, b.err = b.decoder(); b.err != nil {
			return 0, b.err
		}
	}
	// Never hand out more than one byte past the bound: the check below
	// then sees it before anything past it is used.
	if room := b.limit - b.n + 1; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	switch {
	case b.n > b.limit:
		b.err = b.tooLarge(-1)
		return 0, b.err
	case b.decode && b.n > bombFloor && b.n > BombRatio*b.wire.n:
		b.err = &LimitError{Msg: fmt.Sprintf("the %s body unpacked to more than %d times its size (%s from %s received) and was refused as a decompression bomb", b.encoding, BombRatio, textbound.Size(b.n), textbound.Size(b.wire.n))}
		return 0, b.err
	}
	if err != nil && err != io.EOF && b.decode && !isTransportErr(err) {
		b.err = fmt.Errorf("the %s body does not decode: %w", b.encoding, err)
		return n, b.err
	}
	return n, err
}

// isTransportErr reports an error from the connection rather than from the
// decoder.
func isTransportErr(err error) bool {
	var fe flate.CorruptInputError
	return !errors.As(err, &fe) && !strings.HasPrefix(err.Error(), "brotli: ") && !errors.Is(err, gzip.ErrHeader) && !errors.Is(err, gzip.ErrChecksum) && !errors.Is(err, zlib.ErrHeader) && !errors.Is(err, zlib.ErrChecksum)
}

func (b *boundedBody) tooLarge(declared int64) error {
	what := "the response body"
	if b.encoding != "" {
		what = fmt.Sprintf("the %s response body, unpacked,", b.encoding)
	}
	if declared >= 0 {
		return &LimitError{Msg: fmt.Sprintf("%s is %s (Content-Length), more than max_body_unpacked (%s); raise max_body_unpacked in the profile if the API really sends bodies this large", what, spec.FormatSize(declared), spec.FormatSize(b.limit))}
	}
	return &LimitError{Msg: fmt.Sprintf("%s is larger than max_body_unpacked (%s); raise max_body_unpacked in the profile if the API really sends bodies this large", what, spec.FormatSize(b.limit))}
}

// decoder starts decoding the wire bytes. "deflate" is zlib-wrapped as
// RFC 9110 says; a raw deflate stream, which some servers send, is taken
// too.
func (b *boundedBody) decoder() (io.Reader, error) {
	switch b.encoding {
	case "br":
		return brotli.NewReader(b.wire), nil
	case "deflate":
		br := bufio.NewReader(b.wire)
		if head, err := br.Peek(2); err == nil && (uint16(head[0])<<8|uint16(head[1]))%31 == 0 && head[0]&0x0f == 8 {
			z, err := zlib.NewReader(br)
			if err != nil {
				return nil, fmt.Errorf("the deflate body does not decode: %w", err)
			}
			return z, nil
		}
		return flate.NewReader(br), nil
	default:
		z, err := gzip.NewReader(b.wire)
		if err == io.EOF {
			return strings.NewReader(""), nil // an empty body
		}
		if err != nil {
			if isTransportErr(err) {
				return nil, err
			}
			return nil, fmt.Errorf("the gzip body does not decode: %w", err)
		}
		return z, nil
	}
}

func (b *boundedBody) Close() error {
	if c, ok := b.r.(io.Closer); ok {
		c.Close()
	}
	return b.raw.Close()
}

// truncateText cuts s to n bytes for a message, marking the cut.
func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:runeStartAt(s, n)] + "…"
}

func runeStartAt(s string, n int) int {
	for n > 0 && n < len(s) && s[n]&0xc0 == 0x80 {
		n--
	}
	return n
}

// Unpacked bounds what a packed file in a body (a .gz or .zip export)
// unpacks to, as the transport bounds an encoded body: past limit
// (max_body_unpacked), or past BombRatio times packed() (the packed bytes
// read so far), it fails with a *LimitError. what names the file for the
// message ("gzip file", "zip member data.csv").
func Unpacked(r io.Reader, packed func() int64, what string, limit int64) io.Reader {
	return &unpackedReader{r: r, packed: packed, what: what, limit: limit}
}

type unpackedReader struct {
	r      io.Reader
	packed func() int64
	what   string
	limit  int64
	n      int64
	err    error
}

func (u *unpackedReader) Read(p []byte) (int, error) {
	if u.err != nil {
		return 0, u.err
	}
	if room := u.limit - u.n + 1; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := u.r.Read(p)
	u.n += int64(n)
	switch {
	case u.n > u.limit:
		u.err = &LimitError{Msg: fmt.Sprintf("the %s, unpacked, is larger than max_body_unpacked (%s); raise max_body_unpacked in the profile if the API really sends files this large", u.what, spec.FormatSize(u.limit))}
		return 0, u.err
	case u.n > bombFloor && u.n > BombRatio*u.packed():
		u.err = &LimitError{Msg: fmt.Sprintf("the %s unpacked to more than %d times its size (%s from %s) and was refused as a decompression bomb", u.what, BombRatio, textbound.Size(u.n), textbound.Size(u.packed()))}
		return 0, u.err
	}
	return n, err
}

// Limits are a profile's bounds on one response: max_body, max_record and
// max_body_unpacked, in bytes.
type Limits struct{ Body, Record, Unpacked int64 }

// LimitsOf reads the profile's bounds, each unset one at its default
// (defaultBody for max_body).
func LimitsOf(cfg *spec.Config, defaultBody int64) (Limits, error) {
	l := Limits{Body: defaultBody, Record: DefaultMaxRecord, Unpacked: DefaultMaxBodyUnpacked}
	for _, sz := range []struct {
		key, val string
		to       *int64
	}{{"max_body", cfg.MaxBody, &l.Body}, {"max_record", cfg.MaxRecord, &l.Record}, {"max_body_unpacked", cfg.MaxBodyUnpacked, &l.Unpacked}} {
		if sz.val == "" {
			continue
		}
		n, err := spec.ParseSize(sz.val)
		if err != nil {
			return Limits{}, fmt.Errorf("%s: %w", sz.key, err)
		}
		*sz.to = n
	}
	return l, nil
}
