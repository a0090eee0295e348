package demoapi

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// serveAuthorize is GET /oauth/authorize. There is no user to ask, so a
// valid request is approved at once: 302 to redirect_uri with a code and
// the state. Anything wrong is a 400 with a JSON error and no redirect, so a
// test sees the reason directly.
func (a *API) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeOAuthJSON(w, http.StatusMethodNotAllowed, errInvalidRequest("method "+r.Method+" not allowed, use GET"))
		return
	}
	q := r.URL.Query()
	target, oerr := a.oauth.checkAuthorize(q)
	if oerr != nil {
		writeOAuthJSON(w, oerr.status, oerr)
		return
	}
	code := a.oauth.newCode(a.now(), q.Get("redirect_uri"), q.Get("code_challenge"), q.Get("scope"))
	back := target.Query()
	back.Set("code", code)
	if q.Has("state") {
		back.Set("state", q.Get("state"))
	}
	target.RawQuery = back.Encode()
	h := w.Header()
	h.Set("Location", target.String())
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusFound)
}

// checkAuthorize validates an authorization request and returns where to
// send the client back to.
func (o *oauthServer) checkAuthorize(q url.Values) (*url.URL, *oauthError) {
	for _, p := range []string{"response_type", "client_id", "redirect_uri", "state", "scope", "code_challenge", "code_challenge_method"} {
		if len(q[p]) > 1 {
			return nil, errInvalidRequest("parameter " + p + " is given more than once")
		}
	}
	if !same(q.Get("client_id"), o.cfg.ClientID) {
		return nil, errInvalidRequest("unknown client_id")
	}
	if q.Get("redirect_uri") == "" {
		return nil, errInvalidRequest("redirect_uri is required")
	}
	target, err := loopbackRedirect(q.Get("redirect_uri"))
	if err != nil {
		return nil, errInvalidRequest(err.Error())
	}
	if rt := q.Get("response_type"); rt != "code" {
		return nil, &oauthError{http.StatusBadRequest, "unsupported_response_type", fmt.Sprintf("response_type must be code, got %q", rt)}
	}
	if q.Get("code_challenge") == "" {
		return nil, errInvalidRequest("PKCE is required: send code_challenge and code_challenge_method=S256")
	}
	if m := q.Get("code_challenge_method"); m != "S256" {
		return nil, errInvalidRequest(fmt.Sprintf("code_challenge_method must be S256, got %q", m))
	}
	if !validPKCEString(q.Get("code_challenge")) {
		return nil, errInvalidRequest("code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~")
	}
	return target, nil
}

// loopbackHosts are the only redirect hosts accepted: a native app's
// loopback listener (RFC 8252 7.3), never a host that could leak the code.
var loopbackHosts = map[string]bool{"127.0.0.1": true, "localhost": true, "::1": true}

// loopbackRedirect parses raw and insists it is http://LOOPBACK[:PORT]/...
func loopbackRedirect(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("redirect_uri %q is not a URL", raw)
	}
	switch {
	case u.Scheme != "http" || u.Opaque != "" || !loopbackHosts[u.Hostname()]:
		return nil, fmt.Errorf("redirect_uri %q is not a loopback address: use http://127.0.0.1:PORT/, http://localhost:PORT/ or http://[::1]:PORT/", raw)
	case u.User != nil:
		return nil, fmt.Errorf("redirect_uri %q must not carry user information", raw)
	case strings.Contains(raw, "#"):
		return nil, fmt.Errorf("redirect_uri %q must not have a fragment", raw)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("redirect_uri %q has port %q, want 1 to 65535", raw, p)
		}
	}
	return u, nil
}
