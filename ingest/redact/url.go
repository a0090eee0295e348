package redact

import (
	"net/url"
	"strings"
)

// URL returns raw with its credentials hidden: the userinfo password, the
// values of sensitive query parameters (see IsSensitiveName), any path
// segment or query value that holds a secret (also when percent-escaped),
// and then any secret value anywhere. The rest of the text is kept as it
// was: nothing is re-encoded or reordered. Relative URLs work too; text
// url.Parse refuses is redacted as String does.
func (r *Redactor) URL(raw string) string {
	if _, err := url.Parse(raw); err != nil {
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

	var b strings.Builder
	b.Grow(len(raw) + 16)
	b.WriteString(r.authority(prefix))
	b.WriteString(r.path(path))
	if hasQuery {
		b.WriteByte('?')
		b.WriteString(r.query(query))
	}
	if hasFragment {
		// OAuth's implicit flow puts access_token=... in the fragment.
		b.WriteByte('#')
		if strings.Contains(fragment, "=") {
			b.WriteString(r.query(fragment))
		} else {
			b.WriteString(r.path(fragment))
		}
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
	if user, _, hasPassword := strings.Cut(userinfo, ":"); hasPassword {
		if r.hidesEscaped(user, url.PathUnescape) {
			user = Placeholder
		}
		userinfo = user + ":" + Placeholder + "@"
	} else if userinfo != "" && r.containsSecret(unescape(userinfo, url.PathUnescape)) {
		userinfo = Placeholder + "@"
	}
	if r.hidesEscaped(host, url.PathUnescape) {
		host = Placeholder
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
	segments := strings.Split(p, "/")
	for i, seg := range segments {
		if r.hidesEscaped(seg, url.PathUnescape) {
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
	pairs := strings.Split(q, "&")
	for i, pair := range pairs {
		name, value, hasValue := strings.Cut(pair, "=")
		sensitive := r.IsSensitiveName(unescape(name, url.QueryUnescape))
		if r.hidesEscaped(name, url.QueryUnescape) || r.hidesEscaped(name, url.PathUnescape) {
			name = Placeholder
		}
		if !hasValue {
			pairs[i] = name
			continue
		}
		if value != "" && (sensitive || r.hidesEscaped(value, url.QueryUnescape) || r.hidesEscaped(value, url.PathUnescape)) {
			value = Placeholder
		}
		pairs[i] = name + "=" + value
	}
	return strings.Join(pairs, "&")
}

// hidesEscaped reports whether s holds a secret only once unescaped.
func (r *Redactor) hidesEscaped(s string, how func(string) (string, error)) bool {
	if s == "" || r.containsSecret(s) {
		return false
	}
	u := unescape(s, how)
	return u != s && r.containsSecret(u)
}

// unescape undoes percent-escaping, or returns s as it is when the escaping
// is broken.
func unescape(s string, how func(string) (string, error)) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	if u, err := how(s); err == nil {
		return u
	}
	return s
}
