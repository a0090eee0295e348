package curlimport

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// bashScanner splits a command the way bash would, keeping $NAME, ${NAME},
// $(cmd) and `cmd` as markers (see expansion.go) instead of expanding them.
type bashScanner struct {
	src   string
	i     int
	notes []string
	loc   *locator
}

// splitBash splits src into words. It stops at a pipe, ; or && (whatever
// follows is another command) and drops redirections, with a note.
func splitBash(src string) ([]word, []string, error) {
	s := &bashScanner{src: src, loc: newLocator(src)}
	var words []word
	for {
		s.skipBlanks()
		if s.i >= len(s.src) {
			return words, s.notes, nil
		}
		switch c := s.src[s.i]; {
		case c == '#': // a comment runs to the end of the line
			if nl := strings.IndexByte(s.src[s.i:], '\n'); nl >= 0 {
				s.i += nl
			} else {
				s.i = len(s.src)
			}
			continue
		case c == '|' || c == ';' || (c == '&' && s.peek(1) == '&'):
			op := string(c)
			if c != ';' && s.peek(1) == c {
				op += op
			}
			s.notes = append(s.notes, fmt.Sprintf("ignored everything after %s: only the curl command is imported", op))
			return words, s.notes, nil
		case c == '>' || c == '<':
			if err := s.skipRedirection(); err != nil {
				return nil, nil, err
			}
			continue
		}
		start := s.i
		text, fd, err := s.word()
		if err != nil {
			return nil, nil, err
		}
		if fd { // the 2 of 2>file
			continue
		}
		line, col := s.loc.at(start)
		words = append(words, word{text: strings.ToValidUTF8(text, "\uFFFD"), line: line, col: col})
	}
}

func (s *bashScanner) peek(ahead int) byte {
	if s.i+ahead < len(s.src) {
		return s.src[s.i+ahead]
	}
	return 0
}

// skipBlanks skips white space and line continuations.
func (s *bashScanner) skipBlanks() {
	for s.i < len(s.src) {
		switch {
		case strings.IndexByte(" \t\r\n", s.src[s.i]) >= 0:
			s.i++
		case s.continuation():
		default:
			return
		}
	}
}

// continuation skips a backslash-newline, which joins lines.
func (s *bashScanner) continuation() bool {
	for _, cont := range []string{"\\\n", "\\\r\n"} {
		if strings.HasPrefix(s.src[s.i:], cont) {
			s.i += len(cont)
			return true
		}
	}
	return false
}

// skipRedirection drops >file, >>file, 2>&1, <file and the like.
func (s *bashScanner) skipRedirection() error {
	for s.i < len(s.src) && strings.IndexByte("<>&|", s.src[s.i]) >= 0 {
		s.i++
	}
	if s.src[s.i-1] == '&' { // >&2: a descriptor, not a file
		for s.i < len(s.src) && s.src[s.i] >= '0' && s.src[s.i] <= '9' {
			s.i++
		}
		return nil
	}
	s.skipBlanks()
	if s.i < len(s.src) {
		if _, _, err := s.word(); err != nil {
			return err
		}
	}
	s.notes = append(s.notes, "ignored a shell redirection (> or <)")
	return nil
}

// word reads one word. fd reports a file descriptor number directly
// followed by a redirection (2>), which is not an argument.
func (s *bashScanner) word() (text string, fd bool, err error) {
	var b strings.Builder
	quoted := false
	for s.i < len(s.src) {
		c := s.src[s.i]
		switch {
		case strings.IndexByte(" \t\r\n|;<>", c) >= 0 || (c == '&' && s.peek(1) == '&'):
			if c == '>' && !quoted && b.Len() > 0 && strings.Trim(b.String(), "0123456789") == "" {
				return "", true, nil
			}
			return b.String(), false, nil
		case s.continuation():
		case c == '\\':
			s.i++
			if s.i < len(s.src) {
				r, size := utf8.DecodeRuneInString(s.src[s.i:])
				b.WriteRune(r)
				s.i += size
			}
		case c == '\'':
			quoted = true
			if err := s.singleQuoted(&b); err != nil {
				return "", false, err
			}
		case c == '"':
			quoted = true
			if err := s.doubleQuoted(&b); err != nil {
				return "", false, err
			}
		case c == '$' && s.peek(1) == '\'':
			quoted = true
			if err := s.ansiQuoted(&b); err != nil {
				return "", false, err
			}
		case c == '$' && s.peek(1) == '"': // $"..." is a translatable "..."
			quoted = true
			s.i++
			if err := s.doubleQuoted(&b); err != nil {
				return "", false, err
			}
		case c == '$' || c == '`':
			if err := s.expansion(&b); err != nil {
				return "", false, err
			}
		default:
			b.WriteByte(c)
			s.i++
		}
	}
	return b.String(), false, nil
}

// unclosed is the error for a quote or expansion that never ends.
func (s *bashScanner) unclosed(open int, what string) error {
	line, col := newLocator(s.src).at(open)
	return fmt.Errorf("unbalanced quotes: the %s opened at line %d, column %d is never closed (it starts %s%s)",
		what, line, col, what, excerpt(s.src[open+len(what):]))
}

// singleQuoted reads '...', where nothing is special.
func (s *bashScanner) singleQuoted(b *strings.Builder) error {
	open := s.i
	end := strings.IndexByte(s.src[s.i+1:], '\'')
	if end < 0 {
		return s.unclosed(open, "'")
	}
	b.WriteString(s.src[s.i+1 : s.i+1+end])
	s.i += end + 2
	return nil
}

