// Package pagescan reads a page body in one pass: it validates the JSON,
// hands each record over as its exact bytes with the white space outside
// strings removed (key order, number text and escapes as sent), and picks up
// on the way the values at a few other plain paths (cursor, next URL,
// totals), each record's primary-key values, and each record's fields with
// their kinds for a schema tracker. It depends on nothing but the standard
// library, and reads from a byte slice or, without holding the body, from an
// io.Reader.
package pagescan

import (
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strings"
	"sync"
)

// MaxNesting bounds the nesting of arrays and objects, as encoding/json does,
// so a hostile body cannot exhaust the stack.
const MaxNesting = 10000

// maxPaths bounds Spec.Values: the paths live at a point of the walk are the
// bits of a uint64, the records path being bit 0.
const maxPaths = 63

// Spec says what to take from each body.
type Spec struct {
	// Records is where the records are. At a plain path (".data") an
	// object is one record and an array holds records (objects only);
	// null or nothing there means no records. With [] (".data[]") each
	// element is an object (one record), an array of objects, or null
	// (nothing). NDJSON bodies (Lines) are the array of their lines.
	Records Path
	// Values are the other values wanted: cursor, next URL, totals. They
	// must not end in [].
	Values []Path
	// Keys are record fields (dotted for nested ones: "id", "meta.id")
	// whose values each Record carries: the primary key.
	Keys []string
	// FieldDepth > 0 makes each Record list its object fields down to
	// this depth ("a", "a.b", "a.b.c" for 3), for a schema tracker.
	// Arrays are one field; objects inside them are not descended.
	FieldDepth int
	// Lines reads the body as NDJSON / JSON Lines (application/x-ndjson,
	// json-seq): values separated by newlines, taken as one array.
	Lines bool
	// MaxCapture > 0 bounds what one record, one value, one key or one
	// number may take: a larger one ends the scan with a *TooLargeError,
	// having held little more than MaxCapture of it.
	MaxCapture int64
}

// Kind is the kind of a JSON value.
type Kind uint8

const (
	KindObject Kind = iota
	KindArray
	KindString
	KindNumber
	KindBool
	KindNull
)

var kindNames = [...]string{"object", "array", "string", "number", "boolean", "null"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "invalid"
}

// an is the kind with its article, for messages.
func (k Kind) an() string {
	switch k {
	case KindObject, KindArray:
		return "an " + k.String()
	case KindNull:
		return "null"
	}
	return "a " + k.String()
}

// Record is one record as the scan finds it. It and every slice in it are
// only valid during the callback: the scanner reuses them.
type Record struct {
	Index  int      // 0 for the body's first record
	Offset int64    // where the record starts in the body
	Raw    []byte   // the record, compact: white space outside strings removed, all else as sent
	Keys   [][]byte // per Spec.Keys, the field's compact value; nil when the record lacks it
	Fields []Field  // with Spec.FieldDepth: the fields in document order, parents before children
}

// Field is one object key of a record, to Spec.FieldDepth.
type Field struct {
	Path  []byte // dotted, each key with its escapes decoded ("customer.country")
	Depth int    // 1 for a top-level key
	Kind  Kind
	Value []byte // compact raw value, a part of Record.Raw
}

// Result is what a scan found besides the records.
type Result struct {
	Records int // records handed to the callback
	// Values holds, per Spec.Values, the compact raw value: nil when the
	// path is absent, "null" when the body says null. Valid until the
	// scanner's next scan.
	Values [][]byte
}

// SyntaxError is a body that is not JSON: cut short, a stray character,
// invalid UTF-8, nested too deep. A caller may retry such a page.
type SyntaxError struct {
	Offset int64  // of the offending byte in the body
	Msg    string // what is wrong there
	// Trailing marks a valid value followed by more data, which is what
	// an NDJSON body looks like when read as JSON.
	Trailing bool
	Err      error // the reader's error, for a body cut short by one
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.Offset, e.Msg)
}

func (e *SyntaxError) Unwrap() error { return e.Err }

