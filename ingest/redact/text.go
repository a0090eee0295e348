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
	// Found from its "//", which JSON, unlike ':', seldom holds
	// elsewhere (strings.Index is fast then; a page's body preview is
	// redacted whole): the first "://" that follows http or https.
	for from := 0; ; {
		j := strings.Index(s[from:], "//")
		if j < 0 {
			return -1
		}
		j += from
		if j >= 1 && s[j-1] == ':' {
			switch {
			case j >= 6 && hasPrefixFold(s[j-6:], "https"):
				return j - 6
			case j >= 5 && hasPrefixFold(s[j-5:], "http"):
				return j - 5
			}
		}
		from = j + 1
	}
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
