package ingest

import (
	"net/http"
	"strings"

	"siphon/ingest/httphdr"
	"siphon/ingest/redact"
)

// shownRequest is a page's request as the user is shown it (the page
// inspector, its curl command): redacted, with every value that came from
// a reference in the profile shown as that reference ("X-Auth: ${XA}",
// "Authorization: Bearer ${TOKEN}") rather than REDACTED or its value.
func (c *Client) shownRequest(method, redactedURL string, sent http.Header, body []byte) PageRequest {
	red := c.redact()
	headers := httphdr.Joined(red.Header(sent))
	shown := c.guard.ShownHeaders()
	for name := range headers {
		if text, ok := shown[strings.ToLower(name)]; ok {
			headers[name] = text
		}
	}
	req := PageRequest{Method: method, URL: c.guard.ShownURL(redactedURL), Headers: headers}
	if req.Method == "" {
		req.Method = http.MethodGet
	}
	if len(body) > 0 {
		req.Body = strings.TrimSuffix(red.Cut(string(body), BodyPreviewBytes), redact.Ellipsis)
	}
	return req
}
