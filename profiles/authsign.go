package profiles

import (
	"bytes"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"siphon/ingest/spec"
)

// The keys of auth types aws_sigv4, hmac and login that the kinds alone
// do not read: the login request's headers and body, whose secrets are
// references like any other, and the rules across the auth keys.

// decodeLoginHeaders reads auth.login.headers: credential-named headers
// only as references, their values kept as the login's secrets.
func decodeLoginHeaders(d *decoder, e entry, p *Profile) bool {
	out := map[string]string{}
	for _, kv := range d.mapping(e.val, e.field) {
		if !validHeaderName(kv.key) {
			d.at(kv.keyNode, kv.field, "invalid header name: expected letters, digits and !#$%%&'*+-.^_`|~")
			continue
		}
		var v string
		ok := false
		if isSensitiveName(kv.key) {
			var secrets []spec.Secret
			var written string
			v, secrets, written, ok = d.sensitiveValue(kv.val, kv.field, kv.key)
			if ok {
				p.Config.Auth.Login.Secrets = append(p.Config.Auth.Login.Secrets, secrets...)
				p.sensitive["auth.login.headers."+kv.key] = written
			}
		} else {
			v, ok = d.text(kv.val, kv.field)
		}
		if !ok {
			continue
		}
		if strings.ContainsAny(v, "\r\n") {
			d.at(deref(kv.val), kv.field, "a header value must not contain a line break")
			continue
		}
		out[kv.key] = v
	}
	p.Config.Auth.Login.Headers = nilIfEmpty(out)
	return true
}

func writeLoginHeaders(f formatter, c *spec.Config) *yaml.Node {
	return f.values("auth.login.headers.", c.Auth.Login.Headers)
}

// decodeLoginBody reads auth.login.body: JSON (or a form, by the
// Content-Type header) whose every string from a reference is a secret,
// however short, and whose credential-named fields must be references.
func decodeLoginBody(d *decoder, e entry, p *Profile) bool {
	if isNull(e.val) {
		return false
	}
	var buf bytes.Buffer
	w := jsonWriter{d: d, buf: &buf, root: e.field, secrets: &p.Config.Auth.Login.Secrets}
	if !w.value(deref(e.val), e.field, 0) {
		return false
	}
	p.Config.Auth.Login.Body = buf.Bytes()
	return true
}

func writeLoginBody(f formatter, c *spec.Config) *yaml.Node {
	return f.bodyAt(c.Auth.Login.Body, "auth.login.body")
}

// secretText reads a string of the login body: a file:PATH or cmd:COMMAND
// reference, text with ${VAR}s (each value a secret), or plain text where
// the field's name is not a credential's.
func (w *jsonWriter) secretText(n *yaml.Node, field string) (string, bool) {
	d := w.d
	keep := func(s spec.Secret) (string, bool) {
		*w.secrets = append(*w.secrets, s)
		d.written[field] = asWritten{text: n.Value, value: s.Reveal()}
		if d.skipSecrets {
			return s.Ref(), true
		}
		return s.Reveal(), true
	}
	if path, ok := strings.CutPrefix(n.Value, "file:"); ok {
		s, ok := d.fileSecret(n, field, path, false)
		if !ok {
			return "", false
		}
		return keep(s)
	}
	if command, ok := strings.CutPrefix(n.Value, "cmd:"); ok {
		s, ok := d.cmdSecret(n, field, command)
		if !ok {
			return "", false
		}
		return keep(s)
	}
	segs, err := parseTemplate(n.Value)
	if err != nil {
		d.at(n, field, "%v", err)
		return "", false
	}
	var out strings.Builder
	refs := false
	for _, sg := range segs {
		if sg.name == "" {
			out.WriteString(sg.text)
			continue
		}
		refs = true
		d.sends(field, sg.text)
		if d.skipSecrets {
			out.WriteString(sg.text)
			continue
		}
		v, ok := d.lookupEnv(sg.name)
		if !ok && sg.hasDef {
			v, ok = sg.def, true
		}
		if !ok {
			d.at(n, field, "environment variable %s is not set", sg.name)
			return "", false
		}
		if v == "" {
			d.at(n, field, "environment variable %s is empty", sg.name)
			return "", false
		}
		*w.secrets = append(*w.secrets, spec.NewSecret(sg.text, v))
		out.WriteString(v)
	}
	if !refs && isSensitiveName(leafKey(field)) {
		d.literalSecret(n, field, leafKey(field))
		return "", false
	}
	if refs {
		d.written[field] = asWritten{text: n.Value, value: out.String()}
	}
	return out.String(), true
}

func decodeLoginMethod(d *decoder, e entry, p *Profile) bool {
	m, ok := d.text(e.val, e.field)
	if !ok {
		return false
	}
	p.Config.Auth.Login.Method = strings.ToUpper(m)
	if !slices.Contains(lookupField(e.field).options, p.Config.Auth.Login.Method) {
		d.at(e.val, e.field, "expected GET or POST, got %q", m)
		return false
	}
	return true
}

// hmacPlaceholder finds {name} in a signing template.
var hmacPlaceholder = regexp.MustCompile(`\{([a-z_]+)\}`)

var hmacPlaceholders = []string{"method", "path", "query", "target", "body", "timestamp"}

// checkAuth applies the rules across auth's keys.
func checkAuth(d *decoder, c *spec.Config) {
	a := &c.Auth
	given := func(key string) (entry, bool) {
		e, ok := d.entries[key]
		return e, ok && !isNull(e.val)
	}
	switch a.Type {
	case spec.AuthLogin:
		tp, hasPath := given("auth.token_path")
		if _, hasCookie := given("auth.cookie"); hasPath && hasCookie {
			d.at(tp.keyNode, tp.field, "give token_path (the token is in the login's JSON answer) or cookie (the login sets it), not both")
		}
		if _, hasPrefix := given("auth.prefix"); !hasPrefix && a.Cookie == "" && (a.Header == "" || strings.EqualFold(a.Header, "Authorization")) {
			a.Prefix = "Bearer "
		}
		if e, ok := given("auth.login"); ok && deref(e.val).Kind == yaml.MappingNode {
			if _, hasPath := given("auth.login.path"); !hasPath {
				d.at(deref(e.val), "auth.login.path", "required: where the login request goes, joined to base_url")
			}
		}
	case spec.AuthSigV4:
		id, hasID := given("auth.access_key_id")
		sec, hasSecret := given("auth.secret_access_key")
		switch {
		case hasID && !hasSecret:
			d.at(id.keyNode, id.field, "access_key_id needs secret_access_key too (or give neither: the standard AWS chain)")
		case hasSecret && !hasID:
			d.at(sec.keyNode, sec.field, "secret_access_key needs access_key_id too (or give neither: the standard AWS chain)")
		}
	case spec.AuthHMAC:
		if e, ok := given("auth.sign"); ok {
			for _, m := range hmacPlaceholder.FindAllStringSubmatch(a.Sign, -1) {
				if !slices.Contains(hmacPlaceholders, m[1]) {
					d.at(deref(e.val), e.field, "unknown placeholder {%s}; the signed text may hold {%s}", m[1], strings.Join(hmacPlaceholders, "}, {"))
				}
			}
		}
	}
}
