package page

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"

	"github.com/itchyny/gojq"

	"siphon/ingest/memo"
)

// A jq expression that is only a chain of field names (".data", ".a.b[]",
// ".") is a plain path: it is read from the raw bytes without decoding the
// body, so records keep the exact bytes the API sent (key order, number
// text) at a fraction of the cost. Anything else goes through gojq.
var plainPath = regexp.MustCompile(`^\s*\.((?:[A-Za-z_][A-Za-z0-9_]*)(?:\.[A-Za-z_][A-Za-z0-9_]*)*)?(\[\])?\s*$`)

// Expr is a jq expression over a page body, compiled once for every page.
// It is safe for concurrent use: Compile hands the same Expr to every
// caller of one source (the partitions of a run walking side by side).
type Expr struct {
	src    string
	path   []string // the field names of a plain path
	plain  bool
	iter   bool        // the plain path ends in []
	code   *gojq.Code  // the expression itself
	paths  *gojq.Code  // path(expression): finds the raw bytes of each result
	noPath atomic.Bool // path() failed once: the expression computes values
}

// compiled keeps the expressions compiled so far, by source: a run of
// thousands of partitions compiles the same few for each (gojq's parse
// and compile were some 3% of such a run). Past 256 sources (a profile
// generating expressions), each is compiled anew.
var compiled = memo.Bounded[*Expr]{Most: 256}

// Compile compiles a jq expression, or returns the one compiled before
// from the same source.
func Compile(src string) (*Expr, error) { return compiled.Get(src, compile) }

func compile(src string) (*Expr, error) {
	e := &Expr{src: src}
	if m := plainPath.FindStringSubmatch(src); m != nil {
		e.plain = true
		if m[1] != "" {
			e.path = strings.Split(m[1], ".")
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

// String is the expression as written.
func (e *Expr) String() string { return e.src }

// Plain reports whether the expression is a plain path (".", ".a.b",
// ".a.b[]"): such expressions can be answered by one pass over the bytes.
func (e *Expr) Plain() bool { return e.plain }

// Path is a plain path's field names and whether it iterates (ends in []).
// It is nil, false for other expressions and for ".".
func (e *Expr) Path() (fields []string, iterates bool) { return e.path, e.iter }

// RunDecoded runs the expression on a value already decoded (by
// Page.Decoded) and returns its results until the first error.
func (e *Expr) RunDecoded(ctx context.Context, doc any) ([]any, error) {
	var out []any
	iter := e.code.RunWithContext(ctx, doc)
	for {
		v, ok := iter.Next()
		if !ok {
			return out, nil
		}
		if err, isErr := v.(error); isErr {
			return out, err
		}
		out = append(out, v)
	}
}

// Check reports whether src parses and compiles as jq, with jq's own
// message: what the profile loader shows beside a file position.
func Check(src string) error {
	q, err := gojq.Parse(src)
	if err != nil {
		return err
	}
	_, err = gojq.Compile(q)
	return err
}
