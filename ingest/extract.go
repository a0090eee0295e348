package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/itchyny/gojq"
)

// A jq expression that is only a chain of field names (".data", ".a.b[]",
// ".") is evaluated on the raw bytes, without decoding the body: records then
// keep the exact bytes the API sent (key order, number text) at a fraction of
// the cost. Anything else goes through gojq.
var simpleChain = regexp.MustCompile(`^\s*\.((?:[A-Za-z_][A-Za-z0-9_]*)(?:\.[A-Za-z_][A-Za-z0-9_]*)*)?(\[\])?\s*$`)

// expr is a compiled jq expression over a page body.
type expr struct {
	src    string
	chain  []string // field chain for the fast path; nil when not simple
	simple bool
	iter   bool       // the chain ends in []
	code   *gojq.Code // the expression itself
	paths  *gojq.Code // path(expression): finds the raw bytes of each result
	noPath bool       // path() failed once: the expression computes values
}

// compileExpr compiles a jq expression once, for use on every page.
func compileExpr(src string) (*expr, error) {
	e := &expr{src: src}
	if m := simpleChain.FindStringSubmatch(src); m != nil {
		e.simple = true
		if m[1] != "" {
			e.chain = strings.Split(m[1], ".")
		}
		e.iter = m[2] != ""
	}
	q, err := gojq.Parse(src)
	if err != nil {
		return nil, fmt.Errorf("jq expression %q: %w", src, err)
	}
	if e.code, err = gojq.Compile(q); err != nil {
		return nil, fmt.Errorf("jq expression %q: %w", src, err)
	}
	pq, err := gojq.Parse("path(" + src + ")")
	if err == nil {
		e.paths, _ = gojq.Compile(pq)
	}
	return e, nil
}

// page is one response body being read: decoded at most once, and only when
// an expression needs gojq.
type page struct {
	ctx     context.Context // bounds jq evaluation on this page
	body    []byte
	decoded any
	err     error
	done    bool
	objects map[string]map[string]json.RawMessage // raw objects by path prefix
	arrays  map[string][]json.RawMessage          // raw arrays by path prefix
}

func newPage(body []byte) *page { return &page{ctx: context.Background(), body: body} }

// value decodes the body for gojq, keeping numbers exact.
func (p *page) value() (any, error) {
	if !p.done {
		p.done = true
		dec := json.NewDecoder(bytes.NewReader(p.body))
		dec.UseNumber()
		if p.err = dec.Decode(&p.decoded); p.err == nil {
			if _, err := dec.Token(); err == nil {
				p.err = errors.New("invalid JSON: data after the top-level value")
			}
		}
	}
	return p.decoded, p.err
}

// raw follows a path of object keys and array indexes through the raw body.
func (p *page) raw(path []any) (json.RawMessage, error) {
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

func (p *page) object(prefix string, raw json.RawMessage) (map[string]json.RawMessage, error) {
	if obj, ok := p.objects[prefix]; ok {
		return obj, nil
	}
	if isNull(raw) {
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

func (p *page) array(prefix string, raw json.RawMessage) ([]json.RawMessage, error) {
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

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

// errNotJSON marks a body that is not valid JSON, so callers can tell a bad
// body (worth a retry) from a wrong expression (not).
var errNotJSON = errors.New("not valid JSON")

// eval runs the expression on the page and returns each result as raw JSON.
func (e *expr) eval(p *page) ([]json.RawMessage, error) {
	if e.simple {
		steps := make([]any, len(e.chain))
		for i, k := range e.chain {
			steps[i] = k
		}
		if len(steps) == 0 && !json.Valid(p.body) {
			return nil, errNotJSON
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
		if isNull(v) {
			return nil, fmt.Errorf("cannot iterate over null")
		}
		return p.array("\x00chain"+e.src, v)
	}
	doc, err := p.value()
	if err != nil {
		return nil, bodyError(err)
	}
	if e.paths != nil && !e.noPath {
		out, err := e.evalPaths(p, doc)
		if err == nil {
			return out, nil
		}
		if p.ctx.Err() != nil {
			return nil, fmt.Errorf("jq expression %s did not finish: %w", e.src, p.ctx.Err())
		}
		e.noPath = true // the expression computes values: fall back for good
	}
	return e.evalValues(p.ctx, doc)
}

func (e *expr) evalPaths(p *page, doc any) ([]json.RawMessage, error) {
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

func (e *expr) evalValues(ctx context.Context, doc any) ([]json.RawMessage, error) {
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

// first returns the expression's first result as raw JSON (nil when none).
func (e *expr) first(p *page) (json.RawMessage, error) {
	vals, err := e.eval(p)
	if err != nil || len(vals) == 0 {
		return nil, err
	}
	return vals[0], nil
}

// bodyError tags JSON syntax errors as errNotJSON.
func bodyError(err error) error {
	if strings.Contains(err.Error(), "exceeded max depth") {
		return fmt.Errorf("the body nests deeper than the JSON decoder allows (10000 levels): %w", err)
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) || errors.Is(err, errNotJSON) || strings.Contains(err.Error(), "unexpected end of JSON input") || strings.Contains(err.Error(), "unexpected EOF") || strings.Contains(err.Error(), "invalid character") {
		return fmt.Errorf("%w: %v", errNotJSON, err)
	}
	return err
}

// splitRecords turns the records expression's results into records: an
// array contributes its elements, an object itself. Anything else is an
// error: records must be JSON objects.
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
					return nil, fmt.Errorf("record %d is %s, not an object: %s", len(recs)+1, jsonKind(el), snippet(el, 60))
				}
				recs = append(recs, el)
			}
		case 'n':
			// null: nothing here (a missing field); the caller notices empty pages.
		default:
			return nil, fmt.Errorf("the records expression gave %s, not an object or an array of objects: %s", jsonKind(v), snippet(v, 60))
		}
	}
	return recs, nil
}

func jsonKind(v json.RawMessage) string {
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// snippet is the start of b, on one line, for error messages.
func snippet(b []byte, max int) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "\uFFFD")), " ")
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

// scalarText is a JSON scalar as query-parameter text: strings unquoted,
// numbers and booleans as written, null as "".
func scalarText(v json.RawMessage) (string, error) {
	v = bytes.TrimSpace(v)
	if isNull(v) {
		return "", nil
	}
	switch v[0] {
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", err
		}
		return s, nil
	case '{', '[':
		return "", fmt.Errorf("expected a string or number, got %s", jsonKind(v))
	case 'f':
		return "", nil // false: no next page
	default:
		return string(v), nil
	}
}
