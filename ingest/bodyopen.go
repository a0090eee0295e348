package ingest

import (
	"errors"
	"io"

	"siphon/ingest/bodybound"
	"siphon/ingest/bodyformat"
)

// openBody opens r by the profile's format, else by its Content-Type
// (package bodyformat): after the archive's tee, so the archive keeps the
// body as it came; the result keeps the start of the JSON a conversion
// yields, for the checks that read a small page whole. It is the sink's
// Headed, reused from page to page.
func (rn *runner) openBody(s *pageSink, r io.Reader, ctype string) (*bodyformat.Headed, error) {
	if err := s.body.Open(r, rn.bodyOptions(ctype), headBytes); err != nil {
		return nil, err
	}
	return &s.body, nil
}

func (rn *runner) bodyOptions(ctype string) bodyformat.Options {
	return bodyformat.Options{Format: rn.c.cfg.Format, ContentType: ctype, MaxUnpacked: rn.c.maxUnpacked}
}

// convertHeld converts a held body to the JSON it stands for, within
// max_body (bodyformat.ConvertHeld).
func (rn *runner) convertHeld(body []byte, ctype string) (out []byte, format string, converted bool, err error) {
	return bodyformat.ConvertHeld(body, rn.bodyOptions(ctype), rn.c.maxBody)
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
