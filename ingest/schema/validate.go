package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Validator checks records against one compiled JSON Schema. It is safe for
// concurrent use.
type Validator struct {
	schema *jsonschema.Schema
}

// LoadValidator reads and compiles the JSON Schema file at path. Schemas
// without "$schema" are read as draft 2020-12; "format" is an annotation, as
// that draft says. Relative "$ref"s are resolved against the file's folder.
// Errors name the file and what is wrong with it.
func LoadValidator(path string) (*Validator, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			err = pathErr.Err // the path is in our own message already
		}
		return nil, &fileError{path: path, err: err}
	}
	doc, err := decodeSchemaDoc(path, data)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &fileError{path: path, err: err}
	}
	// A file URL (not a bare path) so that '#' or spaces in the path survive.
	loc := (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
	c := jsonschema.NewCompiler()
	if err := c.AddResource(loc, doc); err != nil {
		return nil, &fileError{path: path, err: err}
	}
	compiled, err := c.Compile(loc)
	if err != nil {
		return nil, &fileError{path: path, err: compileError{err}}
	}
	return &Validator{schema: compiled}, nil
}

// fileError says which schema file is wrong and, for JSON syntax, where.
type fileError struct {
	path      string
	line, col int // 0 when the problem has no position
	err       error
}

func (e *fileError) Error() string {
	if e.line > 0 {
		return fmt.Sprintf("schema file %s:%d:%d: %v", e.path, e.line, e.col, e.err)
	}
	return fmt.Sprintf("schema file %s: %v", e.path, e.err)
}

func (e *fileError) Unwrap() error { return e.err }

// decodeSchemaDoc parses the schema file keeping numbers exact.
func decodeSchemaDoc(path string, data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			// Offset counts the offending byte as read.
			line, col := lineColumn(data, syntax.Offset-1)
			return nil, &fileError{path: path, line: line, col: col, err: fmt.Errorf("not valid JSON: %w", err)}
		}
		return nil, &fileError{path: path, err: fmt.Errorf("not valid JSON: %w", err)}
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		rest := data[end:]
		extraAt := end + int64(len(rest)-len(bytes.TrimLeft(rest, " \t\r\n")))
		line, col := lineColumn(data, extraAt)
		return nil, &fileError{path: path, line: line, col: col, err: errors.New("not valid JSON: more data after the schema")}
	}
	return doc, nil
}

// lineColumn turns a byte offset into a 1-based line and column.
func lineColumn(data []byte, offset int64) (line, col int) {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = len(before) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// compileError puts a compile error on one line. A schema that breaks its
// metaschema is listed like a record failure.
type compileError struct{ err error }

func (e compileError) Error() string {
	var meta *jsonschema.SchemaValidationError
	if errors.As(e.err, &meta) {
		var verr *jsonschema.ValidationError
		if errors.As(meta.Err, &verr) {
			reason, _ := summarize(verr)
			return "not a valid JSON Schema: " + reason
		}
	}
	return oneLine(e.err.Error())
}

func (e compileError) Unwrap() error { return e.err }

// Validate checks one record. When it fails, reason is one line naming each
// failing field path and why (e.g. "/amount: got string, want number;
// /email: missing") and paths lists those paths as JSON Pointers, "" being
// the record itself. Numbers are decoded exactly, so big integers validate
// correctly.
func (v *Validator) Validate(rec json.RawMessage) (ok bool, reason string, paths []string) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(rec))
	if err != nil {
		return false, rootLabel + ": not valid JSON: " + oneLine(err.Error()), []string{""}
	}
	err = v.schema.Validate(doc)
	if err == nil {
		return true, "", nil
	}
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return false, rootLabel + ": " + oneLine(err.Error()), []string{""}
	}
	reason, paths = summarize(verr)
	return false, reason, paths
}
