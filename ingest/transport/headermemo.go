package transport

import (
	"net/http"
	"slices"
	"strings"

	"siphon/ingest/httphdr"
	"siphon/ingest/redact"
	"siphon/ingest/textbound"
)

// HeaderMemo shows a walk's response headers as the page index keeps them
// (redacted, joined, bounded: ShownHeaders) without redoing the work for
// the headers that repeat from one page to the next, as most do: only a
// changed value is redacted again. The maps it returns are shared by the
// index entry and the page event and are never written after.
type HeaderMemo struct {
	red  *redact.Redactor // the redactor prev was shown with
	prev http.Header      // the last page's headers
	out  map[string]string
}

// ShownHeaders is the uncached form: what HeaderMemo.Show returns.
func ShownHeaders(red *redact.Redactor, h http.Header) map[string]string {
	return textbound.Headers(httphdr.Joined(red.Header(h)))
}

// Show returns h as ShownHeaders(red, h) would.
func (m *HeaderMemo) Show(red *redact.Redactor, h http.Header) map[string]string {
	if h == nil {
		return ShownHeaders(red, h)
	}
	if red != m.red {
		m.prev, m.out = nil, nil
	}
	if m.out != nil && sameHeaders(h, m.prev) {
		return m.out // the same headers again: the same map
	}
	out := make(map[string]string, len(h))
	for name, values := range h {
		if prev, ok := m.prev[name]; ok && slices.Equal(prev, values) {
			if v, ok := m.out[name]; ok {
				out[name] = v
			}
			continue
		}
		if len(values) == 0 {
			continue
		}
		v, ok := joinedValue(red, name, values)
		if !ok {
			// Cut names and values are rare: they take the long way.
			m.red, m.prev, m.out = nil, nil, nil
			return ShownHeaders(red, h)
		}
		out[name] = v
	}
	m.red, m.prev, m.out = red, h, out
	return out
}

// joinedValue is one header's values redacted and joined as ShownHeaders
// shows them; false when the name or the value is long enough to be cut.
func joinedValue(red *redact.Redactor, name string, values []string) (string, bool) {
	if len(name) > textbound.MaxKept {
		return "", false
	}
	hide := red.HidesHeader(name)
	shown := func(v string) string {
		switch {
		case v == "":
			return ""
		case hide:
			return redact.Placeholder
		}
		return red.String(v)
	}
	v := shown(values[0])
	if len(values) > 1 {
		var b strings.Builder
		b.WriteString(v)
		for _, more := range values[1:] {
			b.WriteString(", ")
			b.WriteString(shown(more))
		}
		v = b.String()
	}
	return v, len(v) <= textbound.MaxKept
}

// sameHeaders reports whether a and b hold the same names and values.
func sameHeaders(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for name, values := range a {
		if prev, ok := b[name]; !ok || !slices.Equal(prev, values) {
			return false
		}
	}
	return true
}

// SentMemo keeps the request headers as a page event shows them while
// every page sends the same ones.
type SentMemo struct {
	red   *redact.Redactor
	prev  http.Header
	shown map[string]string
}

// Show returns g.ShownSentHeaders(sent), red being the redactor in force.
func (m *SentMemo) Show(g *Guard, red *redact.Redactor, sent http.Header) map[string]string {
	if m.shown != nil && red == m.red && sameHeaders(sent, m.prev) {
		return m.shown
	}
	m.red, m.prev, m.shown = red, sent, g.ShownSentHeaders(sent)
	return m.shown
}
