package curlimport

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// target is the request URL, split the way a profile holds it.
type target struct {
	pos      int    // index of the word, for variable order
	base     string // scheme://host[:port], or a leading $VAR that holds it
	host     string // host[:port] as written, for the profile's name
	userinfo string // user:password@ as written (percent-encoded), without the @
	path     string
	query    string // without the ?
}

// splitURL splits the command's URL. It refuses what a profile cannot
// fetch: another scheme, no host.
func splitURL(w word) (target, []string, error) {
	s := w.text
	t := target{pos: w.pos}
	var notes []string
	var rest string
	switch scheme, after, found := strings.Cut(s, "://"); {
	case strings.HasPrefix(s, string(markOpen)): // "$BASE_URL/items": the variable holds scheme and host
		if cmd, isCmd := onlyCommand(s[:strings.IndexRune(s, markClose)+len(string(markClose))]); isCmd {
			return t, nil, fmt.Errorf("the URL (at %s) comes from $(%s), which siphon cannot run: paste the URL itself", w.where(), excerpt(cmd))
		}
		end := strings.IndexRune(s, markClose) + len(string(markClose))
		t.base, t.host, rest = s[:end], shellForm(s[:end]), s[end:]
	case found:
		scheme = strings.ToLower(scheme)
		if scheme != "http" && scheme != "https" {
			return t, nil, fmt.Errorf("unsupported URL %s (at %s): siphon reads http and https APIs only", redactURL(s), w.where())
		}
		authority, tail := cutAny(after, "/?#")
		if at := strings.LastIndexByte(authority, '@'); at >= 0 {
			t.userinfo, authority = authority[:at], authority[at+1:]
		}
		if err := checkHost(authority); err != nil {
			return t, nil, fmt.Errorf("URL %s (at %s): %v", redactURL(s), w.where(), err)
		}
		t.base, t.host, rest = scheme+"://"+authority, authority, tail
	default: // curl takes example.com/items as http://example.com/items
		authority, tail := cutAny(s, "/?#")
		if err := checkHost(authority); err != nil {
			return t, nil, fmt.Errorf("URL %s (at %s): %v", redactURL(s), w.where(), err)
		}
		t.base, t.host, rest = "http://"+authority, authority, tail
		notes = append(notes, "the URL has no scheme: used http:// as curl does; change base_url to https:// if the API supports it")
	}
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
		notes = append(notes, "dropped the URL's #fragment: it is never sent to the server")
	}
	t.path, t.query, _ = strings.Cut(rest, "?")
	t.path = escapePath(t.path)
	return t, notes, nil
}

// cutAny splits s before the first of the bytes in chars.
func cutAny(s, chars string) (before, after string) {
	if i := strings.IndexAny(s, chars); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// checkHost checks the host[:port] of an http URL.
func checkHost(hostport string) error {
	if hostport == "" {
		return fmt.Errorf("the URL has no host")
	}
	// A $VAR may fill in part of the host: check the rest around it.
	check := hostport
	for _, e := range slices.Backward(expansions(hostport)) {
		check = check[:e.start] + "x" + check[e.end:]
	}
	u, err := url.Parse("http://" + check)
	if err != nil || u.Hostname() == "" || u.Host != check {
		return fmt.Errorf("invalid host %q", excerpt(hostport))
	}
	return nil
}

// escapePath percent-encodes what must not appear raw in a URL path
// (spaces, control characters), as a browser would before sending.
func escapePath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if c := p[i]; c <= ' ' || c == 0x7f {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// redactURL shows a URL in a message without credentials: no user:password
// part and no query.
func redactURL(s string) string {
	s, _ = cutAny(s, "?#")
	if scheme, rest, found := strings.Cut(s, "://"); found {
		authority, tail := cutAny(rest, "/")
		if at := strings.LastIndexByte(authority, '@'); at >= 0 {
			authority = "REDACTED@" + authority[at+1:]
		}
		s = scheme + "://" + authority + tail
	}
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return fmt.Sprintf("%q", strings.ToValidUTF8(s, "?"))
}

// queryParam is one name=value pair of a query string.
type queryParam struct {
	key, value string
	pos        int
}

// parseQuery splits a query string, keeping the order and decoding each
// part; a part that does not decode is kept as written.
func parseQuery(raw string, pos int) []queryParam {
	var out []queryParam
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		out = append(out, queryParam{key: unescapeQuery(k), value: unescapeQuery(v), pos: pos})
	}
	return out
}

// unescapeQuery decodes a query part; one that does not decode to text
// is kept as written, since a profile holds text.
func unescapeQuery(s string) string {
	if u, err := url.QueryUnescape(s); err == nil && utf8.ValidString(u) {
		return u
	}
	return s
}
