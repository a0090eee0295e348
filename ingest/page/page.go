// Package page reads one response body: the records and the values that
// jq expressions pick out of it. A body is decoded at most once, and only
// when an expression needs gojq; plain paths are read from the raw bytes.
//
// A run reads its bodies with a Reader: one walk of the bytes (package
// pagescan), from a slice or a stream, yields the records and every plain
// path named up front; the Page it returns answers Value and Values for
// them like a parsed one. Parse is for the rest: expressions gojq runs.
package page

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"siphon/ingest/pagescan"
)

// Page is one response body being read.
type Page struct {
	ctx     context.Context // bounds jq evaluation on this page
	body    []byte
	decoded any
	err     error
	done    bool
	objects map[string]map[string]json.RawMessage // raw objects by path prefix
	arrays  map[string][]json.RawMessage          // raw arrays by path prefix

	// A page a Reader scanned: the values of its expressions, and no body
	// when it streamed.
	known    []knownValue
	streamed bool
	knownArr [8]knownValue // known's room for a run's usual values (a cursor and the 7 names of a declared total), in the Page itself
}

// errStreamed is asking a streamed page for what its one pass did not read.
var errStreamed = errors.New("the body was streamed and not kept")

// Parse starts reading body. ctx bounds jq evaluation on it (a jq
// expression may never end). want names the expressions that will be asked
// for, so that a reader may collect their plain paths in one pass; asking
// for others is allowed.
func Parse(ctx context.Context, body []byte, want ...*Expr) *Page {
	_ = want // read lazily for now: each expression walks what it needs
	return &Page{ctx: ctx, body: body}
}

// Keep gives a streamed page its body after all, when it was small enough
// to keep: then every expression may be asked for. body must stay as it is
// while the page is used.
func (p *Page) Keep(body []byte) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")) // as the one pass skips it
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("null") // as the one pass reads it
	}
	p.body, p.streamed = body, false
}

// SetContext replaces the context that bounds jq evaluation, e.g. once the
// request whose timeout bounded extraction has ended.
func (p *Page) SetContext(ctx context.Context) { p.ctx = ctx }

// Body is the page's body as read.
func (p *Page) Body() []byte { return p.body }

// Decoded is the whole body decoded for gojq, numbers kept exact.
func (p *Page) Decoded() (any, error) {
	if p.streamed {
		return nil, errStreamed
	}
	if !p.done {
		p.done = true
		dec := json.NewDecoder(bytes.NewReader(p.body))
		dec.UseNumber()
		if p.err = dec.Decode(&p.decoded); p.err == nil {
			if _, err := dec.Token(); err != io.EOF {
				p.err = fmt.Errorf("%w: data after the top-level value", ErrNotJSON)
			}
		}
	}
	return p.decoded, p.err
}

// Object is the body's top-level object, its fields undecoded; nil when the
// body is null.
func (p *Page) Object() (map[string]json.RawMessage, error) {
	if p.streamed {
		return nil, errStreamed
	}
	return p.object("", json.RawMessage(p.body))
}

// raw follows a path of object keys and array indexes through the raw body.
func (p *Page) raw(path []any) (json.RawMessage, error) {
	cur := json.RawMessage(p.body)
	prefix := ""
	for _, step := range path {
		switch k := step.(type) {
		case string:
			obj, err := p.object(prefix, cur)
			if err != nil {
				return nil, err
			}
			cur = obj[k]
			prefix += "\x00s" + k
		case int:
			arr, err := p.array(prefix, cur)
			if err != nil {
				return nil, err
			}
			if k < 0 {
				k += len(arr)
			}
			if k < 0 || k >= len(arr) {
				return nil, nil
			}
			cur = arr[k]
			prefix += fmt.Sprintf("\x00i%d", k)
		default:
			return nil, fmt.Errorf("unsupported path step %v", step)
		}
		if cur == nil {
			return nil, nil
		}
	}
	return cur, nil
}

func (p *Page) object(prefix string, raw json.RawMessage) (map[string]json.RawMessage, error) {
	if obj, ok := p.objects[prefix]; ok {
		return obj, nil
	}
	if IsNull(raw) {
		return nil, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, err
	}
	if p.objects == nil {
		p.objects = map[string]map[string]json.RawMessage{}
	}
	p.objects[prefix] = obj
	return obj, nil
}

