package transport

import (
	"net/http"
	"net/url"
	"strings"
	"sync"

	"siphon/ingest/httphdr"
	"siphon/ingest/redact"
	"siphon/ingest/spec"
)

// ShownRequest is a page's request as sent, as the user is shown it (the
// page inspector, its curl command): redacted, references for values.
type ShownRequest struct {
	Method  string
	URL     string
	Headers map[string]string
	Body    string // the JSON body sent with a POST, redacted and cut
}

// ShownRequest is the request sent as method to redactedURL with the
// headers sent and body (cut to bodyBytes), every value that came from a
// reference in the profile shown as that reference ("X-Auth: ${XA}",
// "Authorization: Bearer ${TOKEN}") rather than REDACTED or its value.
func (g *Guard) ShownRequest(method, redactedURL string, sent http.Header, body []byte, bodyBytes int) ShownRequest {
	return g.ShownRequestWith(method, redactedURL, g.ShownSentHeaders(sent), body, bodyBytes)
}

// ShownSentHeaders are the headers sent as ShownRequest shows them, for a
// caller that keeps them while the same headers are sent again.
func (g *Guard) ShownSentHeaders(sent http.Header) map[string]string {
	headers := httphdr.Joined(g.red.Load().Header(sent))
	shown := g.ShownHeaders()
	for name := range headers {
		if text, ok := shown[strings.ToLower(name)]; ok {
			headers[name] = text
		}
	}
	return headers
}

// ShownRequestWith is ShownRequest with the headers ShownSentHeaders gave.
func (g *Guard) ShownRequestWith(method, redactedURL string, headers map[string]string, body []byte, bodyBytes int) ShownRequest {
	req := ShownRequest{Method: method, URL: g.ShownURL(redactedURL), Headers: headers}
	if req.Method == "" {
		req.Method = http.MethodGet
	}
	if len(body) > 0 {
		req.Body = strings.TrimSuffix(g.red.Load().Cut(string(body), bodyBytes), redact.Ellipsis)
	}
	return req
}

// A request is shown (the page inspector, its curl command) with every
// value that came from a reference in the profile as that reference
// ("Authorization: Bearer ${TOKEN}"), not as REDACTED or its value.

// ShownHeaders maps lower-case header names to the text shown for them.
// The map is built once (the profile does not change under a client) and
// shared: callers only read it.
func (g *Guard) ShownHeaders() map[string]string {
	g.buildShown()
	return g.shown.headers
}

// shownRefs are the texts a request is shown with instead of its values,
// built once from the profile rather than for every page.
type shownRefs struct {
	once    sync.Once
	headers map[string]string // lower-case header name → shown text
	params  map[string]string // query parameter → shown text
}

func (g *Guard) buildShown() {
	g.shown.once.Do(func() { g.shown.headers, g.shown.params = g.shownHeaders(), g.shownParams() })
}

func (g *Guard) shownHeaders() map[string]string {
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
	g.buildShown()
	params := g.shown.params
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

func (g *Guard) shownParams() map[string]string {
	params := map[string]string{}
	for field, text := range g.cfg.ShownAs {
		if name, ok := strings.CutPrefix(field, "params."); ok {
			params[name] = text
		}
	}
	if a := g.cfg.Auth; a.Type == spec.AuthAPIKey && a.In == "query" && a.Value.Ref() != "" {
		params[a.Name] = a.Value.Ref()
	}
	return params
}
