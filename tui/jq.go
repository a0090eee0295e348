package tui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/itchyny/gojq"
)

const (
	maxFilterResults = 500
	filterTimeout    = time.Second // a filter like repeat(.) must not hang the console
)

// jqResult is one value a filter yielded: the API's own bytes when the
// value is a record or a part of one (select(…), .field, .items[]), or a
// value the filter built ({id, name}, .a + 1, to_entries).
type jqResult struct {
	raw   json.RawMessage
	built bool
}

// jqFilter is a compiled filter, twice: as typed, and wrapped in path(…).
// The second says where in the record each value it keeps lies, so that
// the value is shown from the record's bytes: gojq's objects are Go maps
// (their keys come out sorted), and the bytes are what the API sent.
type jqFilter struct {
	code  *gojq.Code
	paths *gojq.Code // nil: the filter cannot be asked for paths
}

func compileJQ(expr string) (*jqFilter, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("%q: %v", expr, err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, fmt.Errorf("%q: %v", expr, err)
	}
	f := &jqFilter{code: code}
	// The newline ends a comment the filter may end with.
	if pq, err := gojq.Parse("path(" + expr + "\n)"); err == nil {
		f.paths, _ = gojq.Compile(pq)
	}
	return f, nil
}

// runJQ applies a jq filter to each record and gathers what it yields.
// Records are decoded with their numbers as written (json.Number), so a
// number the filter only passes on keeps its text even in a built value.
func runJQ(expr string, records []json.RawMessage) ([]jqResult, error) {
	f, err := compileJQ(expr)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), filterTimeout)
	defer cancel()
	var out []jqResult
	for i, raw := range records {
		v, err := decodeExact(raw)
		if err != nil {
			continue // the preview holds what the API sent; skip what is not JSON
		}
		got, err := f.record(ctx, raw, v)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("gave up after %s", filterTimeout)
			}
			return nil, fmt.Errorf("record %d of %d: %v", i+1, len(records), err)
		}
		for _, r := range got {
			out = append(out, r)
			if len(out) >= maxFilterResults {
				return out, nil
			}
		}
	}
	return out, nil
}

// record runs the filter over one record: by paths when the filter is one
// (every value then comes from the record's bytes), else as typed.
func (f *jqFilter) record(ctx context.Context, raw json.RawMessage, v any) ([]jqResult, error) {
	if f.paths != nil {
		if got, ok := f.byPaths(ctx, raw, v); ok {
			return got, nil
		}
	}
	vals, err := collect(ctx, f.code, v)
	if err != nil {
		return nil, err
	}
	rank := keyRanks(raw)
	out := make([]jqResult, 0, len(vals))
	for _, val := range vals {
		b, err := marshalInOrder(val, rank)
		if err != nil {
			return nil, err
		}
		out = append(out, jqResult{raw: b, built: true})
	}
	return out, nil
}

// byPaths is the values at the paths the filter yields, from the record's
// bytes; ok is false when the filter builds values (path(…) fails) or a
// path is one rawAt cannot follow.
func (f *jqFilter) byPaths(ctx context.Context, raw json.RawMessage, v any) ([]jqResult, bool) {
	paths, err := collect(ctx, f.paths, v)
	if err != nil {
		return nil, false
	}
	out := make([]jqResult, 0, len(paths))
	for _, p := range paths {
		path, ok := p.([]any)
		if !ok {
			return nil, false
		}
		b, ok := rawAt(raw, path)
		if !ok {
			return nil, false
		}
		out = append(out, jqResult{raw: b})
	}
	return out, true
}

// collect runs code over v, up to maxFilterResults values.
func collect(ctx context.Context, code *gojq.Code, v any) ([]any, error) {
	var out []any
	iter := code.RunWithContext(ctx, v)
	for len(out) < maxFilterResults {
		res, ok := iter.Next()
		if !ok {
			break
		}
		if err, isErr := res.(error); isErr {
			return nil, err
		}
		out = append(out, res)
	}
	return out, nil
}

// decodeExact decodes JSON with its numbers as written.
func decodeExact(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// keyRanks is the record's keys, at any depth, in the order they first
// appear: a built object's keys are written in that order.
func keyRanks(raw []byte) map[string]int {
	rank := map[string]int{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // 1e400 is no float64, and no reason to stop
	var walk func() bool
	walk = func() bool {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch tok {
		case json.Delim('{'):
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return false
				}
				if name, ok := k.(string); ok {
					if _, seen := rank[name]; !seen {
						rank[name] = len(rank)
					}
				}
				if !walk() {
					return false
				}
			}
			_, err = dec.Token()
			return err == nil
		case json.Delim('['):
			for dec.More() {
				if !walk() {
					return false
				}
			}
			_, err = dec.Token()
			return err == nil
		}
		return true
	}
	walk()
	return rank
}

// marshalInOrder writes a value gojq built as JSON: its objects' keys in
// the record's order (keys the record lacks after, sorted), numbers the
// filter passed on as the record wrote them.
func marshalInOrder(v any, rank map[string]int) (json.RawMessage, error) {
	var b bytes.Buffer
	if err := writeInOrder(&b, v, rank); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeInOrder(b *bytes.Buffer, v any, rank map[string]int) error {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			ri, iok := rank[keys[i]]
			rj, jok := rank[keys[j]]
			switch {
			case iok && jok:
				return ri < rj
			case iok != jok:
				return iok
			}
			return keys[i] < keys[j]
		})
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			name, err := gojq.Marshal(k)
			if err != nil {
				return err
			}
			b.Write(name)
			b.WriteByte(':')
			if err := writeInOrder(b, v[k], rank); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeInOrder(b, e, rank); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	default:
		// Scalars as gojq writes them: a json.Number as its text.
		s, err := gojq.Marshal(v)
		if err != nil {
			return err
		}
		b.Write(s)
	}
	return nil
}
