package curlimport

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// word is one argument of the command and where it starts in the input,
// so that messages can point at it.
type word struct {
	text      string
	line, col int
	pos       int // index among curl's arguments, which orders the variables
}

// where says where the word starts, for messages.
func (w word) where() string { return fmt.Sprintf("line %d, column %d", w.line, w.col) }

// locator turns byte offsets of src into 1-based lines and columns
// (counted in characters). It moves forward from the last offset asked,
// so that locating every word of a long command stays linear.
type locator struct {
	src            string
	off, line, col int
}

func newLocator(src string) *locator { return &locator{src: src, line: 1, col: 1} }

func (l *locator) at(offset int) (line, col int) {
	offset = min(offset, len(l.src))
	if offset < l.off {
		*l = *newLocator(l.src)
	}
	for _, r := range l.src[l.off:offset] {
		if r == '\n' {
			l.line, l.col = l.line+1, 1
		} else {
			l.col++
		}
	}
	l.off = offset
	return l.line, l.col
}

// excerpt shows the start of a piece of the command in a message without
// showing a credential: it stops before any separator that could lead to
// a value (": ", "=", "?", "@", ...), before a well-known credential
// format, and after 24 characters.
func excerpt(s string) string {
	if start, _, ok := findSecretValue(s); ok {
		s = s[:start] + "…" // the cut below keeps the mark
	}
	end := len(s)
	for i, r := range s {
		stop := strings.ContainsRune(" \t\r\n=?@&;,'\"", r) ||
			(r == ':' && !strings.HasPrefix(s[i:], "://"))
		if stop || utf8.RuneCountInString(s[:i]) >= 24 {
			end = i
			break
		}
	}
	if end == len(s) {
		return s
	}
	return s[:end] + "…"
}

// splitCommand splits a pasted command into words, as the shell it was
// copied for would: Windows cmd when it has cmd's ^ escapes, else bash.
func splitCommand(src string) (words []word, notes []string, err error) {
	src = scrubMarkers(src)
	if isCmdSyntax(src) {
		words, err = splitCmd(src)
		return words, nil, err
	}
	return splitBash(src)
}

// isCmdSyntax reports whether a command was written for Windows cmd: a
// line continued with ^, or a quote escaped as ^" (Chrome's "Copy as cURL
// (cmd)"). A bash command continues lines with \ instead.
func isCmdSyntax(src string) bool {
	caretLines, backslashLines := 0, 0
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimRight(line, " \t\r")
		switch {
		case strings.HasSuffix(line, "^"):
			caretLines++
		case strings.HasSuffix(line, "\\"):
			backslashLines++
		}
	}
	if caretLines > 0 || backslashLines > 0 {
		return caretLines > backslashLines
	}
	return strings.Contains(src, `^"`) && !strings.ContainsAny(src, `'`)
}