// ShapeError is valid JSON that does not fit the spec: records that are not
// objects, a path through a string. Retrying the page will not help. The
// scan still reads the body to its end, so that a body both cut short and
// odd reports the SyntaxError.
type ShapeError struct {
	Path   string // the spec path concerned, e.g. ".data[]"
	Offset int64  // of the value concerned
	Msg    string
	Err    error // ErrDuplicateKey, or nil
}

func (e *ShapeError) Error() string {
	return fmt.Sprintf("%s: %s (at offset %d)", e.Path, e.Msg, e.Offset)
}

func (e *ShapeError) Unwrap() error { return e.Err }

// TooLargeError is a record (or a value, a key) larger than
// Spec.MaxCapture. Retrying the page will not help.
type TooLargeError struct {
	Record int   // the record's index on the page, 0 for the first; -1: not a record
	Offset int64 // where it starts in the body
	Limit  int64
}

func (e *TooLargeError) Error() string {
	if e.Record < 0 {
		return fmt.Sprintf("a value (at offset %d) is larger than the bound of %d bytes", e.Offset, e.Limit)
	}
	return fmt.Sprintf("record %d (index %d, at offset %d) is larger than the bound of %d bytes", e.Record+1, e.Record, e.Offset, e.Limit)
}

// ErrDuplicateKey is the ShapeError cause for a body that repeats a key on
// the records path: records found under the first one would already be out.
var ErrDuplicateKey = errors.New("the body repeats a key on the records path")

// Scanner reads bodies for one Spec. It keeps its buffers from body to body,
// so a warm scanner does not allocate per record. It is not safe for
// concurrent use.
type Scanner struct {
	spec       Spec
	paths      []Path // [0] is Records, then Values
	keyDepth   int    // the deepest of spec.Keys, in keys
	trackDepth int    // how deep record field paths are built: max(FieldDepth, keyDepth)

	// input
	buf   []byte // body, or the reader's window
	pos   int
	base  int64 // offset of buf[0] in the body
	r     io.Reader
	rbuf  []byte
	eof   bool
	rerr  error
	empty bool // an empty body reads as null

	// output
	out       []byte // compact text of whatever is being captured
	capturing int    // captures open: records and values
	vals      []byte
	valSpans  [][2]int
	values    [][]byte
	key       []byte // the current key, decoded
	fpaths    []byte // record field paths, back to back
	fields    []fieldSpan
	keySpans  [][2]int
	rec       Record
	nrec      int
	onRecord  func(*Record) error
	cbErr     error
	shapeErr  error
	dupErr    error
	reached   bool // the records path led somewhere
	inRecord  bool // a record is being captured, from recAt
	recAt     int64
	valueAt   int64
	tooLarge  *TooLargeError
	iterKeys  map[string]struct{} // keys of an object whose values are the records
}

type fieldSpan struct {
	pathStart, pathEnd int
	valStart, valEnd   int
	kind               Kind
	depth              int
}

// New checks a Spec and returns a Scanner for it.
func New(spec Spec) (*Scanner, error) {
	if len(spec.Values) > maxPaths {
		return nil, fmt.Errorf("pagescan: at most %d value paths, got %d", maxPaths, len(spec.Values))
	}
	s := &Scanner{spec: spec, paths: append([]Path{spec.Records}, spec.Values...)}
	for _, p := range spec.Values {
		if p.Iter {
			return nil, fmt.Errorf("pagescan: value path %s ends in []: only the records path iterates", p)
		}
		if spec.Lines && len(p.Keys) == 0 {
			return nil, fmt.Errorf("pagescan: value path . on NDJSON bodies: the lines are no single value")
		}
	}
	for _, k := range spec.Keys {
		if k == "" {
			return nil, errors.New("pagescan: empty key field")
		}
		s.keyDepth = max(s.keyDepth, strings.Count(k, ".")+1)
	}
	if spec.FieldDepth < 0 {
		return nil, fmt.Errorf("pagescan: negative FieldDepth %d", spec.FieldDepth)
	}
	s.trackDepth = max(spec.FieldDepth, s.keyDepth)
	s.valSpans = make([][2]int, len(spec.Values))
	s.values = make([][]byte, len(spec.Values))
	s.keySpans = make([][2]int, len(spec.Keys))
	s.rec.Keys = make([][]byte, len(spec.Keys))
	return s, nil
}

