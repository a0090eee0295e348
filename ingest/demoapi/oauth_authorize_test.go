package demoapi

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A verifier and its S256 challenge from RFC 7636 appendix B.
const (
	rfcVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	rfcChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	testRedirect = "http://127.0.0.1:49152/callback"
)

func TestS256MatchesRFC7636(t *testing.T) {
	if got := s256(rfcVerifier); got != rfcChallenge {
		t.Fatalf("s256 = %q, want %q", got, rfcChallenge)
	}
}

// authorizeQuery is a valid authorization request, changed by edits.
func authorizeQuery(edits ...string) url.Values {
	q := form("response_type", "code", "client_id", testClientID, "redirect_uri", testRedirect,
		"state", "xyz 1/2", "code_challenge", rfcChallenge, "code_challenge_method", "S256", "scope", "read")
	for i := 0; i+1 < len(edits); i += 2 {
		if edits[i+1] == "-" {
			q.Del(edits[i])
		} else {
			q.Set(edits[i], edits[i+1])
		}
	}
	return q
}

// authorize sends the request without following the redirect.
func authorize(t *testing.T, s *Server, q url.Values) (*http.Response, []byte) {
	t.Helper()
	c := newClient(t)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return get(t, c, s.URL+AuthorizePath+"?"+q.Encode())
}

// authorizeCode runs an approved authorization and returns the code.
func authorizeCode(t *testing.T, s *Server, q url.Values) string {
	t.Helper()
	resp, body := authorize(t, s, q)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: status %d: %s", resp.StatusCode, body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatalf("Location %q: %v", resp.Header.Get("Location"), err)
	}
	code := loc.Query().Get("code")
	if code == "" {
		t.Fatalf("Location %q has no code", loc)
	}
	return code
}

func exchange(t *testing.T, s *Server, how clientAuth, code, redirect, verifier string) tokenAnswer {
	t.Helper()
	return postToken(t, s, how, testClientID, testClientSecret, form("grant_type", "authorization_code",
		"code", code, "redirect_uri", redirect, "code_verifier", verifier))
}

