package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"siphon/ingest/bodybound"
	"siphon/ingest/bodyformat"
	"siphon/ingest/spec"
)

// openedBody is a 2xx body made ready for the JSON scanner (package
// bodyformat): the body as it is, or unpacked and converted to JSON from
// XML, CSV or TSV. It is opened after the archive's tee, so the archive
// keeps the body as it came; head keeps the start of what the scanner
// read, for the checks that read a small page whole.
type openedBody struct {
	*bodyformat.Opened
	head []byte
	n    int64
}

// openBody opens r by the profile's format, else by its Content-Type.
func (rn *runner) openBody(r io.Reader, ctype string) (*openedBody, error) {
	op, err := bodyformat.Open(r, bodyformat.Options{Format: rn.c.cfg.Format, ContentType: ctype, MaxUnpacked: rn.c.maxUnpacked})
	if err != nil {
		return nil, err
	}
	return &openedBody{Opened: op}, nil
}

func (b *openedBody) Read(p []byte) (int, error) {
	n, err := b.Opened.Read(p)
	if n > 0 && b.Converted {
		b.n += int64(n)
		if room := headBytes - len(b.head); room > 0 {
			b.head = append(b.head, p[:min(n, room)]...)
		}
	}
	return n, err
}

// lines reports a body read as NDJSON.
func (b *openedBody) lines() bool { return b.Format == bodyformat.FormatNDJSON }

// kept is the whole converted JSON when it was small enough to keep.
func (b *openedBody) kept() ([]byte, bool) {
	return b.head, b.Converted && b.n == int64(len(b.head))
}

// convertHeld converts a held body to the JSON it stands for, within
// max_body; a body that needs no conversion comes back as it is
// (converted false).
func (rn *runner) convertHeld(body []byte, ctype string) (out []byte, format string, converted bool, err error) {
	ob, err := rn.openBody(bytes.NewReader(body), ctype)
	if err != nil {
		return nil, "", false, err
	}
	defer ob.Close()
	if !ob.Converted {
		return body, ob.Format, false, nil
	}
	out, err = io.ReadAll(io.LimitReader(ob, rn.c.maxBody+1))
	if err != nil {
		return nil, "", false, err
	}
	if int64(len(out)) > rn.c.maxBody {
		return nil, "", false, &bodybound.LimitError{Msg: fmt.Sprintf("the %s body, as JSON, is larger than the max_body cap (%s); a body is held whole only for a jq expression that is not a plain path: raise max_body or use a plain path, which streams", ob.Format, spec.FormatSize(rn.c.maxBody))}
	}
	return out, ob.Format, true, nil
}

// conversionOutcome is a body that did not open or convert: malformed
// XML or CSV, a packed file that does not unpack, a bound.
func (rn *runner) conversionOutcome(err error, status int, ctype string, head []byte) outcome {
	var limit *bodybound.LimitError
	if errors.As(err, &limit) {
		return outcome{fail: true, bounded: true, status: status, ctype: ctype, cause: limit.Msg, err: err}
	}
	return outcome{fail: true, status: status, ctype: ctype, cause: err.Error(), snippet: rn.c.snippet(head, 200), err: err}
}

// jsonBody is what a held page's records are read from.
func (f *fetched) jsonBody() []byte {
	if f.json != nil {
		return f.json
	}
	return f.body
}

// linesType is the content type jsonLines goes by: NDJSON when the body was
// read as NDJSON, none when it was converted (the JSON is one value).
func (f *fetched) linesType(ctype string) string {
	switch {
	case f.format == bodyformat.FormatNDJSON:
		return "application/x-ndjson"
	case f.json != nil, f.format == bodyformat.FormatJSON && bodyformat.Of(ctype) == bodyformat.FormatNDJSON:
		return ""
	}
	return ctype
}
