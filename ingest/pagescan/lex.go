package pagescan

import (
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// more says whether a byte is at pos, reading more of the body if need be.
func (s *Scanner) more() bool {
	return s.pos < len(s.buf) || s.fill()
}

// ensure makes n bytes available from pos if the body has them, and says
// how many are.
func (s *Scanner) ensure(n int) int {
	for len(s.buf)-s.pos < n && s.fill() {
	}
	return len(s.buf) - s.pos
}

// fill reads more of a reader's body into the window, dropping what lies
// before pos (already copied out where it was wanted). It moves pos.
func (s *Scanner) fill() bool {
	if s.r == nil || s.eof {
		return false
	}
	if s.overCapture(cap(s.buf)) {
		s.eof = true
		return false
	}
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:])
		s.base += int64(s.pos)
		s.buf, s.pos = s.buf[:n], 0
	}
	if len(s.buf) == cap(s.buf) {
		// Only a number longer than the window gets here.
		if s.overCapture(2 * cap(s.buf)) {
			s.eof = true
			return false
		}
		grown := make([]byte, len(s.buf), 2*cap(s.buf))
		copy(grown, s.buf)
		s.buf, s.rbuf = grown, grown[:0]
	}
	for range 100 {
		n, err := s.r.Read(s.buf[len(s.buf):cap(s.buf)])
		s.buf = s.buf[:len(s.buf)+n]
		if err != nil {
			s.eof = true
			if err != io.EOF {
				s.rerr = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	s.eof, s.rerr = true, io.ErrNoProgress
	return false
}

// put copies a structural byte to the capture.
func (s *Scanner) put(c byte) {
	if s.capturing > 0 {
		s.out = append(s.out, c)
	}
}

// ws skips white space. Most bodies are compact: the first test, inlined,
// is usually all it takes.
func (s *Scanner) ws() error {
	if s.pos < len(s.buf) && s.buf[s.pos] > ' ' {
		return nil
	}
	return s.wsSlow()
}

func (s *Scanner) wsSlow() error {
	for {
		buf, i := s.buf, s.pos
		for i < len(buf) && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t') {
			i++
		}
		s.pos = i
		if i < len(buf) || !s.fill() {
			return nil
		}
	}
}

// wsLines skips the space between NDJSON values (json-seq's record
// separator included) and says whether it held a newline.
func (s *Scanner) wsLines() (bool, error) {
	newline := false
	for {
		buf, i := s.buf, s.pos
		for ; i < len(buf); i++ {
			c := buf[i]
			if c == '\n' {
				newline = true
			} else if c != ' ' && c != '\r' && c != '\t' && c != 0x1e {
				break
			}
		}
		s.pos = i
		if i < len(buf) || !s.fill() {
			return newline, nil
		}
	}
}

// plainString marks the string bytes that stand for themselves: printable
// ASCII but the quote and the backslash. The rest take the slow path.
var plainString = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str reads a string at '"'. With decode, its text (escapes decoded, as
// encoding/json does) goes to s.key.
func (s *Scanner) str(decode bool) error {
	if decode {
		s.key = s.key[:0]
	}
	s.pos++
	s.put('"')
	for {
		buf, i := s.buf, s.pos
		start := i
		for i < len(buf) && plainString[buf[i]] {
			i++
		}
		if i > start {
			if s.capturing > 0 {
				s.out = append(s.out, buf[start:i]...)
			}
			if decode {
				s.key = append(s.key, buf[start:i]...)
			}
			s.pos = i
		}
		if i == len(buf) {
			if !s.fill() {
				return s.truncated()
			}
			continue
		}
		switch c := buf[i]; {
		case c == '"':
			s.pos++
			s.put('"')
			return nil
		case c == '\\':
			if err := s.escape(decode); err != nil {
				return err
			}
		case c < 0x20:
			return s.syntax(fmt.Sprintf("control character 0x%02x in a string (it must be escaped)", c))
		default:
			if err := s.multibyte(decode); err != nil {
				return err
			}
		}
	}
}

// multibyte reads one UTF-8 encoded rune of a string.
func (s *Scanner) multibyte(decode bool) error {
	n := min(s.ensure(utf8.UTFMax), utf8.UTFMax)
	b := s.buf[s.pos : s.pos+n]
	r, size := utf8.DecodeRune(b)
	if r == utf8.RuneError && size <= 1 {
		if !utf8.FullRune(b) {
			return s.truncated()
		}
		return s.syntax("invalid UTF-8")
	}
	if s.capturing > 0 {
		s.out = append(s.out, b[:size]...)
	}
	if decode {
		s.key = append(s.key, b[:size]...)
	}
	s.pos += size
	return nil
}

// escape reads one backslash escape of a string.
func (s *Scanner) escape(decode bool) error {
	if s.ensure(2) < 2 {
		return s.truncated()
	}
	var c byte
	switch e := s.buf[s.pos+1]; e {
	case '"', '\\', '/':
		c = e
	case 'b':
		c = '\b'
	case 'f':
		c = '\f'
	case 'n':
		c = '\n'
	case 'r':
		c = '\r'
	case 't':
		c = '\t'
	case 'u':
		return s.unicodeEscape(decode)
	default:
		return s.syntax(fmt.Sprintf("invalid escape %s in a string", quoteChar(e)))
	}
	if s.capturing > 0 {
		s.out = append(s.out, s.buf[s.pos:s.pos+2]...)
	}
	if decode {
		s.key = append(s.key, c)
	}
	s.pos += 2
	return nil
}

// unicodeEscape reads \uXXXX; decoding, it pairs surrogates, and a lone
// one becomes U+FFFD, as in encoding/json.
func (s *Scanner) unicodeEscape(decode bool) error {
	r, err := s.hexEscape()
	if err != nil {
		return err
	}
	if !decode {
		return nil
	}
	if utf16.IsSurrogate(r) {
		pair := utf8.RuneError
		if s.ensure(6) >= 6 && s.buf[s.pos] == '\\' && s.buf[s.pos+1] == 'u' {
			if r2, ok := hex4(s.buf[s.pos+2 : s.pos+6]); ok {
				pair = utf16.DecodeRune(r, r2)
			}
		}
		r = pair
		if pair != utf8.RuneError {
			if _, err := s.hexEscape(); err != nil {
				return err
			}
		}
	}
	s.key = utf8.AppendRune(s.key, r)
	return nil
}

// hexEscape reads one \uXXXX at pos.
func (s *Scanner) hexEscape() (rune, error) {
	n := s.ensure(6)
	r, ok := hex4(s.buf[s.pos+2 : s.pos+min(n, 6)])
	if !ok {
		if n < 6 {
			return 0, s.truncated()
		}
		return 0, s.syntax("invalid \\u escape in a string (four hex digits needed)")
	}
	if s.capturing > 0 {
		s.out = append(s.out, s.buf[s.pos:s.pos+6]...)
	}
	s.pos += 6
	return r, nil
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
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
func (s *Scanner) literal(word string) error {
	n := s.ensure(len(word))
	got := s.buf[s.pos : s.pos+min(n, len(word))]
	if string(got) != word {
		if n < len(word) && word[:n] == string(got) {
			return s.truncated()
		}
		return s.syntax(fmt.Sprintf("invalid literal (%s expected)", word))
	}
	if s.capturing > 0 {
		s.out = append(s.out, word...)
	}
	s.pos += len(word)
	return nil
}

var numberByte = func() (t [256]bool) {
	for _, c := range []byte("0123456789+-.eE") {
		t[c] = true
	}
	return t
}()

// number reads a number, its text kept as it is.
func (s *Scanner) number() error {
	i := s.pos
	for {
		for i < len(s.buf) && numberByte[s.buf[i]] {
			i++
		}
		if i < len(s.buf) {
			break
		}
		rel := i - s.pos
		more := s.fill() // moves the window even when the body has ended
		i = s.pos + rel
		if !more {
			break
		}
	}
	run := s.buf[s.pos:i]
	n := numberLen(run)
	switch {
	case n < 0 && i == len(s.buf): // the body ends in the number
		s.pos = i
		return s.truncated()
	case n < 0:
		return s.syntax(fmt.Sprintf("invalid number %q", run))
	case n < len(run):
		s.pos += n
		return s.unexpected("after a number")
	}
	if s.capturing > 0 {
		s.out = append(s.out, run...)
	}
	s.pos = i
	return nil
}

// numberLen is the length of the JSON number that starts b, or -1 when b
// does not start with one: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func numberLen(b []byte) int {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return -1
	case b[i] == '0':
		i++
	case '1' <= b[i] && b[i] <= '9':
		i = digits(b, i)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

func digits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}
