package curlimport

import (
	"encoding/base64"
	"slices"
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
	case r.sigv4 != nil:
		b.sigv4(t)
		used = r.sigv4.opt
		if len(authz) > 0 {
			b.note("dropped the Authorization header: %s signs the request", used)
		}
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
		if other != nil && other.opt != used && !(r.sigv4 != nil && other == r.user) {
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

// sigv4 reads --aws-sigv4 "aws:amz[:REGION[:SERVICE]]" and the keys of -u
// KEY:SECRET: auth aws_sigv4 with the keys as references (none: the
// standard AWS chain), the region and service from the option or else
// the host (SERVICE.REGION.amazonaws.com), and x-amz-security-token as the
// session token.
func (b *builder) sigv4(t target) {
	r := b.req
	parts := strings.Split(r.sigv4.text, ":")
	a := authSpec{typ: "aws_sigv4"}
	if len(parts) > 2 {
		a.region = parts[2]
	}
	if len(parts) > 3 {
		a.service = parts[3]
	}
	if a.region == "" || a.service == "" {
		service, region := awsHost(t.host)
		a.region = cmpOr(a.region, region)
		a.service = cmpOr(a.service, service)
	}
	if a.service == "" {
		a.service = "execute-api"
		b.note("%s names no service and the host does not say: set auth.service (now execute-api)", r.sigv4.opt)
	}
	if a.region == "" {
		b.note("%s names no region and the host does not say: set auth.region, or AWS_REGION", r.sigv4.opt)
	}
	if r.user != nil {
		id, secret, _ := strings.Cut(r.user.text, ":")
		if id != "" {
			a.keyID = b.reg.secret(r.user.pos, "AWS_ACCESS_KEY_ID", "the AWS access key ID from "+r.user.opt, id)
		}
		if secret != "" {
			a.secret = b.reg.secret(r.user.pos, "AWS_SECRET_ACCESS_KEY", "the AWS secret access key from "+r.user.opt, secret)
		} else if id != "" {
			a.secret = b.reg.missing(r.user.pos, "AWS_SECRET_ACCESS_KEY", "the AWS secret access key: "+r.user.opt+" gives only the key ID")
		}
	} else {
		b.note("%s without -u KEY:SECRET: the credentials come from the standard AWS chain (AWS_ACCESS_KEY_ID, shared files, roles)", r.sigv4.opt)
	}
	var kept []header
	for _, h := range r.headers {
		switch strings.ToLower(h.name) {
		case "x-amz-security-token":
			if h.value != "" {
				a.sessionToken = b.reg.secret(h.pos, "AWS_SESSION_TOKEN", "the AWS session token from the x-amz-security-token header", h.value)
			}
		case "x-amz-date", "x-amz-content-sha256":
			// the signer sets them on every request
		default:
			kept = append(kept, h)
		}
	}
	r.headers = kept
	b.p.auth = a
}

// awsHost reads SERVICE.REGION.amazonaws.com (BUCKET.s3.REGION... for
// S3, whose older hosts write s3-REGION).
func awsHost(host string) (service, region string) {
	labels := strings.Split(strings.ToLower(host), ".")
	i := slices.Index(labels, "amazonaws")
	if i < 1 {
		return "", ""
	}
	if r, ok := strings.CutPrefix(labels[i-1], "s3-"); ok {
		return "s3", r
	}
	if i < 2 {
		return "", ""
	}
	return labels[i-2], labels[i-1]
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
