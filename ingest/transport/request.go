package transport

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"siphon/ingest/spec"
)

// The request a page sends is built here in one pass over the profile,
// once per attempt: every page of a run pays for it, so it takes no more
// than the request itself needs.

// defaultUserAgent is sent unless the profile names its own User-Agent.
const defaultUserAgent = "siphon"

// publicHeaders are the profile's headers that any destination may see,
// canonical names, User-Agent filled in: the base of every request.
func (g *Guard) publicHeaders() http.Header {
	h := http.Header{}
	for k, v := range g.cfg.Headers {
		if !g.secrets.headers[http.CanonicalHeaderKey(k)] {
			h[http.CanonicalHeaderKey(k)] = []string{v}
		}
	}
	if _, ok := h["User-Agent"]; !ok {
		h["User-Agent"] = []string{defaultUserAgent}
	}
	return h
}

// Outgoing is a request as the profile's rules dress it, for the HTTP
// client to send (resty, in the run).
type Outgoing struct {
	Method string
	URL    string
	Header http.Header // Host, when set, names the virtual host
	Body   []byte      // a POST's JSON; nil: none
}

// Dress builds what a request for u carries: the profile's public
// headers; when u is base_url's origin (secrets, from Destination), its
// secret headers and credentials, and extra (pagination.next.headers,
// which may hold ${VAR}s); body, a POST's JSON, with its Content-Type.
// The profile's own headers give way to the request's; Authorization from
// the auth type wins over both. An error is the credential's (see Token).
// text is u as a string when the caller has it ("": Dress makes it).
func (g *Guard) Dress(ctx context.Context, method string, u *url.URL, text string, body []byte, extra map[string]string, secrets bool) (Outgoing, error) {
	a := g.cfg.Auth
	target := *u
	if secrets && a.Type == spec.AuthAPIKey && a.In == "query" {
		text = "" // the key goes into the query: made anew below
		q := url.Values{a.Name: {a.Value.Reveal()}}.Encode()
		if target.RawQuery == "" {
			target.RawQuery = q
		} else {
			target.RawQuery += "&" + q
		}
	}
	h := make(http.Header, len(g.public)+4)
	for k, v := range g.public {
		h[k] = v // shared, never changed in place: a change sets a new slice
	}
	var token, cookie string
	var err error
	if secrets {
		for k, v := range g.cfg.Headers {
			if g.secrets.headers[http.CanonicalHeaderKey(k)] {
				h.Set(k, v)
			}
		}
		switch a.Type {
		case spec.AuthAPIKey:
			if a.In != "query" {
				h.Set(a.Name, a.Value.Reveal())
			}
		case spec.AuthBearer:
			token = a.Token.Reveal()
		case spec.AuthOAuth2:
			if token, err = g.tokens.Token(ctx, false); err != nil {
				return Outgoing{}, err
			}
		case spec.AuthLogin:
			tok, err := g.session.Token(ctx, false)
			if err != nil {
				return Outgoing{}, err
			}
			if a.Cookie != "" {
				cookie = tok
			} else {
				h.Set(a.Header, a.Prefix+tok)
			}
		}
		// aws_sigv4 and hmac sign in the round tripper (Signer), last.
		for k, v := range extra {
			h.Set(k, v)
		}
	}
	if len(body) > 0 {
		h.Set("Content-Type", "application/json")
	}
	if strings.TrimSpace(h.Get("User-Agent")) == "" {
		h.Set("User-Agent", defaultUserAgent) // the profile's is a secret one, and u another origin
	}
	if ct := h.Get("Content-Type"); strings.TrimSpace(h.Get("Accept")) == "" && ct != "" && (jsonType.MatchString(ct) || xmlType.MatchString(ct)) {
		h.Set("Accept", ct) // ask for what the body is
	}
	// net/http's own helpers write into h through a request that only
	// lends them the header: the encoding and the cookie's sanitising
	// stay Go's.
	hr := http.Request{Header: h}
	switch {
	case secrets && a.Type == spec.AuthBasic:
		hr.SetBasicAuth(a.Username, a.Password.Reveal())
	case token != "":
		h.Set("Authorization", strings.TrimSpace("Bearer "+token))
	}
	if cookie != "" {
		hr.AddCookie(&http.Cookie{Name: a.Cookie, Value: cookie}) // beside the profile's
	}
	if len(body) == 0 {
		body = nil
	}
	if text == "" {
		text = target.String()
	}
	return Outgoing{Method: method, URL: text, Header: h, Body: body}, nil
}

// jsonType and xmlType are the Content-Types a request asks back for.
var (
	jsonType = regexp.MustCompile(`(?i:(application|text)/(.*json.*)(;|$))`)
	xmlType  = regexp.MustCompile(`(?i:(application|text)/(.*xml.*)(;|$))`)
)