// Scan reads body and calls fn with each record, in order. An error from fn
// ends the scan and is returned as is. On any error, records already handed
// over belong to a bad page.
func (s *Scanner) Scan(body []byte, fn func(*Record) error) (Result, error) {
	s.buf, s.r = body, nil
	return s.scan(fn)
}

// ScanReader is Scan on a body read from r, a window at a time: records
// and values are copied out as they are read, so the body is never held
// whole. Read errors end the scan as a SyntaxError that wraps them.
func (s *Scanner) ScanReader(r io.Reader, fn func(*Record) error) (Result, error) {
	if s.rbuf == nil {
		if p, _ := readWindows.Get().(*[]byte); p != nil {
			s.rbuf = (*p)[:0]
		} else {
			s.rbuf = make([]byte, 0, windowSize)
		}
	}
	s.buf, s.r = s.rbuf[:0], r
	defer s.giveWindow()
	return s.scan(fn)
}

// readWindows lends scanners their read windows between scans: a run of
// thousands of one-page partitions makes a scanner for each, and would
// otherwise allocate a window for each.
var readWindows sync.Pool // of *[]byte

// giveWindow gives the window back once a scan is over; the next scan
// takes one again.
func (s *Scanner) giveWindow() {
	if s.rbuf != nil && cap(s.rbuf) <= shrinkAbove {
		b := s.rbuf[:0]
		readWindows.Put(&b)
	}
	s.rbuf = nil
}

func (s *Scanner) scan(fn func(*Record) error) (Result, error) {
	s.pos, s.base, s.eof, s.rerr, s.empty = 0, 0, false, nil, false
	s.out, s.capturing, s.vals = s.out[:0], 0, s.vals[:0]
	s.nrec, s.onRecord, s.cbErr, s.shapeErr, s.dupErr, s.reached = 0, fn, nil, nil, nil, false
	s.inRecord, s.tooLarge = false, nil
	for i := range s.valSpans {
		s.valSpans[i] = [2]int{-1, -1}
	}
	defer func() {
		s.onRecord = nil
		s.buf, s.r = nil, nil // do not pin the body, or the reader, until the next scan
		// One huge record or number does not stay pinned.
		if cap(s.out) > shrinkAbove {
			s.out = nil
		}
		if cap(s.rbuf) > shrinkAbove {
			s.rbuf = nil
		}
		if cap(s.key) > shrinkAbove {
			s.key = nil
		}
	}()
	err := s.top()
	if err == nil && s.dupErr != nil {
		err = s.dupErr
	} else if err == nil {
		err = s.shapeErr
	}
	if s.cbErr != nil {
		err = s.cbErr
	}
	if s.tooLarge != nil {
		err = s.tooLarge
	}
	for i, sp := range s.valSpans {
		s.values[i] = nil
		if sp[0] >= 0 {
			s.values[i] = s.vals[sp[0]:sp[1]:sp[1]]
		}
	}
	return Result{Records: s.nrec, Values: s.values}, err
}

// top reads the whole body.
func (s *Scanner) top() error {
	if s.ensure(3) >= 3 && string(s.buf[s.pos:s.pos+3]) == "\xef\xbb\xbf" {
		s.pos += 3 // a byte-order mark, as some servers send
	}
	if err := s.ws(); err != nil {
		return err
	}
	if !s.more() {
		if s.rerr != nil {
			return s.truncated()
		}
		// An empty body (204 No Content) is a page with nothing on it.
		s.empty, s.buf, s.pos, s.base = true, []byte("null"), 0, 0
	}
	var live uint64 = 1<<len(s.paths) - 1
	if s.spec.Lines {
		if err := s.lines(); err != nil {
			return err
		}
	} else if _, err := s.value(modeValue, live, 0, 0, 0, 0, 0); err != nil {
		return err
	}
	if err := s.ws(); err != nil {
		return err
	}
	if s.more() {
		return &SyntaxError{Offset: s.offset(), Msg: fmt.Sprintf("%s after the top-level value", quoteChar(s.buf[s.pos])), Trailing: true}
	}
	if s.rerr != nil {
		return s.truncated()
	}
	if !s.reached && s.paths[0].Iter {
		s.shapeAt(0, 0, "cannot iterate over null (nothing is there)")
	}
	return nil
}

