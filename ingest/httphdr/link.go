package httphdr

import (
	"net/http"
	"strings"
)

// Link is one link-value of an RFC 8288 Link header.
type Link struct {
	URL    string            // the target as sent, not resolved against the request URL
	Rel    []string          // relation types, lower-cased
	Params map[string]string // every parameter by lower-cased name (rel included), unquoted; the first occurrence wins
}

// ParseLinks parses RFC 8288 Link header field values. Each value may hold
// several comma-separated links; quoted strings may contain commas,
// semicolons and escaped quotes; rel may list several space-separated
// relation types; parameter names are case-insensitive. A malformed link is
// skipped and parsing resumes at the next link.
func ParseLinks(values []string) []Link {
	var links []Link
	for _, v := range values {
		sc := linkScanner{s: v}
		for {
			sc.skipSpaceAndCommas()
			if sc.done() {
				break
			}
			if link, ok := sc.link(); ok {
				links = append(links, link)
			} else {
				sc.skipToNextLink()
			}
		}
	}
	return links
}

// FindLink returns the URL of the first link in h's Link fields whose
// relation types include rel (compared case-insensitively).
func FindLink(h http.Header, rel string) (string, bool) {
	rel = strings.ToLower(strings.TrimSpace(rel))
	if rel == "" {
		return "", false
	}
	for _, link := range ParseLinks(h.Values("Link")) {
		for _, r := range link.Rel {
			if r == rel {
				return link.URL, true
			}
		}
	}
	return "", false
}

// linkScanner walks one Link field value.
type linkScanner struct {
	s string
	i int
}

func (sc *linkScanner) done() bool { return sc.i >= len(sc.s) }

func (sc *linkScanner) peek() byte { return sc.s[sc.i] }

func (sc *linkScanner) skipSpace() {
	for !sc.done() && isSpace(sc.peek()) {
		sc.i++
	}
}

func (sc *linkScanner) skipSpaceAndCommas() {
	for !sc.done() && (isSpace(sc.peek()) || sc.peek() == ',') {
		sc.i++
	}
}

// link reads `<url> *( ; param )` up to the comma that ends it. It reports
// false for anything malformed, leaving the scanner somewhere inside the link.
func (sc *linkScanner) link() (Link, bool) {
	if sc.peek() != '<' {
		return Link{}, false
	}
	end := strings.IndexByte(sc.s[sc.i+1:], '>')
	if end < 0 {
		sc.i = len(sc.s)
		return Link{}, false
	}
	url := strings.TrimSpace(sc.s[sc.i+1 : sc.i+1+end])
	sc.i += end + 2
	params := map[string]string{}
	for {
		sc.skipSpace()
		if sc.done() || sc.peek() == ',' {
			break
		}
		if sc.peek() != ';' {
			return Link{}, false
		}
		sc.i++
		sc.skipSpace()
		if sc.done() || sc.peek() == ',' || sc.peek() == ';' {
			continue // an empty parameter: harmless
		}
		name, value, ok := sc.param()
		if !ok {
			return Link{}, false
		}
		if _, seen := params[name]; !seen {
			params[name] = value
		}
	}
	if url == "" {
		return Link{}, false
	}
	return Link{URL: url, Rel: relTypes(params["rel"]), Params: params}, true
}

// param reads `name [ = ( token / quoted-string ) ]`.
func (sc *linkScanner) param() (name, value string, ok bool) {
	start := sc.i
	for !sc.done() && !strings.ContainsRune("=;,\"<> \t", rune(sc.peek())) {
		sc.i++
	}
	name = strings.ToLower(sc.s[start:sc.i])
	if name == "" {
		return "", "", false
	}
	sc.skipSpace()
	if sc.done() || sc.peek() != '=' {
		return name, "", true
	}
	sc.i++
	sc.skipSpace()
	if !sc.done() && sc.peek() == '"' {
		value, ok = sc.quoted()
		return name, value, ok
	}
	start = sc.i
	for !sc.done() && !strings.ContainsRune(";,\" \t", rune(sc.peek())) {
		sc.i++
	}
	return name, sc.s[start:sc.i], true
}

// quoted reads a quoted-string starting at its opening quote, undoing
// backslash escapes.
func (sc *linkScanner) quoted() (string, bool) {
	var b strings.Builder
	for sc.i++; !sc.done(); sc.i++ {
		switch c := sc.peek(); c {
		case '"':
			sc.i++
			return b.String(), true
		case '\\':
			sc.i++
			if sc.done() {
				return "", false
			}
			b.WriteByte(sc.peek())
		default:
			b.WriteByte(c)
		}
	}
	return "", false
}

// skipToNextLink moves past the rest of a malformed link: to the next comma
// that is not inside a quoted string or angle brackets.
func (sc *linkScanner) skipToNextLink() {
	inQuote, inAngle := false, false
	for ; !sc.done(); sc.i++ {
		c := sc.peek()
		switch {
		case inQuote && c == '\\':
			sc.i++
		case inQuote:
			inQuote = c != '"'
		case inAngle:
			inAngle = c != '>'
		case c == '"':
			inQuote = true
		case c == '<':
			inAngle = true
		case c == ',':
			return
		}
	}
}

func relTypes(rel string) []string {
	fields := strings.Fields(rel)
	for i, f := range fields {
		fields[i] = strings.ToLower(f)
	}
	if len(fields) == 0 {
		return nil
	}
	return fields
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }
