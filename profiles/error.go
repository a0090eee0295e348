package profiles

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"
)

// Error is one problem in a profile, at the position of the YAML node that
// caused it. A Column of 0 means the YAML parser gave only a line.
type Error struct {
	File   string
	Line   int
	Column int
	Field  string // dotted path of the key, e.g. pagination.cursor_path; "" for the whole file
	Msg    string
}

func (e *Error) Error() string {
	where := e.File
	if e.Line > 0 {
		where += fmt.Sprintf(":%d", e.Line)
		if e.Column > 0 {
			where += fmt.Sprintf(":%d", e.Column)
		}
	}
	if e.Field == "" {
		return where + ": " + e.Msg
	}
	return where + ": " + e.Field + ": " + e.Msg
}

// problems collects the errors of one load.
type problems struct {
	file string
	errs []*Error
}

// at records a problem at node n (nil: the start of the file).
func (p *problems) at(n *yaml.Node, field, format string, args ...any) {
	e := &Error{File: p.file, Line: 1, Column: 1, Field: field, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	p.errs = append(p.errs, e)
}

// err returns every problem in file order, joined, or nil.
func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(p.errs, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	errs := make([]error, len(p.errs))
	for i, e := range p.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}