// lines reads an NDJSON body: the array of its lines.
func (s *Scanner) lines() error {
	s.reached = true // the lines are there, if none
	rp := s.paths[0]
	mode := modeValue
	switch {
	case len(rp.Keys) > 0:
		s.shape(0, fmt.Sprintf("cannot index the lines of an NDJSON body with %q", rp.Keys[0]))
	case rp.Iter:
		mode = modeElemAny
	default:
		mode = modeElemObject
	}
	for i := 1; i < len(s.paths); i++ {
		s.shape(i, fmt.Sprintf("cannot index the lines of an NDJSON body with %q", s.paths[i].Keys[0]))
	}
	for first := true; ; first = false {
		newline, err := s.wsLines()
		if err != nil {
			return err
		}
		if !s.more() {
			return nil
		}
		if !first && !newline {
			return &SyntaxError{Offset: s.offset(), Msg: fmt.Sprintf("%s after a value on the same line of an NDJSON body", quoteChar(s.buf[s.pos]))}
		}
		if _, err := s.value(mode, 0, 0, 1, 0, 0, 0); err != nil {
			return err
		}
	}
}

// Modes say what a value is to the records path.
const (
	modeValue      = iota // just a value
	modeElemAny           // an element of iterated records: object, array of objects, or null
	modeElemObject        // an element of a records array: an object
)

// value reads one value at pos. live holds the paths whose first depth
// keys lead here. fd > 0 is the field depth of an object's keys inside a
// record; the field path so far is fpaths[pstart:pend].
func (s *Scanner) value(mode int, live uint64, depth, nest, fd, pstart, pend int) (Kind, error) {
	if !s.more() {
		return 0, s.truncated()
	}
	var ending, deeper uint64
	recordsHere := false
	for m := live; m != 0; m &= m - 1 {
		i := bits.TrailingZeros64(m)
		switch {
		case len(s.paths[i].Keys) > depth:
			deeper |= 1 << i
		case i == 0:
			recordsHere = true
		default:
			ending |= 1 << i
		}
	}
	start := len(s.out)
	if ending != 0 {
		s.capturing++
		if !s.inRecord {
			s.valueAt = s.offset()
		}
	}
	var kind Kind
	var err error
	switch {
	case recordsHere:
		s.reached = true
		kind, err = s.records(deeper, depth, nest)
	case mode != modeValue:
		kind, err = s.element(mode, deeper, depth, nest)
	default:
		kind, err = s.plain(deeper, depth, nest, fd, pstart, pend)
	}
	if ending != 0 {
		s.capturing--
		if max := s.spec.MaxCapture; err == nil && max > 0 && int64(len(s.out)-start) > max && s.tooLarge == nil {
			s.tooLarge = &TooLargeError{Record: -1, Offset: s.valueAt, Limit: max}
		}
		if err == nil {
			vs := len(s.vals)
			s.vals = append(s.vals, s.out[start:]...)
			for m := ending; m != 0; m &= m - 1 {
				s.valSpans[bits.TrailingZeros64(m)-1] = [2]int{vs, len(s.vals)}
			}
		}
		if s.capturing == 0 {
			s.out = s.out[:0]
		}
	}
	return kind, err
}

// plain reads a value that is no record. Paths in deeper go on through it.
func (s *Scanner) plain(deeper uint64, depth, nest, fd, pstart, pend int) (Kind, error) {
	c := s.buf[s.pos]
	if c == '{' {
		return KindObject, s.object(modeValue, deeper, depth, nest+1, fd, pstart, pend)
	}
	at := s.offset()
	kind, err := s.scalarOrArray(nest)
	if deeper != 0 && err == nil {
		s.through(deeper, depth, at, kind)
	}
	return kind, err
}

