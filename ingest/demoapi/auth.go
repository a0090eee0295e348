package demoapi

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// APIKeyHeader and APIKeyParam are where the API looks for its API key.
const (
	APIKeyHeader = "X-API-Key"
	APIKeyParam  = "api_key"
	authRealm    = "siphon-demo"
)

func (a *API) authRequired() bool {
	return a.opts.Auth != (Auth{}) || a.oauth != nil || a.sessions != nil || a.opts.HMAC != nil
}

func (a *API) basicConfigured() bool {
	return a.opts.Auth.BasicUser != "" || a.opts.Auth.BasicPass != ""
}

// authorized reports whether r carries any one of the configured credentials.
func (a *API) authorized(r *http.Request) bool {
	if !a.authRequired() {
		return true
	}
	if a.opts.HMAC != nil {
		// A signature is required whatever else is sent.
		if ok, _ := a.hmacAuthorized(r); !ok {
			return false
		}
		if a.opts.Auth == (Auth{}) && a.oauth == nil && a.sessions == nil {
			return true
		}
	}
	if a.sessions != nil && a.sessionAuthorized(r) {
		return true
	}
	au := a.opts.Auth
	if au.APIKey != "" {
		if same(r.Header.Get(APIKeyHeader), au.APIKey) || same(r.URL.Query().Get(APIKeyParam), au.APIKey) {
			return true
		}
	}
	if au.BearerToken != "" && same(bearerToken(r), au.BearerToken) {
		return true
	}
	if a.basicConfigured() {
		user, pass, ok := r.BasicAuth()
		if ok && same(user, au.BasicUser) && same(pass, au.BasicPass) {
			return true
		}
	}
	return a.oauth != nil && a.oauth.validAccess(bearerToken(r), a.now())
}

// bearerToken returns the token of an Authorization: Bearer header, or "".
func bearerToken(r *http.Request) string {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// same compares credentials in constant time.
func same(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// challenge names the accepted schemes, as a 401 should. With OAuth, a
// request that sent a bearer token learns it is invalid_token (RFC 6750
// 3.1), the cue to refresh; one that sent none gets no error code.
func (a *API) challenge(h http.Header, r *http.Request) {
	if a.opts.Auth.BearerToken != "" || a.oauth != nil {
		c := `Bearer realm="` + authRealm + `"`
		if a.oauth != nil && bearerToken(r) != "" {
			c += `, error="invalid_token", error_description="the access token is unknown, expired or revoked"`
		}
		h.Add("WWW-Authenticate", c)
	}
	if a.basicConfigured() {
		h.Add("WWW-Authenticate", `Basic realm="`+authRealm+`"`)
	}
}

// authHint tells a refused client what it could send, never the values.
func (a *API) authHint() string {
	var ways []string
	if a.opts.Auth.APIKey != "" {
		ways = append(ways, "an "+APIKeyHeader+" header or "+APIKeyParam+" query parameter")
	}
	if a.opts.Auth.BearerToken != "" {
		ways = append(ways, "a bearer token")
	}
	if a.basicConfigured() {
		ways = append(ways, "basic credentials")
	}
	if a.oauth != nil {
		ways = append(ways, "an access token from "+TokenPath+" as Authorization: Bearer")
	}
	if a.sessions != nil {
		ways = append(ways, "a session token from POST "+LoginPath+" (expired after a few requests: log in again)")
	}
	if a.opts.HMAC != nil {
		ways = append(ways, "an HMAC-SHA256 signature in "+a.opts.HMAC.Header+" with "+a.opts.HMAC.TimestampHeader)
	}
	return "send " + strings.Join(ways, " or ")
}
