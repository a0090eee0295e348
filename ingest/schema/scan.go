package schema

import (
	"unicode/utf16"
	"unicode/utf8"
)

// maxFieldDepth is how deep field names are collected: "a", "a.b", "a.b.c".
// Objects deeper than that are still checked but count as one "object" field.
const maxFieldDepth = 3

// maxNesting bounds bracket nesting (as encoding/json does) so hostile input
// cannot exhaust the stack.
const maxNesting = 10000

// fieldSeen is one key of a record: its dotted path (a span of
// recordScanner.paths), the type of its value and the value's raw bytes
// (a span of the record).
type fieldSeen struct {
	pathStart, pathEnd int
	valStart, valEnd   int
	typ                jsonType
	depth              uint8 // 1 for a top-level key
}

// recordScanner walks one JSON object without building it: it reads keys and
// the first byte of each value, and skips the rest. Its buffers are reused
// from record to record, so a warm scanner does not allocate.
type recordScanner struct {
	data   []byte
	pos    int
	paths  []byte      // the dotted paths of fields, back to back
	fields []fieldSeen // in document order, parents before children
}

// scan reads rec, which must be one JSON object (surrounding white space
// allowed). It reports false for anything else, leaving fields unusable.
func (s *recordScanner) scan(rec []byte) bool {
	s.data, s.pos = rec, 0
	s.paths, s.fields = s.paths[:0], s.fields[:0]
	s.skipSpace()
	if s.pos >= len(s.data) || s.data[s.pos] != '{' {
		return false
	}
	if !s.object(0, 0, 1, 1) {
		return false
	}
	s.skipSpace()
	return s.pos == len(s.data)
}

func (s *recordScanner) pathOf(f fieldSeen) []byte { return s.paths[f.pathStart:f.pathEnd] }

func (s *recordScanner) valueOf(f fieldSeen) []byte { return s.data[f.valStart:f.valEnd] }

// object reads an object starting at '{'. Its keys are recorded as fields at
// fieldDepth (0: not recorded), prefixed by paths[prefixStart:prefixEnd].
func (s *recordScanner) object(prefixStart, prefixEnd, fieldDepth, nesting int) bool {
	if nesting > maxNesting {
		return false
	}
	s.pos++ // '{'
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		return true
	}
	for {
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			return false
		}
		recording := fieldDepth > 0 && fieldDepth <= maxFieldDepth
		pathStart := len(s.paths)
		if recording && fieldDepth > 1 {
			s.paths = append(s.paths, s.paths[prefixStart:prefixEnd]...)
			s.paths = append(s.paths, '.')
		}
		if !s.str(recording) {
			return false
		}
		pathEnd := len(s.paths)
		s.skipSpace()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return false
		}
		s.pos++
		s.skipSpace()
		if s.pos >= len(s.data) {
			return false
		}
		index := -1
		if recording {
			index = len(s.fields)
			s.fields = append(s.fields, fieldSeen{pathStart: pathStart, pathEnd: pathEnd, valStart: s.pos, depth: uint8(fieldDepth)})
		}
		childDepth := 0
		if recording {
			childDepth = fieldDepth + 1
		}
		typ, ok := s.value(pathStart, pathEnd, childDepth, nesting)
		if !ok {
			return false
		}
		if index >= 0 {
			s.fields[index].typ = typ
			s.fields[index].valEnd = s.pos
		}
		s.skipSpace()
		if s.pos >= len(s.data) {
			return false
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
			s.skipSpace()
		case '}':
			s.pos++
			return true
		default:
			return false
		}
	}
}

// value reads any JSON value at pos and says what type it was. Objects pass
// the field context on; everything else is only checked and skipped.
func (s *recordScanner) value(prefixStart, prefixEnd, fieldDepth, nesting int) (jsonType, bool) {
	switch c := s.data[s.pos]; {
	case c == '{':
		return typeObject, s.object(prefixStart, prefixEnd, fieldDepth, nesting+1)
	case c == '[':
		return typeArray, s.array(nesting + 1)
	case c == '"':
		return typeString, s.str(false)
	case c == 't':
		return typeBoolean, s.literal("true")
	case c == 'f':
		return typeBoolean, s.literal("false")
	case c == 'n':
		return typeNull, s.literal("null")
	case c == '-' || ('0' <= c && c <= '9'):
		return typeNumber, s.number()
	}
	return 0, false
}

