package transport

import (
	"net/url"
	"strings"

	"siphon/ingest/spec"
)

// A request is shown (the page inspector, its curl command) with every
// value that came from a reference in the profile as that reference
// ("Authorization: Bearer ${TOKEN}"), not as REDACTED or its value.

// ShownHeaders maps lower-case header names to the text shown for them.
func (g *Guard) ShownHeaders() map[string]string {
	out := map[string]string{}
	for field, text := range g.cfg.ShownAs {
		if name, ok := strings.CutPrefix(field, "headers."); ok {
			out[strings.ToLower(name)] = text
		}
	}
	a := g.cfg.Auth
	switch {
	case a.Type == spec.AuthBearer && a.Token.Ref() != "":
		out["authorization"] = "Bearer " + a.Token.Ref()
	case a.Type == spec.AuthAPIKey && a.In != "query" && a.Value.Ref() != "":
		out[strings.ToLower(a.Name)] = a.Value.Ref()
	}
	return out
}

// ShownURL puts references back into the query of a redacted URL.
func (g *Guard) ShownURL(redactedURL string) string {
	params := map[string]string{}
	for field, text := range g.cfg.ShownAs {
		if name, ok := strings.CutPrefix(field, "params."); ok {
			params[name] = text
		}
	}
	if a := g.cfg.Auth; a.Type == spec.AuthAPIKey && a.In == "query" && a.Value.Ref() != "" {
		params[a.Name] = a.Value.Ref()
	}
	if len(params) == 0 {
		return redactedURL
	}
	u, err := url.Parse(redactedURL)
	if err != nil || u.RawQuery == "" {
		return redactedURL
	}
	parts := strings.Split(u.RawQuery, "&")
	for i, part := range parts {
		key, _, _ := strings.Cut(part, "=")
		name, err := url.QueryUnescape(key)
		if err != nil {
			continue
		}
		if text, ok := params[name]; ok {
			// The reference stays readable: ${VAR} is not escaped.
			parts[i] = key + "=" + text
		}
	}
	u.RawQuery = strings.Join(parts, "&")
	return u.String()
}
