package tui

import (
	"strings"
	"unicode/utf8"

	"siphon/ingest/termsafe"
)

// indentJSON lays JSON out two spaces per level. It validates nothing, so a
// body cut off mid-value still comes out readable up to the cut.
func indentJSON(b []byte) string {
	var out strings.Builder
	depth, inString, escaped := 0, false, false
	newline := func() {
		out.WriteByte('\n')
		out.WriteString(strings.Repeat("  ", max(depth, 0)))
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			out.WriteByte(c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
		case '"':
			inString = true
			out.WriteByte(c)
		case '{', '[':
			out.WriteByte(c)
			if next := nextNonSpace(b, i+1); next == '}' || next == ']' {
				continue // {} and [] stay on one line
			}
			depth++
			newline()
		case '}', ']':
			if prev := prevNonSpace(b, i-1); prev != '{' && prev != '[' {
				depth--
				newline()
			}
			out.WriteByte(c)
		case ',':
			out.WriteByte(c)
			newline()
		case ':':
			out.WriteString(": ")
		default:
			out.WriteByte(c)
		}
	}
	return out.String()
}

func nextNonSpace(b []byte, i int) byte {
	for ; i < len(b); i++ {
		if c := b[i]; c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c
		}
	}
	return 0
}

func prevNonSpace(b []byte, i int) byte {
	for ; i >= 0; i-- {
		if c := b[i]; c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c
		}
	}
	return 0
}

// highlightJSON colours indented JSON line by line: keys, strings, numbers
// and literals. The text is an API's (keys, string values, or a body that
// is not JSON at all): it is cleaned first (termsafe.Text), so that no
// control reaches the terminal and styling never wraps a raw escape.
// Anything it does not recognise passes through as is.
func highlightJSON(text string, st Styles) []string {
	lines := strings.Split(termsafe.Text(text), "\n")
	for i, line := range lines {
		lines[i] = highlightLine(line, st)
	}
	return lines
}

func highlightLine(line string, st Styles) string {
	var out strings.Builder
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == '"':
			end := stringEnd(line, i)
			tok := line[i:end]
			if strings.HasPrefix(strings.TrimLeft(line[end:], " "), ":") {
				out.WriteString(st.Key.Render(tok))
			} else {
				out.WriteString(st.String.Render(tok))
			}
			i = end
		case c == '-' || c >= '0' && c <= '9':
			end := i + 1
			for end < len(line) && strings.IndexByte("0123456789.eE+-", line[end]) >= 0 {
				end++
			}
			out.WriteString(st.Number.Render(line[i:end]))
			i = end
		case strings.HasPrefix(line[i:], "true") || strings.HasPrefix(line[i:], "null"):
			out.WriteString(st.Literal.Render(line[i : i+4]))
			i += 4
		case strings.HasPrefix(line[i:], "false"):
			out.WriteString(st.Literal.Render(line[i : i+5]))
			i += 5
		default:
			_, size := utf8.DecodeRuneInString(line[i:])
			out.WriteString(line[i : i+size])
			i += size
		}
	}
	return out.String()
}

// stringEnd is one past the closing quote of the string starting at i, or
// the end of the line for a string cut short.
func stringEnd(line string, i int) int {
	for j := i + 1; j < len(line); j++ {
		switch line[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(line)
}
