package demoapi

import (
	"mime"
	"net/http"
	"net/url"
	"sort"
)

// Grant types the token endpoint accepts.
const (
	GrantClientCredentials = "client_credentials"
	GrantRefreshToken      = "refresh_token"
	GrantAuthorizationCode = "authorization_code"
)

// maxTokenRequest bounds a token request body; real ones are a few hundred bytes.
const maxTokenRequest = 64 << 10

// serveToken is POST /oauth/token (RFC 6749 section 3.2).
func (a *API) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeOAuthJSON(w, http.StatusMethodNotAllowed, errInvalidRequest("method "+r.Method+" not allowed, POST the token request"))
		return
	}
	form, oerr := readTokenForm(w, r)
	if oerr == nil {
		grant := form.Get("grant_type")
		a.stats.tokenRequest(grant)
		oerr = a.oauth.authenticateClient(r, form)
		if oerr == nil {
			var resp tokenResponse
			resp, oerr = a.grant(grant, form)
			if oerr == nil {
				writeOAuthJSON(w, http.StatusOK, resp)
				return
			}
		}
	}
	a.writeOAuthError(w, oerr)
}

// readTokenForm parses the form body, refusing other encodings and repeated
// parameters (RFC 6749 3.2 forbids them).
func readTokenForm(w http.ResponseWriter, r *http.Request) (url.Values, *oauthError) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, errInvalidRequest("send the token request as application/x-www-form-urlencoded, not " + quoteOrNone(r.Header.Get("Content-Type")))
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenRequest)
	if err := r.ParseForm(); err != nil {
		return nil, errInvalidRequest("cannot read the form body: " + err.Error())
	}
	names := make([]string, 0, len(r.PostForm))
	for name := range r.PostForm {
		names = append(names, name)
	}
	sort.Strings(names) // name the same parameter whatever the map order
	for _, name := range names {
		if len(r.PostForm[name]) > 1 {
			return nil, errInvalidRequest("parameter " + name + " is given more than once")
		}
	}
	return r.PostForm, nil // credentials in the URL query are not looked at
}

func quoteOrNone(s string) string {
	if s == "" {
		return "no Content-Type"
	}
	return `"` + s + `"`
}

// authenticateClient accepts the client's credentials as HTTP Basic
// (URL-encoded, RFC 6749 2.3.1) or as client_id/client_secret form fields,
// but not both at once.
func (o *oauthServer) authenticateClient(r *http.Request, form url.Values) *oauthError {
	id, secret := form.Get("client_id"), form.Get("client_secret")
	if user, pass, ok := r.BasicAuth(); ok {
		if form.Has("client_secret") {
			return errInvalidRequest("send the client secret once: in the Basic header or the form, not both")
		}
		user, pass = formUnescape(user), formUnescape(pass)
		if form.Has("client_id") && id != user {
			return errInvalidRequest("client_id in the form differs from the one in the Basic header")
		}
		id, secret = user, pass
	} else if !form.Has("client_id") {
		return errInvalidClient("no client credentials: send HTTP Basic or client_id and client_secret")
	}
	// Both compared, always, so timing tells nothing about which was wrong.
	idOK, secretOK := same(id, o.cfg.ClientID), same(secret, o.cfg.ClientSecret)
	if !idOK || !secretOK {
		return errInvalidClient("unknown client or wrong client secret")
	}
	return nil
}

// formUnescape undoes the form encoding clients apply to Basic credentials;
// a value that is not validly encoded is taken as it is.
func formUnescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// grant runs one grant type for an authenticated client.
func (a *API) grant(grant string, form url.Values) (tokenResponse, *oauthError) {
	now := a.now()
	switch grant {
	case GrantClientCredentials:
		return a.oauth.clientCredentials(now, form.Get("scope")), nil
	case GrantRefreshToken:
		if form.Get("refresh_token") == "" {
			return tokenResponse{}, errInvalidRequest("refresh_token is required for grant_type=refresh_token")
		}
		resp, err := a.oauth.refreshGrant(now, form.Get("refresh_token"))
		if err == nil {
			a.stats.count(&a.stats.refreshes)
		}
		return resp, err
	case GrantAuthorizationCode:
		for _, p := range []string{"code", "redirect_uri", "code_verifier"} {
			if form.Get(p) == "" {
				return tokenResponse{}, errInvalidRequest(p + " is required for grant_type=authorization_code")
			}
		}
		if !validPKCEString(form.Get("code_verifier")) {
			return tokenResponse{}, errInvalidRequest("code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~")
		}
		return a.oauth.redeemCode(now, form.Get("code"), form.Get("redirect_uri"), form.Get("code_verifier"))
	case "":
		return tokenResponse{}, errInvalidRequest("grant_type is required")
	}
	return tokenResponse{}, &oauthError{http.StatusBadRequest, "unsupported_grant_type",
		"grant_type must be " + GrantClientCredentials + ", " + GrantRefreshToken + " or " + GrantAuthorizationCode}
}