// array reads an array starting at '['; objects inside it are not descended
// for fields (an array is one type, whatever it holds).
func (s *recordScanner) array(nesting int) bool {
	if nesting > maxNesting {
		return false
	}
	s.pos++ // '['
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		return true
	}
	for {
		if s.pos >= len(s.data) {
			return false
		}
		if _, ok := s.value(0, 0, 0, nesting); !ok {
			return false
		}
		s.skipSpace()
		if s.pos >= len(s.data) {
			return false
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
			s.skipSpace()
		case ']':
			s.pos++
			return true
		default:
			return false
		}
	}
}

// str reads a string starting at '"'. With keep, its decoded text is appended
// to paths (so escaped keys match their plain spelling, as in encoding/json).
func (s *recordScanner) str(keep bool) bool {
	data := s.data
	s.pos++ // opening quote
	for {
		// Locals, not s.pos, so the hot loop stays in registers.
		start, i := s.pos, s.pos
		for i < len(data) && plainStringByte[data[i]] {
			i++
		}
		s.pos = i
		if keep {
			s.paths = append(s.paths, data[start:i]...)
		}
		if i >= len(data) {
			return false
		}
		switch c := data[i]; {
		case c == '"':
			s.pos++
			return true
		case c < 0x20:
			return false
		}
		if !s.escape(keep) {
			return false
		}
	}
}

// plainStringByte marks the bytes a string holds as they are: all but the
// closing quote, the backslash and control characters.
var plainStringByte = func() (plain [256]bool) {
	for c := range plain {
		plain[c] = c >= 0x20 && c != '"' && c != '\\'
	}
	return plain
}()

// escape reads one backslash escape at pos.
func (s *recordScanner) escape(keep bool) bool {
	if s.pos+1 >= len(s.data) {
		return false
	}
	var decoded byte
	switch s.data[s.pos+1] {
	case '"', '\\', '/':
		decoded = s.data[s.pos+1]
	case 'b':
		decoded = '\b'
	case 'f':
		decoded = '\f'
	case 'n':
		decoded = '\n'
	case 'r':
		decoded = '\r'
	case 't':
		decoded = '\t'
	case 'u':
		return s.unicodeEscape(keep)
	default:
		return false
	}
	s.pos += 2
	if keep {
		s.paths = append(s.paths, decoded)
	}
	return true
}

// unicodeEscape reads \uXXXX, pairing surrogates; a lone surrogate becomes
// U+FFFD, as encoding/json decodes it.
func (s *recordScanner) unicodeEscape(keep bool) bool {
	r, ok := hex4(s.data, s.pos+2)
	if !ok {
		return false
	}
	s.pos += 6
	if utf16.IsSurrogate(r) {
		r2, ok := rune(0), false
		if s.pos+1 < len(s.data) && s.data[s.pos] == '\\' && s.data[s.pos+1] == 'u' {
			r2, ok = hex4(s.data, s.pos+2)
		}
		if pair := utf16.DecodeRune(r, r2); ok && pair != utf8.RuneError {
			r = pair
			s.pos += 6
		} else {
			r = utf8.RuneError
		}
	}
	if keep {
		s.paths = utf8.AppendRune(s.paths, r)
	}
	return true
}

// hex4 decodes the four hex digits at b[at:].
func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// literal reads true, false or null.
func (s *recordScanner) literal(word string) bool {
	end := s.pos + len(word)
	if end > len(s.data) || string(s.data[s.pos:end]) != word {
		return false
	}
	s.pos = end
	return true
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *recordScanner) number() bool {
	if s.data[s.pos] == '-' {
		s.pos++
	}
	switch {
	case s.pos >= len(s.data):
		return false
	case s.data[s.pos] == '0':
		s.pos++
	case '1' <= s.data[s.pos] && s.data[s.pos] <= '9':
		s.digits()
	default:
		return false
	}
	if s.pos < len(s.data) && s.data[s.pos] == '.' {
		s.pos++
		if s.digits() == 0 {
			return false
		}
	}
	if s.pos < len(s.data) && (s.data[s.pos] == 'e' || s.data[s.pos] == 'E') {
		s.pos++
		if s.pos < len(s.data) && (s.data[s.pos] == '+' || s.data[s.pos] == '-') {
			s.pos++
		}
		if s.digits() == 0 {
			return false
		}
	}
	return true
}

// digits skips a run of decimal digits and says how many there were.
func (s *recordScanner) digits() int {
	data, start := s.data, s.pos
	i := start
	for i < len(data) && '0' <= data[i] && data[i] <= '9' {
		i++
	}
	s.pos = i
	return i - start
}

func (s *recordScanner) skipSpace() {
	data, i := s.data, s.pos
	for i < len(data) && (data[i] == ' ' || data[i] == '\n' || data[i] == '\t' || data[i] == '\r') {
		i++
	}
	s.pos = i
}
