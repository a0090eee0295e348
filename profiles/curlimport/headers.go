package curlimport

import (
	"maps"
	"siphon/profiles"
	"slices"
	"strings"
)

// Headers a profile leaves out, each group with its reason.
var (
	// Sent by browsers about themselves; APIs do not need them. Older
	// Chrome copies HTTP/2 pseudo-headers too, without their colon.
	browserOnly = func(name string) bool {
		return strings.HasPrefix(name, "sec-") || slices.Contains([]string{
			"priority", "upgrade-insecure-requests", "dnt", "pragma", "cache-control",
			"authority", "method", "path", "scheme",
		}, name)
	}
	// They would make the server answer 304 Not Modified, with no records.
	conditional = set("if-none-match", "if-modified-since", "if-match", "if-unmodified-since", "if-range")
	// Go's HTTP client sets these itself; a copied Accept-Encoding (br,
	// zstd) would leave bodies that cannot be decoded.
	transport = set("host", "content-length", "connection", "keep-alive", "transfer-encoding", "te",
		"upgrade", "expect", "accept-encoding", "proxy-connection", "trailer")
)

// headers carries the command's headers over: credentials become auth or
// variables, the rest stays as written, and noise is dropped with a note.
func (b *builder) headers() {
	dropped := map[string][]string{}
	drop := func(why, name string) { dropped[why] = append(dropped[why], name) }
	for _, h := range b.mergedHeaders() {
		lower := strings.ToLower(h.name)
		switch {
		case lower == "authorization": // taken by chooseAuth
		case !profiles.ValidHeaderName(h.name):
			b.note("dropped header %q: not a valid header name", excerpt(h.name))
		case browserOnly(lower):
			drop("browser-only headers", h.name)
		case conditional[lower]:
			drop("conditional headers (the server would answer 304, with no records)", h.name)
		case transport[lower]:
			drop("headers Go's HTTP client sets itself", h.name)
		case lower == "content-type" && b.p.body == nil:
			drop("headers about a body that is not sent", h.name)
		case lower == "proxy-authorization":
			b.note("dropped the Proxy-Authorization header: siphon takes a proxy, with its credentials, from HTTPS_PROXY")
		case hasControl(h.value):
			b.note("dropped header %s: its value holds control characters", h.name)
		case isAPIKeyName(h.name) && b.p.auth.typ == "" && h.value != "":
			b.p.auth = authSpec{typ: "api_key", name: h.name, in: "header",
				secret: b.reg.secret(h.pos, "API_KEY", "the API key from the "+h.name+" header", h.value)}
		case isSecretName(h.name, true) && h.value == "":
			b.note("dropped header %s: it is empty, and a credential header must come from a variable", h.name)
		case isSecretName(h.name, true):
			ref := b.reg.secret(h.pos, h.name, "the "+h.name+" header", h.value)
			b.p.headers = append(b.p.headers, field{key: h.name, val: reference(ref)})
			if lower == "cookie" {
				b.note("the Cookie header comes from a variable: browser session cookies expire, so use an API token if the API has one")
			}
		default:
			b.p.headers = append(b.p.headers, field{key: h.name, val: b.plainText(h.pos, h.value, h.name, "the "+h.name+" header")})
		}
	}
	for _, why := range slices.Sorted(maps.Keys(dropped)) {
		b.note("dropped %s: %s", why, strings.Join(dropped[why], ", "))
	}
	if b.fromJSON && b.p.body != nil { // curl --json adds these unless given
		b.addHeaderIfMissing("Content-Type", "application/json")
		b.addHeaderIfMissing("Accept", "application/json")
	}
}

// mergedHeaders joins headers given more than once into one (a profile
// holds one value per name), as HTTP allows: with ", ", or "; " for Cookie.
// Authorization headers stay apart: chooseAuth keeps the last.
func (b *builder) mergedHeaders() []header {
	var out []header
	var values [][]string // the non-empty values of each header in out
	index := map[string]int{}
	for _, h := range b.req.headers {
		lower := strings.ToLower(h.name)
		i, seen := index[lower]
		if !seen || lower == "authorization" {
			index[lower] = len(out)
			out = append(out, h)
			values = append(values, nil)
			i = len(out) - 1
		} else {
			b.note("merged the %s headers into one", h.name)
		}
		if h.value != "" {
			values[i] = append(values[i], h.value)
		}
	}
	for i := range out {
		sep := ", "
		if strings.EqualFold(out[i].name, "cookie") {
			sep = "; "
		}
		out[i].value = strings.Join(values[i], sep)
	}
	return out
}

func (b *builder) addHeaderIfMissing(name, val string) {
	for _, f := range b.p.headers {
		if strings.EqualFold(f.key, name) {
			return
		}
	}
	b.p.headers = append(b.p.headers, field{key: name, val: literal(val)})
}
