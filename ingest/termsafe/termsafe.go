// Package termsafe makes text from outside (API bodies, headers, cursors,
// URLs, error text, profile text) safe to show on a terminal: no control
// character, escape sequence, C1 control or bidirectional override ever
// reaches the terminal as such. Each is shown visibly instead, in JSON's
// \u00XX notation, so a JSON line stays valid JSON with the same meaning.
//
// Files keep the bytes as sent: only what goes to a terminal passes here.
package termsafe

import (
	"strings"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// Unsafe reports whether r may not reach a terminal as itself: C0 controls
// (tab and newline included: callers decide what they become), DEL, C1
// controls, the line and paragraph separators, and the bidirectional
// controls that reorder what a reader sees.
func Unsafe(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f:
		return true
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x2028, r == 0x2029: // line and paragraph separators
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f: // bidi marks
		return true
	case r >= 0x202a && r <= 0x202e: // bidi embeddings and overrides
		return true
	case r >= 0x2066 && r <= 0x2069: // bidi isolates
		return true
	case r == utf8.RuneError:
		return false // only a real U+FFFD reaches here; invalid bytes are handled apart
	}
	return false
}

// mode says what tabs and newlines become.
type mode int

const (
	lineMode  mode = iota // one line: tab and newline become a space
	textMode              // lines kept: tab expands, CRLF becomes LF
	writeMode             // a stream: tab and newline kept as they are
)

// Line returns s on one line, every control shown visibly; tabs, newlines
// and carriage returns become spaces (a table cell or a status line).
func Line(s string) string { return clean(s, lineMode) }

// Text returns s with its lines kept: newlines stay, CRLF becomes LF, a tab
// becomes four spaces (so widths count right), every other control is shown
// visibly.
func Text(s string) string { return clean(s, textMode) }

// Clip returns Line(s) cut to at most max bytes, ending in "…" when cut; it
// never cuts inside a rune or inside a visible escape.
func Clip(s string, max int) string {
	l := Line(s)
	if len(l) <= max {
		return l
	}
	const ell = "…"
	if max < len(ell) {
		return ""
	}
	end := max - len(ell)
	for end > 0 && !utf8.RuneStart(l[end]) {
		end--
	}
	// do not leave half of a \u00XX behind
	if i := strings.LastIndex(l[:end], `\u`); i >= 0 && end-i < 6 {
		end = i
	}
	return l[:end] + ell
}

// Safe reports whether s would pass Line unchanged.
func Safe(s string) bool {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return false
		}
		if Unsafe(r) {
			return false
		}
		i += n
	}
	return true
}

func clean(s string, m mode) string {
	if m == lineMode && Safe(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	appendClean(&b, s, m)
	return b.String()
}

type byteWriter interface {
	WriteByte(byte) error
	WriteString(string) (int, error)
}

// appendClean writes the cleaned form of s to b.
func appendClean(b byteWriter, s string, m mode) {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			// a byte that is not UTF-8: shown, never sent (0x9b is CSI on some terminals)
			b.WriteString(`\x`)
			b.WriteByte(hexDigits[s[i]>>4])
			b.WriteByte(hexDigits[s[i]&0xf])
			i++
			continue
		}
		i += n
		if !Unsafe(r) {
			b.WriteString(s[i-n : i])
			continue
		}
		switch {
		case r == '\n' || r == '\t':
			switch m {
			case lineMode:
				b.WriteByte(' ')
			case textMode:
				if r == '\t' {
					b.WriteString("    ")
				} else {
					b.WriteByte('\n')
				}
			default:
				b.WriteByte(byte(r))
			}
			continue
		case r == '\r':
			if m == lineMode {
				b.WriteByte(' ')
				continue
			}
			if m == textMode && i < len(s) && s[i] == '\n' {
				continue // CRLF: the LF that follows makes the line
			}
		}
		writeEscape(b, r)
	}
}

// writeEscape writes r as \u00XX (or \uXXXX).
func writeEscape(b byteWriter, r rune) {
	b.WriteString(`\u`)
	for shift := 12; shift >= 0; shift -= 4 {
		b.WriteByte(hexDigits[(r>>uint(shift))&0xf])
	}
}
