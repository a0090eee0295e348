package redact

import (
	"sort"
	"strings"
)

// hideSecrets replaces every occurrence of every secret form in s. Where
// occurrences overlap (secrets "abcd" and "cdef" in "abcdef") the whole
// covered span is hidden, so no fragment of any secret survives.
func (r *Redactor) hideSecrets(s string) string {
	if r == nil || len(r.forms) == 0 || s == "" {
		return s
	}
	var spans []span
	for _, form := range r.forms {
		for from := 0; from < len(s); {
			i := strings.Index(s[from:], form)
			if i < 0 {
				break
			}
			start := from + i
			spans = append(spans, span{start, start + len(form)})
			from = start + 1 // overlapping occurrences of one secret count too
		}
	}
	if len(spans) == 0 {
		return s
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for i := 0; i < len(spans); {
		cur := spans[i]
		for i++; i < len(spans) && spans[i].start <= cur.end; i++ {
			cur.end = max(cur.end, spans[i].end)
		}
		b.WriteString(s[last:cur.start])
		b.WriteString(Placeholder)
		last = cur.end
	}
	b.WriteString(s[last:])
	return b.String()
}

// containsSecret reports whether s contains any raw secret value.
func (r *Redactor) containsSecret(s string) bool {
	if r == nil {
		return false
	}
	for _, secret := range r.secrets {
		if strings.Contains(s, secret) {
			return true
		}
	}
	return false
}

type span struct{ start, end int }
