package curlimport

import (
	"fmt"
	"strings"
)

// splitCmd splits a command written for Windows cmd. It takes the two
// steps Windows takes: cmd removes its ^ escapes and line continuations,
// then curl.exe splits the line by the C runtime's rules (double quotes
// group, \" is a literal quote, "" inside quotes is a literal quote).
func splitCmd(src string) ([]word, error) {
	line, origin := uncaret(src)
	loc := newLocator(src)
	var words []word
	var b strings.Builder
	inWord, inQuote := false, false
	start, quoteAt := 0, 0
	end := func() {
		if inWord {
			l, c := loc.at(origin[start])
			words = append(words, word{text: strings.ToValidUTF8(b.String(), "\uFFFD"), line: l, col: c})
		}
		b.Reset()
		inWord = false
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		if !inWord && !strings.ContainsRune(" \t\r\n", rune(c)) {
			inWord, start = true, i
		}
		switch {
		case !inQuote && strings.ContainsRune(" \t\r\n", rune(c)):
			end()
		case c == '\\':
			n := 1
			for i+n < len(line) && line[i+n] == '\\' {
				n++
			}
			if i+n < len(line) && line[i+n] == '"' { // 2n\" → n\ and a quote; 2n+1 → n\ and a literal "
				b.WriteString(strings.Repeat(`\`, n/2))
				if n%2 == 1 {
					b.WriteByte('"')
					i += n
					continue
				}
				i += n - 1
				continue // the quote is handled on the next turn
			}
			b.WriteString(strings.Repeat(`\`, n))
			i += n - 1
		case c == '"' && inQuote && i+1 < len(line) && line[i+1] == '"':
			b.WriteByte('"')
			i++
		case c == '"':
			inQuote = !inQuote
			quoteAt = i
		default:
			b.WriteByte(c)
		}
	}
	if inQuote {
		l, c := newLocator(src).at(origin[quoteAt])
		return nil, fmt.Errorf("unbalanced quotes: the \" opened at line %d, column %d is never closed (it starts \"%s)",
			l, c, excerpt(line[quoteAt+1:]))
	}
	end()
	return words, nil
}

// uncaret does what cmd does to a command line before the program sees
// it: outside double quotes, ^ escapes the next character and ^ at the end
// of a line joins the next line. origin maps each byte of the result to
// its offset in src, for messages.
func uncaret(src string) (string, []int) {
	var b strings.Builder
	var origin []int
	inQuote := false
	put := func(c byte, at int) {
		b.WriteByte(c)
		origin = append(origin, at)
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '"':
			inQuote = !inQuote
			put(c, i)
		case c == '^' && !inQuote && i+1 < len(src):
			i++
			if src[i] == '\r' && i+1 < len(src) && src[i+1] == '\n' {
				i++
			}
			if src[i] != '\n' {
				put(src[i], i)
				continue
			}
			// ^ at the end of a line: the line break goes, and an empty
			// next line stands for a literal line break (Chrome writes
			// line breaks in a body this way).
			if rest := strings.TrimPrefix(src[i+1:], "\r"); strings.HasPrefix(rest, "\n") {
				put('\n', i)
				i += len(src[i+1:]) - len(rest) + 1
			}
		case c == '^' && !inQuote: // a trailing ^ escapes nothing
		default:
			put(c, i)
		}
	}
	origin = append(origin, len(src))
	return b.String(), origin
}
