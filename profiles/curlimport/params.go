package curlimport

import (
	"strings"

	"siphon/profiles"
)

// paginationParams are query parameters that usually page through results.
var paginationParams = set("page", "per_page", "perpage", "page_size", "pagesize", "limit", "offset",
	"cursor", "after", "before", "starting_after", "ending_before", "since_id", "max_id",
	"page_token", "pagetoken", "next_token", "nexttoken", "continuation", "skip", "top", "$top", "$skip")

// params carries the query over: the URL's, --url-query's and, with -G,
// the data's. An API key parameter becomes auth (unless a header took it);
// other credentials become variables.
func (b *builder) params(t target) {
	all := parseQuery(t.query, t.pos)
	for _, d := range b.req.urlQueries {
		if s, ok := b.dataText(d); ok {
			all = append(all, parseQuery(s, d.pos)...)
		}
	}
	all = append(all, b.dataQuery...)

	seen := map[string]bool{}
	var repeated, paging []string
	signed := false
	for _, q := range all {
		lower := strings.ToLower(q.key)
		switch {
		case q.key == "":
			b.note("dropped a query parameter with no name")
			continue
		case seen[q.key]:
			repeated = append(repeated, excerpt(q.key))
			continue
		}
		seen[q.key] = true
		if strings.Contains(lower, "signature") || lower == "sig" {
			signed = true
		}
		if paginationParams[lower] {
			paging = append(paging, q.key)
		}
		switch {
		case isAPIKeyName(q.key) && b.p.auth.typ == "" && q.value != "" && profiles.ValidHeaderName(q.key): // auth.name must be a plain token
			b.p.auth = authSpec{typ: "api_key", name: q.key, in: "query",
				secret: b.reg.secret(q.pos, "API_KEY", "the API key from query parameter "+q.key, q.value)}
		case isSecretName(q.key, false) && q.value == "":
			b.note("dropped query parameter %s: it is empty, and a credential parameter must come from a variable", q.key)
		case isSecretName(q.key, false):
			ref := b.reg.secret(q.pos, q.key, "query parameter "+q.key, q.value)
			b.p.params = append(b.p.params, field{key: q.key, val: reference(ref)})
		default:
			b.p.params = append(b.p.params, field{key: q.key, val: b.plainText(q.pos, q.value, q.key, "query parameter "+q.key)})
		}
	}
	if len(repeated) > 0 {
		b.note("query parameters given more than once keep their first value (a profile holds one per name): %s", strings.Join(repeated, ", "))
	}
	if signed {
		b.note("the URL looks signed: signatures expire, so this profile may work only until the signature does")
	}
	if len(paging) > 0 {
		b.note("query parameters that look like pagination: %s; siphon probe helps set pagination up, then remove them from params", strings.Join(paging, ", "))
	}
}
