// Package textbound bounds and escapes the strings siphon keeps about a
// page or a run (in the page index, the history, the checkpoint, events):
// a string past MaxKept bytes is cut visibly, and the controls a terminal
// would obey are written as JSON escapes.
package textbound

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// MaxKept bounds one string siphon keeps about a page or a run: a URL, a
// cursor, a header value, an error. Past it the string is cut, visibly.
const MaxKept = 8 << 10

// Keep cuts s, already redacted, to MaxKept bytes with a marked cut that
// says how long it was: "…[cut: 9.0 MiB]". Redaction comes first, so a
// cut never leaves the start of a secret behind.
func Keep(s string) string {
	if len(s) <= MaxKept {
		return s
	}
	mark := fmt.Sprintf("…[cut: %s]", Size(int64(len(s))))
	n := MaxKept - len(mark)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + mark
}

// Headers bounds each key and value of a flattened header map, in place.
func Headers(h map[string]string) map[string]string {
	for k, v := range h {
		if len(v) > MaxKept || len(k) > MaxKept {
			delete(h, k)
			h[Keep(k)] = Keep(v)
		}
	}
	return h
}

// Size writes a byte count for people: 9.0 MiB, 512 B.
func Size(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

// EscapeControls writes the C1 controls (U+0080–U+009F) and the bidi
// controls in JSON text as \u escapes: the same JSON to any reader, and
// safe to cat to a terminal. They can only be inside strings (JSON's
// structure is ASCII), where an escape means the same character.
func EscapeControls(b []byte) []byte {
	i := 0
	for i+8 <= len(b) && binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 == 0 {
		i += 8 // eight ASCII bytes at a time: every index line is read here
	}
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	if i == len(b) {
		return b
	}
	var out []byte
	last := 0
	for i < len(b) {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if escapedRune(r) {
			if out == nil {
				out = make([]byte, 0, len(b)+16)
			}
			out = append(out, b[last:i]...)
			out = fmt.Appendf(out, `\u%04x`, r)
			last = i + size
		}
		i += size
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

// escapedRune reports a C1 control or a bidi control.
func escapedRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}
