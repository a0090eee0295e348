package redact

import (
	"strings"
	"unicode/utf8"
)

// Ellipsis marks text that was cut.
const Ellipsis = "…"

// Cut returns s redacted as String does and then shortened to at most n
// bytes (on a rune boundary, Ellipsis added): redact first, then cut, so a
// cut never leaves the start of a secret that redaction would no longer
// recognise. The cut point moves back to the start of any secret it would
// split, so nothing past n is ever needed to decide.
func (r *Redactor) Cut(s string, n int) string {
	if n < 0 {
		n = 0
	}
	if len(s) <= n {
		return r.String(s)
	}
	c := r.safeCut(s, n)
	out := r.String(s[:c])
	if len(out) > n {
		out = out[:runeStart(out, n)]
	}
	return out + Ellipsis
}

// safeCut is the largest cut point ≤ n that splits no rune and no
// occurrence of a secret form.
func (r *Redactor) safeCut(s string, n int) int {
	c := runeStart(s, n)
	if r == nil {
		return c
	}
	for moved := true; moved; {
		moved = false
		for _, form := range r.forms {
			lo := max(0, c-len(form)+1)
			i := strings.Index(s[lo:min(len(s), c+len(form)-1)], form)
			if i >= 0 && lo+i < c {
				c = lo + i
				moved = true
			}
		}
	}
	return c
}

// runeStart backs n off to the start of the rune it falls in.
func runeStart(s string, n int) int {
	if n >= len(s) {
		return len(s)
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}

// minFragment is the shortest start of a secret that is hidden when text
// was already cut by someone else, right before an Ellipsis.
const minFragment = 4

// hideCutFragments hides, before every Ellipsis in s, a trailing start of a
// secret form: text cut before it reached the redactor (an error quoting
// the first bytes of a record) must not keep the secret's first characters.
func (r *Redactor) hideCutFragments(s string) string {
	if r == nil || len(r.forms) == 0 || !strings.Contains(s, Ellipsis) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, Ellipsis)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		head := s[:i]
		cut := len(head)
		for _, form := range r.forms {
			for k := min(len(form)-1, len(head)); k >= minFragment; k-- {
				if strings.HasSuffix(head, form[:k]) {
					cut = min(cut, len(head)-k)
					break
				}
			}
		}
		b.WriteString(head[:cut])
		if cut < len(head) {
			b.WriteString(Placeholder)
		}
		b.WriteString(Ellipsis)
		s = s[i+len(Ellipsis):]
	}
}
