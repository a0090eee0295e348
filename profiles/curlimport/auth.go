package curlimport

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"
)

// chooseAuth takes the credentials in curl's order of precedence: an
// Authorization header, then --oauth2-bearer, then -u, then a user:password
// in the URL. The others are dropped with a note.
func (b *builder) chooseAuth(t target) {
	r := b.req
	var authz []header
	for _, h := range r.headers {
		if strings.EqualFold(h.name, "Authorization") {
			authz = append(authz, h)
		}
	}
	used := ""
	switch {
	case len(authz) > 0:
		if len(authz) > 1 {
			b.note("the command has %d Authorization headers: kept the last", len(authz))
		}
		b.authorization(authz[len(authz)-1])
		used = "the Authorization header"
	case r.bearer != nil:
		b.bearer(r.bearer.pos, r.bearer.text, r.bearer.opt)
		used = r.bearer.opt
	case r.user != nil:
		user, pass, hasColon := strings.Cut(r.user.text, ":")
		b.basic(r.user.pos, user, pass, hasColon, "", r.user.opt)
		used = r.user.opt
	case t.userinfo != "":
		user, pass, hasColon := strings.Cut(t.userinfo, ":")
		b.basic(t.pos, unescapeQuery(user), unescapeQuery(pass), hasColon, "", "the URL")
		return
	default:
		return
	}
	for _, other := range []*value{r.bearer, r.user} {
		if other != nil && other.opt != used {
			b.note("dropped %s: %s takes precedence, as in curl", other.opt, used)
		}
	}
	if t.userinfo != "" {
		b.note("dropped the user:password in the URL: %s takes precedence, as in curl", used)
	}
}

// authorization reads an Authorization header: Bearer and Basic become
// auth, any other scheme stays a header with the credential in a variable.
func (b *builder) authorization(h header) {
	if hasControl(h.value) {
		b.note("dropped the Authorization header: its value holds control characters")
		return
	}
	scheme, cred, _ := strings.Cut(strings.TrimSpace(h.value), " ")
	cred = strings.TrimSpace(cred)
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		b.bearer(h.pos, cred, "the Authorization header")
	case strings.EqualFold(scheme, "Basic") && cred != "":
		decoded, err := decodeBase64(cred)
		user, pass, hasColon := strings.Cut(string(decoded), ":")
		if err != nil || !hasColon || hasControl(string(decoded)) || !utf8.Valid(decoded) {
			ref := b.reg.secret(h.pos, "BASIC_AUTH", "HTTP Basic credentials (base64 of user:password) from the Authorization header", cred)
			b.p.headers = append(b.p.headers, field{key: h.name, val: text{{lit: "Basic "}, {ref: ref}}})
			return
		}
		b.basic(h.pos, user, pass, true, cred, "the Authorization header")
	case cred == "":
		ref := b.reg.secret(h.pos, "AUTHORIZATION", "the Authorization header's value", h.value)
		b.p.headers = append(b.p.headers, field{key: h.name, val: reference(ref)})
	default: // Token abc, Digest ..., a scheme profiles do not know
		ref := b.reg.secret(h.pos, "TOKEN", "the credential of the Authorization header ("+excerpt(scheme)+" scheme)", cred)
		val := b.plainText(h.pos, scheme+" ", "AUTH_SCHEME", "the Authorization header's scheme")
		b.p.headers = append(b.p.headers, field{key: h.name, val: append(val, piece{ref: ref})})
	}
}

// bearer sets bearer auth.
func (b *builder) bearer(pos int, token, from string) {
	if token == "" {
		b.note("dropped the bearer token from %s: it is empty", from)
		return
	}
	b.p.auth = authSpec{typ: "bearer", secret: b.reg.secret(pos, "TOKEN", "the bearer token from "+from, token)}
}

// basic sets basic auth from a user and password. encoded is the base64
// form when the command had it (an Authorization: Basic header).
func (b *builder) basic(pos int, user, pass string, hasColon bool, encoded, from string) {
	switch {
	case user != "" && pass != "":
		b.p.auth = authSpec{typ: "basic", username: b.plainText(pos, user, "USER", "the user name of "+from),
			secret: b.reg.secret(pos, "PASSWORD", "the password for HTTP Basic auth, from "+from, pass)}
	case user != "" && !hasColon:
		b.p.auth = authSpec{typ: "basic", username: b.plainText(pos, user, "USER", "the user name of "+from),
			secret: b.reg.missing(pos, "PASSWORD", "the password for HTTP Basic auth: "+from+" gives only the user, and curl would have asked for it")}
	case user == "" && pass == "":
		b.note("dropped the empty credentials of %s", from)
	default:
		// One half is empty, so the other is the key (Stripe's -u sk_test_...:).
		// A profile's username is plain text, so send the whole header instead.
		why := "HTTP Basic credentials (base64 of user:password) from " + from + ", whose user name is a key"
		var ref *secretRef
		switch {
		case encoded != "":
			ref = b.reg.secret(pos, "BASIC_AUTH", why, encoded)
		case hasExpansion(user + pass):
			ref = b.reg.missing(pos, "BASIC_AUTH", why+"; set it to the output of: printf '%s' \""+shellForm(user+":"+pass)+"\" | base64")
		default:
			ref = b.reg.secret(pos, "BASIC_AUTH", why, base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
		}
		b.p.headers = append(b.p.headers, field{key: "Authorization", val: text{{lit: "Basic "}, {ref: ref}}})
		b.note("%s has an empty user or password: sent as an Authorization: Basic header with the encoded credentials in a variable, since a profile's username is not secret", from)
	}
}

// decodeBase64 accepts padded and unpadded, standard and URL-safe base64.
func decodeBase64(s string) ([]byte, error) {
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		var out []byte
		if out, err = enc.DecodeString(s); err == nil {
			return out, nil
		}
	}
	return nil, err
}

// hasControl reports control characters other than tab, which a header
// value cannot carry.
func hasControl(s string) bool {
	for _, r := range s {
		if (r < ' ' && r != '\t') || r == 0x7f {
			return true
		}
	}
	return false
}