// records reads the value at the end of the records path.
func (s *Scanner) records(deeper uint64, depth, nest int) (Kind, error) {
	iter := s.paths[0].Iter
	switch c := s.buf[s.pos]; {
	case c == '{' && iter:
		if s.iterKeys == nil {
			s.iterKeys = map[string]struct{}{}
		}
		clear(s.iterKeys)
		return KindObject, s.object(modeElemAny, deeper, depth, nest+1, 0, 0, 0)
	case c == '{':
		return KindObject, s.record(deeper, depth, nest)
	case c == '[':
		s.through(deeper, depth, s.offset(), KindArray)
		mode := modeElemObject
		if iter {
			mode = modeElemAny
		}
		return KindArray, s.array(mode, nest+1)
	}
	at := s.offset()
	kind, err := s.scalarOrArray(nest)
	if err != nil {
		return kind, err
	}
	switch {
	case iter:
		s.shapeAt(0, at, fmt.Sprintf("cannot iterate over %s", kind))
	case kind != KindNull:
		s.shapeAt(0, at, fmt.Sprintf("records are %s, not an object or an array of objects", kind.an()))
	}
	s.through(deeper, depth, at, kind)
	return kind, nil
}

// through notes the paths in deeper that would go on through a value that
// is no object (null ends them quietly).
func (s *Scanner) through(deeper uint64, depth int, at int64, kind Kind) {
	if kind == KindNull || kind == KindObject {
		return
	}
	for m := deeper; m != 0; m &= m - 1 {
		i := bits.TrailingZeros64(m)
		s.shapeAt(i, at, fmt.Sprintf("cannot index %s with %q", kind.an(), s.paths[i].Keys[depth]))
	}
}

// element reads one element of the records: an array's, or an iterated
// object's value.
func (s *Scanner) element(mode int, deeper uint64, depth, nest int) (Kind, error) {
	c := s.buf[s.pos]
	if c == '{' {
		return KindObject, s.record(deeper, depth, nest)
	}
	if c == '[' && mode == modeElemAny {
		s.through(deeper, depth, s.offset(), KindArray)
		return KindArray, s.array(modeElemObject, nest+1)
	}
	at := s.offset()
	kind, err := s.scalarOrArray(nest)
	if err == nil {
		s.through(deeper, depth, at, kind)
	}
	if err != nil || kind == KindNull && mode == modeElemAny {
		return kind, err
	}
	if mode == modeElemAny {
		s.shapeAt(0, at, fmt.Sprintf("an element is %s, not an object or an array of objects", kind.an()))
	} else {
		s.shapeAt(0, at, fmt.Sprintf("record %d is %s, not an object", s.nrec+1, kind.an()))
	}
	return kind, nil
}

// record reads one record object and hands it over.
func (s *Scanner) record(deeper uint64, depth, nest int) error {
	if s.shapeErr != nil || s.dupErr != nil || s.cbErr != nil {
		// The page is bad already: only check the rest.
		return s.object(modeValue, deeper, depth, nest+1, 0, 0, 0)
	}
	at := s.offset()
	start := len(s.out)
	s.capturing++
	s.inRecord, s.recAt = true, at
	s.fpaths, s.fields = s.fpaths[:0], s.fields[:0]
	for i := range s.keySpans {
		s.keySpans[i] = [2]int{-1, -1}
	}
	fd := 0
	if s.trackDepth > 0 {
		fd = 1
	}
	err := s.object(modeValue, deeper, depth, nest+1, fd, 0, 0)
	s.capturing--
	s.inRecord = false
	if err == nil && s.shapeErr == nil && s.dupErr == nil && s.tooLarge == nil {
		if max := s.spec.MaxCapture; max > 0 && int64(len(s.out)-start) > max {
			s.tooLarge = &TooLargeError{Record: s.nrec, Offset: at, Limit: max}
		} else {
			s.emit(at, start)
		}
	}
	if s.capturing == 0 {
		s.out = s.out[:0]
	}
	return err
}

func (s *Scanner) emit(at int64, start int) {
	raw := s.out[start:len(s.out):len(s.out)]
	r := &s.rec
	r.Index, r.Offset, r.Raw = s.nrec, at, raw
	for i, sp := range s.keySpans {
		r.Keys[i] = nil
		if sp[0] >= 0 {
			r.Keys[i] = raw[sp[0]-start : sp[1]-start : sp[1]-start]
		}
	}
	r.Fields = r.Fields[:0]
	for _, f := range s.fields {
		r.Fields = append(r.Fields, Field{Path: s.fpaths[f.pathStart:f.pathEnd:f.pathEnd], Depth: f.depth, Kind: f.kind,
			Value: raw[f.valStart-start : f.valEnd-start : f.valEnd-start]})
	}
	s.nrec++
	if s.onRecord != nil {
		if err := s.onRecord(r); err != nil {
			s.cbErr = err
		}
	}
}