func (p *Page) array(prefix string, raw json.RawMessage) ([]json.RawMessage, error) {
	if arr, ok := p.arrays[prefix]; ok {
		return arr, nil
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(raw, &arr); err != nil {
		return nil, err
	}
	if p.arrays == nil {
		p.arrays = map[string][]json.RawMessage{}
	}
	p.arrays[prefix] = arr
	return arr, nil
}

// ErrNotJSON marks a body that is not valid JSON, so callers can tell a bad
// body (worth a retry) from a wrong expression (not).
var ErrNotJSON = errors.New("not valid JSON")

// Values runs the expression on the page and returns each result as raw
// JSON: the bytes the API sent where the result is a part of the body.
func (p *Page) Values(e *Expr) ([]json.RawMessage, error) {
	if k, ok := p.knownValue(e); ok {
		return []json.RawMessage{k}, nil
	}
	if p.streamed {
		return nil, fmt.Errorf("jq expression %s: %w", e.src, errStreamed)
	}
	if e.plain {
		steps := make([]any, len(e.path))
		for i, k := range e.path {
			steps[i] = k
		}
		if len(steps) == 0 && !json.Valid(p.body) {
			return nil, ErrNotJSON
		}
		v, err := p.raw(steps)
		if err != nil {
			return nil, bodyError(err)
		}
		if !e.iter {
			if v == nil {
				v = json.RawMessage("null")
			}
			return []json.RawMessage{v}, nil
		}
		if IsNull(v) {
			return nil, fmt.Errorf("cannot iterate over null")
		}
		return p.array("\x00chain"+e.src, v)
	}
	doc, err := p.Decoded()
	if err != nil {
		return nil, bodyError(err)
	}
	if e.paths != nil && !e.noPath.Load() {
		out, err := p.evalPaths(e, doc)
		if err == nil {
			return out, nil
		}
		if p.ctx.Err() != nil {
			return nil, fmt.Errorf("jq expression %s did not finish: %w", e.src, p.ctx.Err())
		}
		e.noPath.Store(true) // the expression computes values: fall back for good
	}
	return evalValues(p.ctx, e, doc)
}

func (p *Page) evalPaths(e *Expr, doc any) ([]json.RawMessage, error) {
	var out []json.RawMessage
	iter := e.paths.RunWithContext(p.ctx, doc)
	for {
		v, ok := iter.Next()
		if !ok {
			return out, nil
		}
		if err, isErr := v.(error); isErr {
			return nil, err
		}
		path, isPath := v.([]any)
		if !isPath {
			return nil, fmt.Errorf("path() gave %T", v)
		}
		raw, err := p.raw(path)
		if err != nil {
			return nil, err
		}
		if raw == nil {
			raw = json.RawMessage("null")
		}
		out = append(out, raw)
	}
}

func evalValues(ctx context.Context, e *Expr, doc any) ([]json.RawMessage, error) {
	var out []json.RawMessage
	iter := e.code.RunWithContext(ctx, doc)
	for {
		v, ok := iter.Next()
		if !ok {
			return out, nil
		}
		if err, isErr := v.(error); isErr {
			return nil, err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
}

// knownValue is e's value as the one pass found it (null when the path
// was absent); false when the pass did not look for e.
func (p *Page) knownValue(e *Expr) (json.RawMessage, bool) {
	for _, k := range p.known {
		if k.src == e.src {
			if k.raw == nil {
				return json.RawMessage("null"), true
			}
			return k.raw, true
		}
	}
	return nil, false
}

// Value is the expression's first result as raw JSON (nil when none).
func (p *Page) Value(e *Expr) (json.RawMessage, error) {
	if k, ok := p.knownValue(e); ok {
		return k, nil // what Values would give first, without its slice
	}
	vals, err := p.Values(e)
	if err != nil || len(vals) == 0 {
		return nil, err
	}
	return vals[0], nil
}

// Records runs the records expression and splits its results into
// records: an array contributes its elements, an object itself, null
// nothing. Anything else is an error: records must be JSON objects.
func (p *Page) Records(e *Expr) ([]json.RawMessage, error) {
	if e.plain && !p.streamed {
		return p.scanRecords(e)
	}
	vals, err := p.Values(e)
	if err != nil {
		return nil, err
	}
	return splitRecords(vals)
}

// bodyError tags JSON syntax errors as ErrNotJSON.
func bodyError(err error) error {
	if strings.Contains(err.Error(), "exceeded max depth") {
		return fmt.Errorf("the body nests deeper than the JSON decoder allows (10000 levels): %w", err)
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) || errors.Is(err, ErrNotJSON) || strings.Contains(err.Error(), "unexpected end of JSON input") || strings.Contains(err.Error(), "unexpected EOF") || strings.Contains(err.Error(), "invalid character") {
		return fmt.Errorf("%w: %v", ErrNotJSON, err)
	}
	return err
}

func splitRecords(vals []json.RawMessage) ([]json.RawMessage, error) {
	var recs []json.RawMessage
	for _, v := range vals {
		v = bytes.TrimSpace(v)
		if len(v) == 0 {
			continue
		}
		switch v[0] {
		case '{':
			recs = append(recs, v)
		case '[':
			var arr []json.RawMessage
			if err := json.Unmarshal(v, &arr); err != nil {
				return nil, bodyError(err)
			}
			for _, el := range arr {
				el = bytes.TrimSpace(el)
				if len(el) == 0 || el[0] != '{' {
					return nil, fmt.Errorf("record %d is %s, not an object: %s", len(recs)+1, Kind(el), Snippet(el, 60))
				}
				recs = append(recs, el)
			}
		case 'n':
			// null: nothing here (a missing field); the caller notices empty pages.
		default:
			return nil, fmt.Errorf("the records expression gave %s, not an object or an array of objects: %s", Kind(v), Snippet(v, 60))
		}
	}
	return recs, nil
}

// scanRecords reads a plain records path in one pass: each record is the
// API's bytes, compacted, all of them in one buffer.
func (p *Page) scanRecords(e *Expr) ([]json.RawMessage, error) {
	sc, err := pagescan.New(pagescan.Spec{Records: e.scanPath()})
	if err != nil {
		return nil, err
	}
	var buf []byte
	var ends []int
	if _, err := sc.Scan(p.body, func(r *pagescan.Record) error {
		buf = append(buf, r.Raw...)
		ends = append(ends, len(buf))
		return nil
	}); err != nil {
		err, _ = ScanError(err)
		return nil, err
	}
	recs := make([]json.RawMessage, len(ends))
	start := 0
	for i, end := range ends {
		recs[i] = buf[start:end:end]
		start = end
	}
	return recs, nil
}
