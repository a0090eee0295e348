package termsafe

import (
	"strings"
	"unicode/utf8"
)

// KeepStyle returns a rendered screen with every escape sequence removed but
// SGR (colour and weight: ESC [ digits ; : m), and every other control shown
// visibly; newlines stay. It is the console's last line of defence: text from
// outside is cleaned where it enters a view, and this catches whatever a view
// forgot, so nothing but styling reaches the terminal from a view.
func KeepStyle(s string) string {
	if !needsStyleClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			if n := sgrLen(s[i:]); n > 0 {
				b.WriteString(s[i : i+n])
				i += n
				continue
			}
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			b.WriteString(`\x`)
			b.WriteByte(hexDigits[s[i]>>4])
			b.WriteByte(hexDigits[s[i]&0xf])
		case r == '\n':
			b.WriteByte('\n')
		case Unsafe(r):
			writeEscape(&b, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// needsStyleClean is the fast path: a screen with nothing but printable text,
// newlines and SGR sequences is returned as it is.
func needsStyleClean(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == 0x1b:
			n := sgrLen(s[i:])
			if n == 0 {
				return true
			}
			i += n
			continue
		case c == '\n':
		case c < 0x20 || c == 0x7f:
			return true
		case c >= 0x80:
			r, n := utf8.DecodeRuneInString(s[i:])
			if (r == utf8.RuneError && n <= 1) || Unsafe(r) {
				return true
			}
			i += n
			continue
		}
		i++
	}
	return false
}

// sgrLen is the length of the SGR sequence s starts with, or 0.
func sgrLen(s string) int {
	if len(s) < 3 || s[0] != 0x1b || s[1] != '[' {
		return 0
	}
	for i := 2; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c == ';', c == ':':
		case c == 'm':
			return i + 1
		default:
			return 0
		}
	}
	return 0
}