// object reads an object at '{'. mode applies to its values (the records
// path iterating it); live paths go on through its keys.
func (s *Scanner) object(mode int, live uint64, depth, nest, fd, pstart, pend int) error {
	if nest > MaxNesting {
		return s.syntax(fmt.Sprintf("the body nests deeper than %d levels", MaxNesting))
	}
	s.pos++
	s.put('{')
	if err := s.token(); err != nil {
		return err
	}
	if s.buf[s.pos] == '}' {
		s.pos++
		s.put('}')
		return nil
	}
	track := fd > 0 && fd <= s.trackDepth
	recordsSeen := false
	for {
		if s.buf[s.pos] != '"' {
			return s.unexpected("looking for a key")
		}
		keyAt := s.offset()
		decode := live != 0 || track || mode == modeElemAny
		if err := s.str(decode); err != nil {
			return err
		}
		var childLive uint64
		for m := live; m != 0; m &= m - 1 {
			i := bits.TrailingZeros64(m)
			if s.paths[i].Keys[depth] == string(s.key) {
				childLive |= 1 << i
				if i > 0 {
					s.valSpans[i-1] = [2]int{-1, -1} // a later key of the same name wins
				}
			}
		}
		if mode == modeElemAny {
			// The records iterate this object's values: jq would see the
			// last of two equal keys only.
			if _, dup := s.iterKeys[string(s.key)]; dup {
				s.duplicate(keyAt)
			}
			s.iterKeys[string(s.key)] = struct{}{}
		}
		if childLive&1 != 0 {
			if recordsSeen {
				s.duplicate(keyAt)
			}
			recordsSeen = true
		}
		field, keyIndex := -1, -1
		childFd, cstart, cend := 0, 0, 0
		if track {
			cstart = len(s.fpaths)
			if fd > 1 {
				s.fpaths = append(s.fpaths, s.fpaths[pstart:pend]...)
				s.fpaths = append(s.fpaths, '.')
			}
			s.fpaths = append(s.fpaths, s.key...)
			cend = len(s.fpaths)
			childFd = fd + 1
			if fd <= s.spec.FieldDepth {
				field = len(s.fields)
				s.fields = append(s.fields, fieldSpan{pathStart: cstart, pathEnd: cend, depth: fd})
			}
			if fd <= s.keyDepth {
				for i, k := range s.spec.Keys {
					if k == string(s.fpaths[cstart:cend]) {
						keyIndex = i
					}
				}
			}
		}
		if err := s.token(); err != nil {
			return err
		}
		if s.buf[s.pos] != ':' {
			return s.unexpected("after a key")
		}
		s.pos++
		s.put(':')
		if err := s.ws(); err != nil {
			return err
		}
		valStart := len(s.out)
		kind, err := s.value(mode, childLive, depth+1, nest, childFd, cstart, cend)
		if err != nil {
			return err
		}
		if field >= 0 {
			f := &s.fields[field]
			f.kind, f.valStart, f.valEnd = kind, valStart, len(s.out)
		}
		if keyIndex >= 0 {
			s.keySpans[keyIndex] = [2]int{valStart, len(s.out)}
		}
		if done, err := s.afterItem('}', "after an object value"); done || err != nil {
			return err
		}
	}
}

// token skips white space up to the next token; a body that ends there
// is cut short.
func (s *Scanner) token() error {
	if err := s.ws(); err != nil {
		return err
	}
	if !s.more() {
		return s.truncated()
	}
	return nil
}

// afterItem reads what follows an object member or an array element: a
// ',' and the space after it, or closer, which ends the container (done).
func (s *Scanner) afterItem(closer byte, where string) (done bool, err error) {
	if err := s.token(); err != nil {
		return false, err
	}
	switch s.buf[s.pos] {
	case ',':
		s.pos++
		s.put(',')
		return false, s.token()
	case closer:
		s.pos++
		s.put(closer)
		return true, nil
	}
	return false, s.unexpected(where)
}

