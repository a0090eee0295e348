package ingest

import (
	"net/http"
	"net/url"
	"strings"

	"siphon/ingest/httphdr"
	"siphon/ingest/redact"
	"siphon/ingest/spec"
)

// shownRequest is a page's request as the user is shown it (the page
// inspector, its curl command): redacted, with every value that came from
// a reference in the profile shown as that reference ("X-Auth: ${XA}",
// "Authorization: Bearer ${TOKEN}") rather than REDACTED or its value.
func (c *Client) shownRequest(method, redactedURL string, sent http.Header, body []byte) PageRequest {
	red := c.redact()
	headers := httphdr.Joined(red.Header(sent))
	shown := c.shownHeaders()
	for name := range headers {
		if text, ok := shown[strings.ToLower(name)]; ok {
			headers[name] = text
		}
	}
	req := PageRequest{Method: method, URL: c.shownURL(redactedURL), Headers: headers}
	if req.Method == "" {
		req.Method = http.MethodGet
	}
	if len(body) > 0 {
		req.Body = strings.TrimSuffix(red.Cut(string(body), BodyPreviewBytes), redact.Ellipsis)
	}
	return req
}

// shownHeaders maps lower-case header names to the text shown for them.
func (c *Client) shownHeaders() map[string]string {
	out := map[string]string{}
	for field, text := range c.cfg.ShownAs {
		if name, ok := strings.CutPrefix(field, "headers."); ok {
			out[strings.ToLower(name)] = text
		}
	}
	a := c.cfg.Auth
	switch {
	case a.Type == spec.AuthBearer && a.Token.Ref() != "":
		out["authorization"] = "Bearer " + a.Token.Ref()
	case a.Type == spec.AuthAPIKey && a.In != "query" && a.Value.Ref() != "":
		out[strings.ToLower(a.Name)] = a.Value.Ref()
	}
	return out
}

// shownURL puts references back into the query of a redacted URL.
func (c *Client) shownURL(redactedURL string) string {
	params := map[string]string{}
	for field, text := range c.cfg.ShownAs {
		if name, ok := strings.CutPrefix(field, "params."); ok {
			params[name] = text
		}
	}
	if a := c.cfg.Auth; a.Type == spec.AuthAPIKey && a.In == "query" && a.Value.Ref() != "" {
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
