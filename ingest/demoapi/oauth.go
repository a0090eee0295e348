package demoapi

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"sync"
	"time"
)

// The OAuth2 endpoints, served when Options.OAuth is set.
const (
	TokenPath     = "/oauth/token"
	AuthorizePath = "/oauth/authorize"
)

// codeTTL is how long an authorization code may wait to be redeemed
// (RFC 6749 4.1.2 recommends at most 10 minutes).
const codeTTL = 5 * time.Minute

// oauthServer holds the tokens and codes the authorization server has
// issued. Tokens are opaque random strings; only this map gives them meaning.
type oauthServer struct {
	cfg OAuth

	mu            sync.Mutex
	access        map[string]accessGrant // access token -> grant
	refresh       map[string]string      // valid refresh token -> its scope
	latestRefresh string                 // the refresh token issued last
	codes         map[string]*authCode
}

type accessGrant struct {
	expires time.Time
	scope   string
}

// authCode is what /oauth/authorize promised; the token endpoint checks a
// redemption against it.
type authCode struct {
	redirectURI, challenge, scope string
	expires                       time.Time
	used                          bool
}

func newOAuthServer(cfg OAuth) *oauthServer {
	o := &oauthServer{
		cfg:     cfg,
		access:  make(map[string]accessGrant),
		refresh: make(map[string]string),
		codes:   make(map[string]*authCode),
	}
	if cfg.RefreshToken != "" {
		o.refresh[cfg.RefreshToken] = ""
		o.latestRefresh = cfg.RefreshToken
	}
	return o
}

// tokenResponse is a successful token endpoint answer (RFC 6749 5.1).
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

// newToken returns 26 random base32 characters (130 bits).
func newToken() string { return rand.Text() }

// issueLocked makes an access token, and a refresh token if asked. o.mu is held.
func (o *oauthServer) issueLocked(now time.Time, scope string, withRefresh bool) tokenResponse {
	for t, g := range o.access { // drop the dead so the map stays small
		if !now.Before(g.expires) {
			delete(o.access, t)
		}
	}
	ttl := o.cfg.TokenTTL
	resp := tokenResponse{
		AccessToken: newToken(),
		TokenType:   "Bearer",
		ExpiresIn:   int64((ttl + time.Second - 1) / time.Second), // ceiling, so 200ms says 1
		Scope:       scope,
	}
	o.access[resp.AccessToken] = accessGrant{expires: now.Add(ttl), scope: scope}
	if withRefresh {
		resp.RefreshToken = newToken()
		o.refresh[resp.RefreshToken] = scope
		o.latestRefresh = resp.RefreshToken
	}
	return resp
}

func (o *oauthServer) clientCredentials(now time.Time, scope string) tokenResponse {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.issueLocked(now, scope, false)
}

// refreshGrant redeems a refresh token. With RotateRefresh the token is
// spent and a new one comes back; otherwise it stays valid and the answer
// carries none (clients keep the one they have).
func (o *oauthServer) refreshGrant(now time.Time, token string) (tokenResponse, *oauthError) {
	o.mu.Lock()
	defer o.mu.Unlock()
	scope, ok := o.refresh[token]
	if !ok {
		return tokenResponse{}, errInvalidGrant("the refresh token is unknown or was rotated away")
	}
	if o.cfg.RotateRefresh {
		delete(o.refresh, token)
	}
	return o.issueLocked(now, scope, o.cfg.RotateRefresh), nil
}

// validAccess reports whether token is an unexpired, unrevoked access token.
func (o *oauthServer) validAccess(token string, now time.Time) bool {
	if token == "" {
		return false
	}
	o.mu.Lock()
	g, ok := o.access[token]
	o.mu.Unlock()
	return ok && now.Before(g.expires)
}

func (o *oauthServer) revokeAccess() {
	o.mu.Lock()
	clear(o.access)
	o.mu.Unlock()
}

func (o *oauthServer) currentRefresh() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.latestRefresh
}

// newCode records an authorization and returns its code.
func (o *oauthServer) newCode(now time.Time, redirectURI, challenge, scope string) string {
	code := newToken()
	o.mu.Lock()
	defer o.mu.Unlock()
	for c, ac := range o.codes {
		if !now.Before(ac.expires) {
			delete(o.codes, c)
		}
	}
	o.codes[code] = &authCode{redirectURI: redirectURI, challenge: challenge, scope: scope, expires: now.Add(codeTTL)}
	return code
}

// redeemCode exchanges a code for tokens. The first attempt spends the code
// whatever its outcome, so a verifier cannot be guessed by retrying.
func (o *oauthServer) redeemCode(now time.Time, code, redirectURI, verifier string) (tokenResponse, *oauthError) {
	o.mu.Lock()
	defer o.mu.Unlock()
	ac, ok := o.codes[code]
	switch {
	case !ok:
		return tokenResponse{}, errInvalidGrant("the authorization code is unknown")
	case ac.used:
		return tokenResponse{}, errInvalidGrant("the authorization code was already used")
	}
	ac.used = true
	switch {
	case !now.Before(ac.expires):
		return tokenResponse{}, errInvalidGrant("the authorization code has expired")
	case redirectURI != ac.redirectURI:
		return tokenResponse{}, errInvalidGrant("redirect_uri differs from the one given to " + AuthorizePath)
	case !same(s256(verifier), ac.challenge):
		return tokenResponse{}, errInvalidGrant("code_verifier does not match the code_challenge (S256)")
	}
	return o.issueLocked(now, ac.scope, true), nil
}

// s256 is the PKCE S256 transform: BASE64URL(SHA256(verifier)), unpadded.
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// validPKCEString reports whether s is 43 to 128 unreserved characters, the
// shape RFC 7636 gives both the verifier and the challenge.
func validPKCEString(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
		if !ok {
			return false
		}
	}
	return true
}

// RevokeAccessTokens makes every access token issued so far stop working:
// the next data request with one gets a 401. Refresh tokens stay valid.
// Without OAuth it does nothing.
func (a *API) RevokeAccessTokens() {
	if a.oauth != nil {
		a.oauth.revokeAccess()
	}
}

// CurrentRefreshToken returns the refresh token issued last (or
// OAuth.RefreshToken if none has been), which after rotations is the one
// that is still valid; "" without OAuth or without any.
func (a *API) CurrentRefreshToken() string {
	if a.oauth == nil {
		return ""
	}
	return a.oauth.currentRefresh()
}
