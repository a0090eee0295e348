// Package redact hides secrets in everything siphon writes or shows: URLs,
// headers, free text and errors. It is the one place that decides what a
// secret looks like, so every output path redacts the same way.
package redact

import (
	"bytes"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"siphon/ingest/memo"
)

// Placeholder is what every hidden value shows as.
const Placeholder = "REDACTED"

// Redactor hides known secret values and sensitive names. It is immutable
// after New and safe for concurrent use. A nil *Redactor is usable: only the
// built-in name patterns apply.
type Redactor struct {
	secrets []string            // raw secret values, longest first
	forms   []string            // secrets plus their percent-encoded forms, longest first
	names   map[string]struct{} // extra sensitive names, lower-cased
}

// New returns a Redactor hiding the given secret values wherever they appear
// (empty ones are skipped) and treating the given names as sensitive query
// parameter and header names, case-insensitively, on top of the built-in
// patterns (see IsSensitiveName).
//
// Callers using basic auth pass the base64 "user:password" value themselves
// when it can appear in text.
func New(secrets []string, names []string) *Redactor {
	r := &Redactor{names: map[string]struct{}{}}
	for _, n := range names {
		if n = strings.ToLower(strings.TrimSpace(n)); n != "" {
			r.names[n] = struct{}{}
		}
	}
	r.secrets = uniqueLongestFirst(secrets)
	var forms []string
	for _, s := range r.secrets {
		// Secrets travel in URLs and JSON escaped; hide the escaped
		// spellings too.
		forms = append(forms, s, url.QueryEscape(s), url.PathEscape(s))
		forms = append(forms, jsonForms(s)...)
	}
	r.forms = uniqueLongestFirst(forms)
	return r
}

// With returns a new Redactor that also hides these secrets, e.g. tokens
// obtained during a run. r is left unchanged.
func (r *Redactor) With(secrets ...string) *Redactor {
	if r == nil {
		return New(secrets, nil)
	}
	names := make([]string, 0, len(r.names))
	for n := range r.names {
		names = append(names, n)
	}
	return New(append(append([]string(nil), r.secrets...), secrets...), names)
}

// IsSensitiveName reports whether a query parameter or header of this name
// holds a credential: IsCredentialName, or one of the extra names given to
// New. Case is ignored.
func (r *Redactor) IsSensitiveName(name string) bool {
	if IsCredentialName(name) {
		return true
	}
	if r != nil && len(r.names) > 0 {
		var buf [64]byte
		if lower, ok := lowerASCII(buf[:0], name); ok {
			_, ok := r.names[string(lower)] // no copy for a map index
			return ok
		}
		_, ok := r.names[strings.ToLower(name)]
		return ok
	}
	return false
}

// lowerASCII appends name in lower case to buf, as strings.ToLower would
// give it, when name is ASCII; false otherwise.
func lowerASCII(buf []byte, name string) ([]byte, bool) {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= utf8.RuneSelf {
			return buf, false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return buf, true
}

// IsCredentialName is siphon's one rule for what a credential's name looks
// like, for a header, query parameter or body field: the profile loader
// insists on a reference for these, curl import turns them into references,
// and redaction hides their values. A name matches when it contains one of
// credentialParts, or one of its words (split at punctuation and camelCase
// humps, so "author" is not "auth") is one of credentialWords. Case is
// ignored.
func IsCredentialName(name string) bool {
	is, _ := credentialNames.Get(name, func(name string) (bool, error) { return isCredentialName(name), nil })
	return is
}

// credentialNames remembers IsCredentialName's answers: a walk asks about
// the same few names page after page; what an API sends could hold any.
var credentialNames = memo.Bounded[bool]{Most: 1024, MaxKey: 64}

func isCredentialName(name string) bool {
	var words [64]byte
	if _, ok := dataKeyNames[string(joinedWords(words[:0], name))]; ok {
		return false
	}
	var buf [64]byte
	if lower, ok := lowerASCII(buf[:0], name); ok {
		for _, part := range credentialParts {
			if bytes.Contains(lower, part) {
				return true
			}
		}
		return hasCredentialWord(name)
	}
	lower := strings.ToLower(name)
	for _, part := range credentialParts {
		if strings.Contains(lower, string(part)) {
			return true
		}
	}
	return hasCredentialWord(name)
}

// joinedWords appends name's words (see hasCredentialWord) to buf as one:
// its letters and digits in lower case.
func joinedWords(buf []byte, name string) []byte {
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			buf = utf8.AppendRune(buf, unicode.ToLower(r))
		}
	}
	return buf
}

// hasCredentialWord reports whether one of name's words is one of
// credentialWords. Words are lower case, split at anything but letters and
// digits and at camelCase humps: "X-Auth-User" and "xAuthUser" give x,
// auth, user. They are built in a buffer on the stack: this runs for every
// query parameter of every URL shown.
func hasCredentialWord(name string) bool {
	var buf [64]byte
	word := buf[:0]
	prevLower := false
	for _, r := range name {
		split := !unicode.IsLetter(r) && !unicode.IsDigit(r)
		if split || (unicode.IsUpper(r) && prevLower) {
			if _, ok := credentialWords[string(word)]; ok && len(word) > 0 {
				return true
			}
			word = word[:0]
		}
		if split {
			prevLower = false
			continue
		}
		word = utf8.AppendRune(word, unicode.ToLower(r))
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
	}
	_, ok := credentialWords[string(word)]
	return ok && len(word) > 0
}

// dataKeyNames are whole names that hold "key" but name keys of the data,
// never a credential: S3's listing parameters, CouchDB's range keys, sort
// and primary keys. Shown as they are, a listing's URL stays readable.
var dataKeyNames = map[string]struct{}{
	"maxkeys": {}, "keymarker": {}, "nextkeymarker": {}, "startkey": {}, "endkey": {}, "startkeydocid": {},
	"sortkey": {}, "primarykey": {}, "partitionkey": {}, "keyset": {}, "keyword": {}, "keywords": {},
}

// credentialParts mark a credential wherever they appear in a name.
var credentialParts = [][]byte{[]byte("token"), []byte("key"), []byte("secret"), []byte("signature"), []byte("password"), []byte("passwd"), []byte("passphrase"), []byte("credential"), []byte("authoriz"), []byte("cookie")}

// credentialWords mark a credential as whole words only: they are too short
// or too common to match inside other words (sig is Azure SAS's signature,
// appid OpenWeatherMap's key).
var credentialWords = map[string]struct{}{
	"auth": {}, "authentication": {}, "bearer": {}, "session": {}, "sessionid": {}, "pwd": {}, "pass": {},
	"jwt": {}, "appid": {}, "csrf": {}, "xsrf": {}, "sig": {}, "hmac": {}, "otp": {},
}

// jsonForms are s as it appears inside a JSON string: as Go and most
// encoders write it, with <, > and & escaped as Go does by default, and with
// / escaped as PHP does.
func jsonForms(s string) []string {
	var plain strings.Builder
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	html, _ := json.Marshal(s)
	var out []string
	for _, q := range []string{strings.TrimSuffix(plain.String(), "\n"), string(html)} {
		if len(q) >= 2 {
			q = q[1 : len(q)-1]
			out = append(out, q, strings.ReplaceAll(q, "/", `\/`))
		}
	}
	return out
}

func uniqueLongestFirst(values []string) []string {
	seen := map[string]struct{}{}
	var out []string
	for _, v := range values {
		if _, dup := seen[v]; v == "" || dup {
			continue
		}
		seen[v] = struct{}{}
		out = append(out, v)
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}
