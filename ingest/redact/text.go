package redact

import "strings"

// String returns s with every secret value hidden and every http(s) URL in
// it redacted as URL does. Go's *url.Error, for one, embeds the full request
// URL: `Get "http://h/x?api_key=abc": dial tcp ...`.
func (r *Redactor) String(s string) string {
	return r.hideCutFragments(r.hideSecrets(r.embeddedURLs(s)))
}

// embeddedURLs redacts the parts of every http:// or https:// URL in s.
func (r *Redactor) embeddedURLs(s string) string {
	start := indexURL(s)
	if start < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for start >= 0 {
		end := start + urlLength(s[start:])
		b.WriteString(s[:start])
		b.WriteString(r.urlParts(s[start:end]))
		s = s[end:]
		start = indexURL(s)
	}
	b.WriteString(s)
	return b.String()
}

// indexURL is the index of the first "http://" or "https://" in s, in any
// case, or -1.
func indexURL(s string) int {
	for i := 0; i+7 <= len(s); i++ {
		if s[i] != 'h' && s[i] != 'H' {
			continue
		}
		if hasPrefixFold(s[i:], "http://") || hasPrefixFold(s[i:], "https://") {
			return i
		}
	}
	return -1
}

// urlLength is how much of s, which starts with a URL, belongs to the URL:
// up to white space, a control character or a quote or bracket that
// delimits URLs in prose, less trailing sentence punctuation.
func urlLength(s string) int {
	n := 0
	for n < len(s) && !endsURL(s[n]) {
		n++
	}
	for n > 0 && strings.IndexByte(".,;:!?)]}", s[n-1]) >= 0 {
		n--
	}
	return n
}

func endsURL(c byte) bool {
	return c <= ' ' || c == 0x7f || strings.IndexByte("\"'<>`", c) >= 0
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