func TestAuthorizationCodeFlow(t *testing.T) {
	for _, how := range []clientAuth{authBasic, authForm} {
		t.Run(how.String(), func(t *testing.T) {
			s := startOAuth(t, OAuth{}, nil)
			resp, _ := authorize(t, s, authorizeQuery())
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("status %d, want 302", resp.StatusCode)
			}
			loc, _ := url.Parse(resp.Header.Get("Location"))
			if got := loc.Scheme + "://" + loc.Host + loc.Path; got != testRedirect {
				t.Errorf("redirected to %q, want %q", got, testRedirect)
			}
			if st := loc.Query().Get("state"); st != "xyz 1/2" {
				t.Errorf("state %q, want it echoed as given", st)
			}
			tok := mustToken(t, exchange(t, s, how, loc.Query().Get("code"), testRedirect, rfcVerifier))
			if tok.RefreshToken == "" || tok.Scope != "read" {
				t.Fatalf("token %+v, want a refresh token and scope read", tok)
			}
			if s.CurrentRefreshToken() != tok.RefreshToken {
				t.Errorf("CurrentRefreshToken %q, want %q", s.CurrentRefreshToken(), tok.RefreshToken)
			}
			wantData(t, s, tok.AccessToken, http.StatusOK)
			refreshed := mustToken(t, postToken(t, s, how, testClientID, testClientSecret,
				form("grant_type", "refresh_token", "refresh_token", tok.RefreshToken)))
			wantData(t, s, refreshed.AccessToken, http.StatusOK)

			again := exchange(t, s, how, loc.Query().Get("code"), testRedirect, rfcVerifier)
			wantTokenError(t, again, http.StatusBadRequest, "invalid_grant")
			if !strings.Contains(again.Description, "already used") {
				t.Errorf("reused code: %q", again.Description)
			}
			if st := s.Stats(); st.TokenRequests[GrantAuthorizationCode] != 2 || st.InvalidGrants != 1 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestRedirectKeepsItsQueryAndOmitsAbsentState(t *testing.T) {
	s := startOAuth(t, OAuth{}, nil)
	resp, _ := authorize(t, s, authorizeQuery("redirect_uri", "http://localhost:8080/cb?app=siphon", "state", "-"))
	loc, _ := url.Parse(resp.Header.Get("Location"))
	q := loc.Query()
	if q.Get("app") != "siphon" || q.Get("code") == "" || q.Has("state") {
		t.Fatalf("Location %q", loc)
	}
}

func TestAuthorizationCodeRefused(t *testing.T) {
	otherVerifier := strings.Repeat("v", 43)
	tests := []struct {
		name     string
		redirect string
		verifier string
		advance  time.Duration
		want     string // part of the error description
	}{
		{"wrong verifier", testRedirect, otherVerifier, 0, "code_verifier"},
		{"other redirect uri", "http://127.0.0.1:49153/callback", rfcVerifier, 0, "redirect_uri"},
		{"expired code", testRedirect, rfcVerifier, codeTTL, "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			s := startOAuth(t, OAuth{}, clock)
			code := authorizeCode(t, s, authorizeQuery())
			clock.Advance(tt.advance)
			ans := exchange(t, s, authBasic, code, tt.redirect, tt.verifier)
			wantTokenError(t, ans, http.StatusBadRequest, "invalid_grant")
			if !strings.Contains(ans.Description, tt.want) {
				t.Errorf("description %q does not mention %q", ans.Description, tt.want)
			}
			// The failed attempt spent the code: the right verifier is too late.
			wantTokenError(t, exchange(t, s, authBasic, code, testRedirect, rfcVerifier), http.StatusBadRequest, "invalid_grant")
		})
	}
	t.Run("unknown code", func(t *testing.T) {
		s := startOAuth(t, OAuth{}, nil)
		wantTokenError(t, exchange(t, s, authForm, "made-up", testRedirect, rfcVerifier), http.StatusBadRequest, "invalid_grant")
	})
}

func TestAuthorizeAcceptsLoopbackRedirects(t *testing.T) {
	s := startOAuth(t, OAuth{}, nil)
	for _, uri := range []string{
		"http://127.0.0.1:1/cb", "http://localhost:65535/", "http://[::1]:8080/oauth/callback", "http://127.0.0.1/cb",
	} {
		t.Run(uri, func(t *testing.T) {
			code := authorizeCode(t, s, authorizeQuery("redirect_uri", uri))
			mustToken(t, exchange(t, s, authBasic, code, uri, rfcVerifier))
		})
	}
}

func TestAuthorizeRefuses(t *testing.T) {
	tests := []struct {
		name  string
		edits []string
		code  string
		want  string // part of the error description
	}{
		{"remote redirect", []string{"redirect_uri", "http://example.com:8080/cb"}, "invalid_request", "loopback"},
		{"https loopback", []string{"redirect_uri", "https://127.0.0.1:8080/cb"}, "invalid_request", "loopback"},
		{"other loopback address", []string{"redirect_uri", "http://127.0.0.2:8080/cb"}, "invalid_request", "loopback"},
		{"look-alike host", []string{"redirect_uri", "http://localhost.example.com:8080/cb"}, "invalid_request", "loopback"},
		{"user info", []string{"redirect_uri", "http://evil@127.0.0.1:8080/cb"}, "invalid_request", "user"},
		{"fragment", []string{"redirect_uri", "http://127.0.0.1:8080/cb#x"}, "invalid_request", "fragment"},
		{"port zero", []string{"redirect_uri", "http://127.0.0.1:0/cb"}, "invalid_request", "port"},
		{"relative redirect", []string{"redirect_uri", "/cb"}, "invalid_request", "loopback"},
		{"no redirect", []string{"redirect_uri", "-"}, "invalid_request", "redirect_uri"},
		{"no PKCE", []string{"code_challenge", "-", "code_challenge_method", "-"}, "invalid_request", "PKCE"},
		{"no challenge method", []string{"code_challenge_method", "-"}, "invalid_request", "S256"},
		{"plain PKCE", []string{"code_challenge_method", "plain"}, "invalid_request", "S256"},
		{"short challenge", []string{"code_challenge", "abc"}, "invalid_request", "code_challenge"},
		{"unknown client", []string{"client_id", "someone"}, "invalid_request", "client_id"},
		{"implicit grant", []string{"response_type", "token"}, "unsupported_response_type", "code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startOAuth(t, OAuth{}, nil)
			resp, body := authorize(t, s, authorizeQuery(tt.edits...))
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Fatalf("status %d Location %q, want 400 and no redirect", resp.StatusCode, resp.Header.Get("Location"))
			}
			var e struct {
				Code        string `json:"error"`
				Description string `json:"error_description"`
			}
			decode(t, body, &e)
			if e.Code != tt.code || !strings.Contains(e.Description, tt.want) {
				t.Fatalf("error %q %q, want %q mentioning %q", e.Code, e.Description, tt.code, tt.want)
			}
		})
	}
}

func TestAuthorizeWantsGet(t *testing.T) {
	s := startOAuth(t, OAuth{}, nil)
	resp, err := newClient(t).PostForm(s.URL+AuthorizePath, authorizeQuery())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST authorize: status %d", resp.StatusCode)
	}
}

func TestLoopbackRedirectErrorsNameTheURI(t *testing.T) {
	_, err := loopbackRedirect("http://example.com/x")
	if err == nil || !strings.Contains(err.Error(), "http://example.com/x") {
		t.Fatalf("error %v", err)
	}
	if _, err := loopbackRedirect("http://[::1/x"); err == nil || !strings.Contains(err.Error(), "not a URL") {
		t.Fatalf("bad URL error %v", err)
	}
}
