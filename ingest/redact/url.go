package redact

import (
	"regexp"
	"strings"
)

// URL returns raw with its credentials hidden: the userinfo password, the
// values of sensitive query parameters (see IsSensitiveName), any path
// segment or query value that holds a secret (also when percent-escaped),
// and then any secret value anywhere. The rest of the text is kept as it
// was: nothing is re-encoded or reordered.
//
// URL works on the text's structure and needs no valid URL, so relative and
// malformed URLs (bad escapes, say) are still redacted by their parts. Text
// with white space in it is no single URL: it is redacted as String does.
func (r *Redactor) URL(raw string) string {
	if strings.ContainsFunc(raw, func(c rune) bool { return c <= ' ' || c == 0x7f }) {
		return r.String(raw)
	}
	return r.hideSecrets(r.urlParts(raw))
}

// urlParts hides the sensitive parts of a URL's text, leaving secret values
// elsewhere to hideSecrets.
func (r *Redactor) urlParts(raw string) string {
	rest, fragment, hasFragment := strings.Cut(raw, "#")
	rest, query, hasQuery := strings.Cut(rest, "?")
	prefix, path := splitAuthority(rest)

	shownPrefix, shownPath, shownQuery, shownFragment := r.authority(prefix), r.path(path), "", ""
	if hasQuery {
		shownQuery = r.query(query)
	}
	if hasFragment {
		// OAuth's implicit flow puts access_token=... in the fragment.
		if strings.Contains(fragment, "=") {
			shownFragment = r.query(fragment)
		} else {
			shownFragment = r.path(fragment)
		}
	}
	if shownPrefix == prefix && shownPath == path && shownQuery == query && shownFragment == fragment {
		return raw // nothing hidden: no copy (most URLs, every page)
	}
	var b strings.Builder
	b.Grow(len(raw) + 16)
	b.WriteString(shownPrefix)
	b.WriteString(shownPath)
	if hasQuery {
		b.WriteByte('?')
		b.WriteString(shownQuery)
	}
	if hasFragment {
		b.WriteByte('#')
		b.WriteString(shownFragment)
	}
	return b.String()
}

// splitAuthority splits "scheme://authority/path" into the part up to the
// end of the authority and the path. Without an authority, prefix is empty.
func splitAuthority(s string) (prefix, path string) {
	start := -1
	if i := strings.Index(s, "://"); i > 0 && !strings.ContainsAny(s[:i], "/@") {
		start = i + 3
	} else if strings.HasPrefix(s, "//") {
		start = 2
	}
	if start < 0 {
		return "", s
	}
	end := len(s)
	if i := strings.IndexByte(s[start:], '/'); i >= 0 {
		end = start + i
	}
	return s[:end], s[end:]
}

// authority hides the password of "scheme://user:password@host", the whole
// userinfo when it holds a secret (a token used as user name), and a host
// that holds an escaped secret.
func (r *Redactor) authority(prefix string) string {
	begin := strings.Index(prefix, "//") + 2 // -1+2 when there is no authority
	if begin < 2 {
		return prefix
	}
	userinfo, host := "", prefix[begin:]
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		userinfo, host = host[:at+1], host[at+1:]
	}
	changed := false
	if user, _, hasPassword := strings.Cut(userinfo, ":"); hasPassword {
		if r.hidesEscaped(user, false) {
			user = Placeholder
		}
		userinfo, changed = user+":"+Placeholder+"@", true
	} else if userinfo != "" && r.containsSecret(unescape(userinfo, false)) {
		userinfo, changed = Placeholder+"@", true
	}
	if r.hidesEscaped(host, false) {
		host, changed = Placeholder, true
	}
	if !changed {
		return prefix // nothing hidden: no copy
	}
	return prefix[:begin] + userinfo + host
}

// path hides every segment that holds a secret only once unescaped, which
// catches escapings hideSecrets does not know (lower-case hex, needless
// escapes). Plain occurrences are left to hideSecrets, which keeps the rest
// of the segment readable.
func (r *Redactor) path(p string) string {
	if r == nil || len(r.secrets) == 0 || p == "" {
		return p
	}
	hides := false
	for rest := p; !hides; {
		seg, more, found := strings.Cut(rest, "/")
		hides = r.hidesEscaped(seg, false)
		if !found {
			break
		}
		rest = more
	}
	if !hides {
		return p // no copy
	}
	segments := strings.Split(p, "/")
	for i, seg := range segments {
		if r.hidesEscaped(seg, false) {
			segments[i] = Placeholder
		}
	}
	return strings.Join(segments, "/")
}

// query hides the values of sensitive parameters and of parameters whose
// value holds a secret once unescaped, keeping names, order and encoding as
// they were. A name that holds an escaped secret is hidden too.
func (r *Redactor) query(q string) string {
	if q == "" {
		return q
	}
	// Most queries hide nothing: they are returned as they are, uncopied.
	for rest := q; ; {
		pair, more, found := strings.Cut(rest, "&")
		if r.queryPair(pair) != pair {
			break
		}
		if !found {
			return q
		}
		rest = more
	}
	pairs := strings.Split(q, "&")
	for i, pair := range pairs {
		pairs[i] = r.queryPair(pair)
	}
	return strings.Join(pairs, "&")
}

// queryPair is one name=value of a query as query shows it: pair itself
// when nothing in it is hidden.
func (r *Redactor) queryPair(pair string) string {
	name, value, hasValue := strings.Cut(pair, "=")
	sensitive := r.IsSensitiveName(unescape(name, true))
	hideName := r.hidesEscaped(name, true) || r.hidesEscaped(name, false)
	hideValue := hasValue && value != "" && (sensitive || r.hidesEscaped(value, true) || r.hidesEscaped(value, false)) && !isReference(value)
	switch {
	case !hideName && !hideValue:
		return pair
	case hideName:
		name = Placeholder
	}
	if !hasValue {
		return name
	}
	if hideValue {
		value = Placeholder
	}
	return name + "=" + value
}

// reference is a ${VAR} reference as profiles write them: shown in place
// of a value (a curl command), it is no secret.
var reference = regexp.MustCompile(`^\$\{[A-Za-z_][A-Za-z0-9_]*\}$`)

func isReference(v string) bool { return reference.MatchString(v) }

// hidesEscaped reports whether s holds a secret only once unescaped.
func (r *Redactor) hidesEscaped(s string, plusIsSpace bool) bool {
	if r == nil || len(r.secrets) == 0 || !strings.ContainsAny(s, "%+") || r.containsSecret(s) {
		return false
	}
	u := unescape(s, plusIsSpace)
	return u != s && r.containsSecret(u)
}

// unescape undoes percent-escaping (and, for query text, '+' for space)
// leniently: a broken escape stays as it is and the rest is still decoded,
// so "%zz" next to an escaped secret cannot shield it.
func unescape(s string, plusIsSpace bool) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		case c == '+' && plusIsSpace:
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}
