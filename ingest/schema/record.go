package schema

import (
	"bytes"

	"siphon/ingest/pagescan"
)

// maxFieldDepth is how deep field names are collected: "a", "a.b", "a.b.c".
// Objects deeper than that are still checked but count as one "object" field.
const maxFieldDepth = 3

// recordReader reads one record given on its own (Observe's way in) with
// pagescan, the reader of page bodies, so a record's fields are the same
// whichever way it reaches the Tracker.
type recordReader struct {
	scanner  *pagescan.Scanner
	onRecord func(*pagescan.Record) error // made once: a method value would allocate per call
	// A record's fields are only valid during pagescan's callback, which
	// comes before the scan has seen what follows the record: they are
	// copied out, and used once the whole record has proved valid.
	text   []byte // paths and values, back to back
	copies []fieldCopy
	fields []pagescan.Field
}

// fieldCopy is one field in recordReader.text.
type fieldCopy struct {
	path, value, end int
	depth            int
	kind             pagescan.Kind
}

func newRecordReader() *recordReader {
	s, err := pagescan.New(pagescan.Spec{FieldDepth: maxFieldDepth})
	if err != nil {
		panic("schema: " + err.Error()) // a constant spec: cannot happen
	}
	r := &recordReader{scanner: s}
	r.onRecord = r.copyFields
	return r
}

func (r *recordReader) copyFields(rec *pagescan.Record) error {
	for _, f := range rec.Fields {
		c := fieldCopy{path: len(r.text), depth: f.Depth, kind: f.Kind}
		r.text = append(r.text, f.Path...)
		c.value = len(r.text)
		// A value only ever becomes an example: keep what shortExample
		// shows, and a byte more so that it knows to cut.
		r.text = append(r.text, f.Value[:min(len(f.Value), maxExample+1)]...)
		c.end = len(r.text)
		r.copies = append(r.copies, c)
	}
	return nil
}

// fieldsOf reads rec, which must be one JSON object (white space around it
// allowed), and returns its fields to maxFieldDepth in document order,
// parents before children, or false for anything else. The fields are
// valid until the next call.
func (r *recordReader) fieldsOf(rec []byte) ([]pagescan.Field, bool) {
	// The scanner's records path "." would also take the objects of a
	// top-level array as records: only an object is one.
	if start := bytes.TrimLeft(rec, " \t\r\n"); len(start) == 0 || start[0] != '{' {
		return nil, false
	}
	r.text, r.copies = r.text[:0], r.copies[:0]
	res, err := r.scanner.Scan(rec, r.onRecord)
	if err != nil || res.Records != 1 {
		return nil, false
	}
	r.fields = r.fields[:0]
	for _, c := range r.copies {
		r.fields = append(r.fields, pagescan.Field{Path: r.text[c.path:c.value:c.value], Depth: c.depth, Kind: c.kind,
			Value: r.text[c.value:c.end:c.end]})
	}
	return r.fields, true
}
