package page

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"siphon/ingest/pagescan"
)

// Reader reads the bodies of one walk in a single pass each: the records
// (handed over one by one as the API's exact bytes, compacted) and the
// values of a few other expressions (cursor, next URL, totals). It needs
// every expression to be a plain path; NewReader says when they are not,
// and the caller then uses Parse, which hands them to gojq.
type Reader struct {
	values    []*Expr
	needsBody bool // an expression is not a plain path
	sc        *pagescan.Scanner
	lines     *pagescan.Scanner // the same spec for NDJSON bodies, made when first needed
	spec      pagescan.Spec
}

// NewReader builds a Reader for a records expression and value
// expressions (nil ones are skipped). keys are record fields each
// pagescan.Record carries (the primary key); fieldDepth > 0 lists each
// record's fields to that depth, for a schema tracker. It returns nil when
// the records expression is not a plain path. A value expression that is
// not one is left to gojq on the body: NeedsBody then says so.
func NewReader(records *Expr, keys []string, fieldDepth int, values ...*Expr) *Reader {
	if records == nil || !records.plain {
		return nil
	}
	r := &Reader{spec: pagescan.Spec{Records: records.scanPath(), Keys: keys, FieldDepth: fieldDepth}}
	for _, e := range values {
		if e == nil {
			continue
		}
		if !e.plain || e.iter || len(e.path) == 0 {
			r.needsBody = true // "." and "[]" as a value: rare enough for gojq
			continue
		}
		r.values = append(r.values, e)
		r.spec.Values = append(r.spec.Values, e.scanPath())
	}
	sc, err := pagescan.New(r.spec)
	if err != nil {
		return nil
	}
	r.sc = sc
	return r
}

// SetMaxCapture bounds what one record or value may take (see
// pagescan.Spec.MaxCapture); 0: no bound.
func (r *Reader) SetMaxCapture(n int64) {
	r.spec.MaxCapture = n
	if sc, err := pagescan.New(r.spec); err == nil {
		r.sc, r.lines = sc, nil
	}
}

// NeedsBody reports whether an expression runs through gojq, on the body
// held whole: then Scan, not ScanReader.
func (r *Reader) NeedsBody() bool { return r.needsBody }

func (r *Reader) scanner(lines bool) *pagescan.Scanner {
	if !lines {
		return r.sc
	}
	if r.lines == nil {
		spec := r.spec
		spec.Lines = true
		// A spec that pagescan takes for JSON it takes for lines, paths
		// with keys giving shape errors at scan time.
		r.lines, _ = pagescan.New(spec)
	}
	return r.lines
}

// Scan reads a whole body. fn gets each record; the Record is only valid
// during the call. lines reads the body as NDJSON. On an error, records
// already handed to fn belong to a bad page. The Page answers Value and
// Values for the Reader's expressions; ctx bounds jq on it.
func (r *Reader) Scan(ctx context.Context, body []byte, lines bool, fn func(*pagescan.Record) error) (*Page, error) {
	res, err := r.scanner(lines).Scan(body, fn)
	return r.page(ctx, body, res), err
}

// ScanReader is Scan on a body read from rd a window at a time, never held
// whole. The Page has no body: it answers only the Reader's expressions.
func (r *Reader) ScanReader(ctx context.Context, rd io.Reader, lines bool, fn func(*pagescan.Record) error) (*Page, error) {
	res, err := r.scanner(lines).ScanReader(rd, fn)
	return r.page(ctx, nil, res), err
}

func (r *Reader) page(ctx context.Context, body []byte, res pagescan.Result) *Page {
	p := &Page{ctx: ctx, body: body, streamed: body == nil}
	size := 0
	for _, v := range res.Values {
		size += len(v)
	}
	var buf []byte // Result.Values lives only until the next scan
	if size > 0 {
		buf = make([]byte, 0, size)
	}
	if len(r.values) <= len(p.knownArr) {
		p.known = p.knownArr[:len(r.values)]
	} else {
		p.known = make([]knownValue, len(r.values))
	}
	for i, v := range res.Values {
		var raw json.RawMessage
		if v != nil {
			start := len(buf)
			buf = append(buf, v...)
			raw = buf[start:len(buf):len(buf)]
		}
		p.known[i] = knownValue{src: r.values[i].src, raw: raw}
	}
	return p
}

// ScanError says what a scan error means for a page: ErrNotJSON wrapped
// for a body that is not JSON (worth a retry), the shape problem as is for
// JSON that does not fit the expressions (not worth one). trailing reports
// one JSON value followed by more: an NDJSON body read as JSON.
func ScanError(err error) (wrapped error, trailing bool) {
	if err == nil {
		return nil, false // read after every scan: costs nothing then
	}
	var syn *pagescan.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("%w: %v", ErrNotJSON, err), syn.Trailing
	}
	var sh *pagescan.ShapeError
	if errors.As(err, &sh) {
		return errors.New(sh.Msg), false
	}
	return err, false
}

// scanPath is a plain expression as pagescan takes it.
func (e *Expr) scanPath() pagescan.Path { return pagescan.Path{Keys: e.path, Iter: e.iter} }

// knownValue is a value a one-pass read found: nil when the path is absent.
type knownValue struct {
	src string
	raw json.RawMessage
}