// array reads an array at '['; mode says what its elements are.
func (s *Scanner) array(mode, nest int) error {
	if nest > MaxNesting {
		return s.syntax(fmt.Sprintf("the body nests deeper than %d levels", MaxNesting))
	}
	s.pos++
	s.put('[')
	if err := s.token(); err != nil {
		return err
	}
	if s.buf[s.pos] == ']' {
		s.pos++
		s.put(']')
		return nil
	}
	for {
		if _, err := s.value(mode, 0, 0, nest, 0, 0, 0); err != nil {
			return err
		}
		if done, err := s.afterItem(']', "after an array element"); done || err != nil {
			return err
		}
	}
}

// scalarOrArray reads any value but an object... or an object, when it
// comes to that, skipped as a plain value.
func (s *Scanner) scalarOrArray(nest int) (Kind, error) {
	switch c := s.buf[s.pos]; {
	case c == '{':
		return KindObject, s.object(modeValue, 0, 0, nest+1, 0, 0, 0)
	case c == '[':
		return KindArray, s.array(modeValue, nest+1)
	case c == '"':
		return KindString, s.str(false)
	case c == 't':
		return KindBool, s.literal("true")
	case c == 'f':
		return KindBool, s.literal("false")
	case c == 'n':
		return KindNull, s.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		return KindNumber, s.number()
	}
	return 0, s.unexpected("looking for a value")
}

// duplicate notes a repeated key on the records path. It outranks other
// shape errors: those may come from the key's first value, which jq ignores.
func (s *Scanner) duplicate(at int64) {
	if s.dupErr == nil {
		s.dupErr = &ShapeError{Path: s.paths[0].String(), Offset: at, Msg: fmt.Sprintf("%v: %q", ErrDuplicateKey, s.key), Err: ErrDuplicateKey}
	}
}

// shape notes the first ShapeError, for path i, at pos.
func (s *Scanner) shape(i int, msg string) { s.shapeAt(i, s.offset(), msg) }

func (s *Scanner) shapeAt(i int, at int64, msg string) {
	if s.shapeErr == nil {
		s.shapeErr = &ShapeError{Path: s.paths[i].String(), Offset: at, Msg: msg}
	}
}

func (s *Scanner) offset() int64 { return s.base + int64(s.pos) }

// windowSize is a reader's window to start with.
const windowSize = 32 << 10

// shrinkAbove is the buffer size a scanner lets go of after a scan.
const shrinkAbove = 4 << 20

// overCapture checks Spec.MaxCapture as the window moves on: what is
// being captured (a record, a value), a key, or the window itself (a
// number longer than it) past the bound ends the scan.
func (s *Scanner) overCapture(window int) bool {
	max := s.spec.MaxCapture
	if max <= 0 || s.tooLarge != nil {
		return s.tooLarge != nil
	}
	if int64(len(s.out)) <= max && int64(len(s.key)) <= max && (int64(window) <= max || window <= windowSize) {
		return false
	}
	switch {
	case s.inRecord:
		s.tooLarge = &TooLargeError{Record: s.nrec, Offset: s.recAt, Limit: max}
	case s.capturing > 0:
		s.tooLarge = &TooLargeError{Record: -1, Offset: s.valueAt, Limit: max}
	default:
		s.tooLarge = &TooLargeError{Record: -1, Offset: s.offset(), Limit: max}
	}
	return true
}

func (s *Scanner) syntax(msg string) error {
	return &SyntaxError{Offset: s.offset(), Msg: msg}
}

func (s *Scanner) truncated() error {
	if s.rerr != nil {
		return &SyntaxError{Offset: s.offset(), Msg: "reading the body: " + s.rerr.Error(), Err: s.rerr}
	}
	return &SyntaxError{Offset: s.offset(), Msg: "the body ends in the middle of a value (cut short?)"}
}

func (s *Scanner) unexpected(where string) error {
	c := s.buf[s.pos]
	msg := fmt.Sprintf("unexpected %s %s", quoteChar(c), where)
	if c == '<' {
		msg += " (HTML, not JSON?)"
	}
	return s.syntax(msg)
}

func quoteChar(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("character %q", c)
	}
	return fmt.Sprintf("byte 0x%02x", c)
}