// doubleQuoted reads "...", where \ escapes only $ ` " \ and newline, and
// expansions still happen.
func (s *bashScanner) doubleQuoted(b *strings.Builder) error {
	open := s.i
	s.i++
	for s.i < len(s.src) {
		c := s.src[s.i]
		switch {
		case c == '"':
			s.i++
			return nil
		case c == '\\' && s.i+1 < len(s.src) && strings.IndexByte("$`\"\\\n", s.src[s.i+1]) >= 0:
			if s.src[s.i+1] != '\n' {
				b.WriteByte(s.src[s.i+1])
			}
			s.i += 2
		case c == '\\' && strings.HasPrefix(s.src[s.i:], "\\\r\n"):
			s.i += 3
		case c == '$' || c == '`':
			if err := s.expansion(b); err != nil {
				return err
			}
		default:
			b.WriteByte(c)
			s.i++
		}
	}
	return s.unclosed(open, `"`)
}

// ansiQuoted reads $'...', with C-like escapes (\n, \t, \xHH, \u263A, \').
func (s *bashScanner) ansiQuoted(b *strings.Builder) error {
	open := s.i
	s.i += 2
	for s.i < len(s.src) {
		c := s.src[s.i]
		if c == '\'' {
			s.i++
			return nil
		}
		if c != '\\' || s.i+1 >= len(s.src) {
			b.WriteByte(c)
			s.i++
			continue
		}
		s.i++
		s.ansiEscape(b)
	}
	return s.unclosed(open, "$'")
}

// simpleEscapes are the one-letter escapes of $'...'.
var simpleEscapes = map[byte]string{
	'a': "\a", 'b': "\b", 'e': "\x1b", 'E': "\x1b", 'f': "\f", 'n': "\n", 'r': "\r",
	't': "\t", 'v': "\v", '\\': "\\", '\'': "'", '"': "\"", '?': "?",
}

// ansiEscape reads the escape after a backslash in $'...'.
func (s *bashScanner) ansiEscape(b *strings.Builder) {
	c := s.src[s.i]
	if e, ok := simpleEscapes[c]; ok {
		b.WriteString(e)
		s.i++
		return
	}
	switch c {
	case 'x':
		s.numericEscape(b, 1, 2, 16, false)
	case 'u':
		s.numericEscape(b, 1, 4, 16, true)
	case 'U':
		s.numericEscape(b, 1, 8, 16, true)
	case 'c':
		if s.i+1 < len(s.src) {
			b.WriteByte(s.src[s.i+1] & 0x1f)
			s.i += 2
			return
		}
		b.WriteString("\\c")
		s.i++
	default:
		if c >= '0' && c <= '7' {
			s.numericEscape(b, 0, 3, 8, false)
			return
		}
		b.WriteByte('\\') // unknown escapes stay as written
	}
}

// numericEscape reads up to maxDigits digits of base after skip letters
// and writes the byte, or the character when asRune.
func (s *bashScanner) numericEscape(b *strings.Builder, skip, maxDigits, base int, asRune bool) {
	start := s.i
	s.i += skip
	digitsEnd := s.i
	for digitsEnd < len(s.src) && digitsEnd-s.i < maxDigits && isDigitOf(s.src[digitsEnd], base) {
		digitsEnd++
	}
	if digitsEnd == s.i { // \x with no digits stays as written
		b.WriteString("\\" + s.src[start:s.i])
		return
	}
	v, _ := strconv.ParseUint(s.src[s.i:digitsEnd], base, 32) // digits checked above
	s.i = digitsEnd
	if asRune {
		b.WriteRune(rune(v))
		return
	}
	b.WriteByte(byte(v))
}

func isDigitOf(c byte, base int) bool {
	v, err := strconv.ParseUint(string(c), base, 8)
	return err == nil && int(v) < base
}

// expansion reads $NAME, ${NAME}, $(cmd) or `cmd` into a marker. Anything
// else after $ ($1, $?, a lone $) stays as written.
func (s *bashScanner) expansion(b *strings.Builder) error {
	open := s.i
	if s.src[s.i] == '`' {
		end := strings.IndexByte(s.src[s.i+1:], '`')
		if end < 0 {
			return s.unclosed(open, "`")
		}
		b.WriteString(cmdMarker(strings.TrimSpace(s.src[s.i+1 : s.i+1+end])))
		s.i += end + 2
		return nil
	}
	switch next := s.peek(1); {
	case next == '(':
		end := matchingParen(s.src, s.i+1)
		if end < 0 {
			return s.unclosed(open, "$(")
		}
		b.WriteString(cmdMarker(strings.TrimSpace(s.src[s.i+2 : end])))
		s.i = end + 1
	case next == '{':
		end := strings.IndexByte(s.src[s.i:], '}')
		if end < 0 {
			return s.unclosed(open, "${")
		}
		inner := s.src[s.i+2 : s.i+end]
		if n := nameLength(inner); n > 0 && (n == len(inner) || strings.IndexByte(":-=+?", inner[n]) >= 0) {
			b.WriteString(varMarker(inner[:n])) // ${NAME:-default} reads NAME
		} else {
			b.WriteString(s.src[s.i : s.i+end+1])
		}
		s.i += end + 1
	case nameLength(s.src[s.i+1:]) > 0:
		n := nameLength(s.src[s.i+1:])
		b.WriteString(varMarker(s.src[s.i+1 : s.i+1+n]))
		s.i += 1 + n
	default:
		b.WriteByte('$')
		s.i++
	}
	return nil
}

// nameLength is the length of the shell variable name at the start of s.
func nameLength(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return i
		}
	}
	return len(s)
}

// matchingParen finds the ) that closes the ( at open, or -1.
func matchingParen(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}
