package demoapi

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestClientCredentialsGrant(t *testing.T) {
	for _, how := range []clientAuth{authBasic, authForm} {
		t.Run(how.String(), func(t *testing.T) {
			s := startOAuth(t, OAuth{}, nil)
			tok := mustToken(t, postToken(t, s, how, testClientID, testClientSecret,
				form("grant_type", "client_credentials", "scope", "read write")))
			if tok.TokenType != "Bearer" || tok.ExpiresIn != 3600 || tok.Scope != "read write" {
				t.Errorf("token %+v, want a Bearer token for 3600 s with the scope asked for", tok)
			}
			if tok.RefreshToken != "" {
				t.Errorf("client_credentials returned a refresh token")
			}
			wantData(t, s, tok.AccessToken, http.StatusOK)
			st := s.Stats()
			if st.TokenRequests[GrantClientCredentials] != 1 || st.TokenAuthFailures != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestTokensAreDistinct(t *testing.T) {
	s := startOAuth(t, OAuth{}, nil)
	seen := map[string]bool{}
	for range 5 {
		tok := mustToken(t, postToken(t, s, authBasic, testClientID, testClientSecret, form("grant_type", "client_credentials")))
		if seen[tok.AccessToken] || len(tok.AccessToken) < 20 {
			t.Fatalf("access token %q repeated or short", tok.AccessToken)
		}
		seen[tok.AccessToken] = true
	}
}

func TestPublicClientNeedsNoSecret(t *testing.T) {
	for _, how := range []clientAuth{authBasic, authForm} {
		t.Run(how.String(), func(t *testing.T) {
			s := startOAuth(t, OAuth{ClientID: "public"}, nil)
			mustToken(t, postToken(t, s, how, "public", "", form("grant_type", "client_credentials")))
		})
	}
}

func TestInvalidClient(t *testing.T) {
	tests := []struct {
		name       string
		how        clientAuth
		id, secret string
	}{
		{"basic wrong secret", authBasic, testClientID, "nope"},
		{"form wrong secret", authForm, testClientID, "nope"},
		{"basic unknown client", authBasic, "someone", testClientSecret},
		{"form unknown client", authForm, "someone", testClientSecret},
		{"basic secret not form-encoded", authBasic, testClientID, url.QueryEscape(testClientSecret)},
		{"no credentials", authNone, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startOAuth(t, OAuth{}, nil)
			ans := postToken(t, s, tt.how, tt.id, tt.secret, form("grant_type", "client_credentials"))
			wantTokenError(t, ans, http.StatusUnauthorized, "invalid_client")
			if !strings.HasPrefix(ans.header.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("WWW-Authenticate %q, want a Basic challenge", ans.header.Get("WWW-Authenticate"))
			}
			if strings.Contains(ans.Description, testClientSecret) {
				t.Errorf("error description leaks the secret: %q", ans.Description)
			}
		})
	}
}

func TestTokenRequestErrors(t *testing.T) {
	tests := []struct {
		name   string
		how    clientAuth
		body   string
		ctype  string
		status int
		code   string
	}{
		{"no grant type", authBasic, "scope=x", "", 400, "invalid_request"},
		{"unknown grant type", authBasic, "grant_type=password&username=u&password=p", "", 400, "unsupported_grant_type"},
		{"refresh without token", authBasic, "grant_type=refresh_token", "", 400, "invalid_request"},
		{"code without verifier", authBasic, "grant_type=authorization_code&code=c&redirect_uri=http://127.0.0.1:1/", "", 400, "invalid_request"},
		{"short verifier", authBasic, "grant_type=authorization_code&code=c&redirect_uri=http://127.0.0.1:1/&code_verifier=abc", "", 400, "invalid_request"},
		{"repeated parameter", authBasic, "grant_type=client_credentials&grant_type=client_credentials", "", 400, "invalid_request"},
		{"secret in header and form", authBasic, "grant_type=client_credentials&client_secret=x", "", 400, "invalid_request"},
		{"json body", authBasic, `{"grant_type":"client_credentials"}`, "application/json", 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startOAuth(t, OAuth{}, nil)
			req, _ := http.NewRequest(http.MethodPost, s.URL+TokenPath, strings.NewReader(tt.body))
			ct := tt.ctype
			if ct == "" {
				ct = "application/x-www-form-urlencoded"
			}
			req.Header.Set("Content-Type", ct)
			req.SetBasicAuth(testClientID, url.QueryEscape(testClientSecret))
			ans := doToken(t, req)
			wantTokenError(t, ans, tt.status, tt.code)
			if ans.Description == "" {
				t.Errorf("no error_description saying what is wrong")
			}
		})
	}
}

func TestTokenEndpointWantsPost(t *testing.T) {
	s := startOAuth(t, OAuth{}, nil)
	resp, body := get(t, newClient(t), s.URL+TokenPath+"?grant_type=client_credentials")
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Fatalf("GET token: %d Allow %q: %s", resp.StatusCode, resp.Header.Get("Allow"), body)
	}
}

func TestAccessTokenExpires(t *testing.T) {
	clock := newFakeClock()
	s := startOAuth(t, OAuth{TokenTTL: 200 * time.Millisecond}, clock)
	tok := mustToken(t, postToken(t, s, authForm, testClientID, testClientSecret, form("grant_type", "client_credentials")))
	if tok.ExpiresIn != 1 {
		t.Errorf("expires_in %d for 200ms, want 1 (rounded up)", tok.ExpiresIn)
	}
	wantData(t, s, tok.AccessToken, http.StatusOK)
	clock.Advance(199 * time.Millisecond)
	wantData(t, s, tok.AccessToken, http.StatusOK)
	clock.Advance(time.Millisecond)
	resp := wantData(t, s, tok.AccessToken, http.StatusUnauthorized)
	if ch := resp.Header.Get("WWW-Authenticate"); !strings.Contains(ch, `error="invalid_token"`) || !strings.HasPrefix(ch, "Bearer ") {
		t.Errorf("WWW-Authenticate %q, want Bearer error=\"invalid_token\"", ch)
	}
	if st := s.Stats(); st.TokenAuthFailures != 1 || st.AuthFailures != 1 {
		t.Errorf("TokenAuthFailures %d, AuthFailures %d, want 1 and 1", st.TokenAuthFailures, st.AuthFailures)
	}
	fresh := mustToken(t, postToken(t, s, authForm, testClientID, testClientSecret, form("grant_type", "client_credentials")))
	wantData(t, s, fresh.AccessToken, http.StatusOK)
}

func TestRefreshGrant(t *testing.T) {
	for _, how := range []clientAuth{authBasic, authForm} {
		t.Run("keep/"+how.String(), func(t *testing.T) {
			s := startOAuth(t, OAuth{RefreshToken: "r0"}, nil)
			for range 2 { // without rotation the same refresh token keeps working
				tok := mustToken(t, postToken(t, s, how, testClientID, testClientSecret, form("grant_type", "refresh_token", "refresh_token", "r0")))
				if tok.RefreshToken != "" {
					t.Fatalf("refresh without rotation returned refresh token %q", tok.RefreshToken)
				}
				wantData(t, s, tok.AccessToken, http.StatusOK)
			}
			if got := s.CurrentRefreshToken(); got != "r0" {
				t.Errorf("CurrentRefreshToken %q, want r0", got)
			}
			if st := s.Stats(); st.Refreshes != 2 || st.TokenRequests[GrantRefreshToken] != 2 {
				t.Errorf("stats %+v, want 2 refreshes", st)
			}
		})
		t.Run("rotate/"+how.String(), func(t *testing.T) {
			s := startOAuth(t, OAuth{RefreshToken: "r0", RotateRefresh: true}, nil)
			tok := mustToken(t, postToken(t, s, how, testClientID, testClientSecret, form("grant_type", "refresh_token", "refresh_token", "r0")))
			r1 := tok.RefreshToken
			if r1 == "" || r1 == "r0" {
				t.Fatalf("rotation returned refresh token %q", r1)
			}
			if got := s.CurrentRefreshToken(); got != r1 {
				t.Errorf("CurrentRefreshToken %q, want the new %q", got, r1)
			}
			old := postToken(t, s, how, testClientID, testClientSecret, form("grant_type", "refresh_token", "refresh_token", "r0"))
			wantTokenError(t, old, http.StatusBadRequest, "invalid_grant")
			tok2 := mustToken(t, postToken(t, s, how, testClientID, testClientSecret, form("grant_type", "refresh_token", "refresh_token", r1)))
			if tok2.RefreshToken == "" || tok2.RefreshToken == r1 {
				t.Fatalf("second rotation returned %q", tok2.RefreshToken)
			}
			wantData(t, s, tok2.AccessToken, http.StatusOK)
			if st := s.Stats(); st.Refreshes != 2 || st.InvalidGrants != 1 || st.TokenRequests[GrantRefreshToken] != 3 {
				t.Errorf("stats %+v, want 2 refreshes, 1 invalid grant, 3 requests", st)
			}
		})
	}
}

func TestUnknownRefreshToken(t *testing.T) {
	s := startOAuth(t, OAuth{RefreshToken: "r0"}, nil)
	ans := postToken(t, s, authBasic, testClientID, testClientSecret, form("grant_type", "refresh_token", "refresh_token", "r9"))
	wantTokenError(t, ans, http.StatusBadRequest, "invalid_grant")
	if st := s.Stats(); st.InvalidGrants != 1 || st.Refreshes != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestRevokeAccessTokens(t *testing.T) {
	s := startOAuth(t, OAuth{}, nil)
	tok := mustToken(t, postToken(t, s, authBasic, testClientID, testClientSecret, form("grant_type", "client_credentials")))
	wantData(t, s, tok.AccessToken, http.StatusOK)
	s.RevokeAccessTokens()
	wantData(t, s, tok.AccessToken, http.StatusUnauthorized)
	fresh := mustToken(t, postToken(t, s, authBasic, testClientID, testClientSecret, form("grant_type", "client_credentials")))
	wantData(t, s, fresh.AccessToken, http.StatusOK)
}

func TestDataNeedsAValidToken(t *testing.T) {
	s := startServer(t, Options{Records: 3, Auth: Auth{APIKey: "k1"},
		OAuth: &OAuth{ClientID: testClientID, ClientSecret: testClientSecret}})
	t.Run("none", func(t *testing.T) {
		resp, body := getData(t, s, "")
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		// No token sent, so no error code (RFC 6750 3.1); the body says how to get one.
		if ch := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(ch, "Bearer ") || strings.Contains(ch, "error=") {
			t.Errorf("WWW-Authenticate %q", ch)
		}
		if !strings.Contains(string(body), TokenPath) {
			t.Errorf("401 body does not point to the token endpoint: %s", body)
		}
	})
	t.Run("made up", func(t *testing.T) {
		resp := wantData(t, s, "not-a-token", http.StatusUnauthorized)
		if ch := resp.Header.Get("WWW-Authenticate"); !strings.Contains(ch, `error="invalid_token"`) {
			t.Errorf("WWW-Authenticate %q", ch)
		}
	})
	t.Run("api key still works", func(t *testing.T) {
		getOK(t, newClient(t), s.URL+"/v1/none?api_key=k1")
	})
	if st := s.Stats(); st.TokenAuthFailures != 2 {
		t.Errorf("TokenAuthFailures %d, want 2", st.TokenAuthFailures)
	}
}

func TestTokenEndpointIsNeverFaultedOrLimited(t *testing.T) {
	s := startServer(t, Options{Records: 3, Latency: time.Hour,
		Faults: Faults{ServerErrorRate: 1, RateLimit: 1},
		OAuth:  &OAuth{ClientID: testClientID, ClientSecret: testClientSecret}})
	for range 3 {
		mustToken(t, postToken(t, s, authForm, testClientID, testClientSecret, form("grant_type", "client_credentials")))
	}
	if st := s.Stats(); st.TooMany != 0 || st.ByStatus[200] != 3 {
		t.Fatalf("stats %+v", st)
	}
}

func TestOAuthEndpointsAbsentWithoutOAuth(t *testing.T) {
	s := startServer(t, Options{Records: 1})
	for _, p := range []string{TokenPath, AuthorizePath} {
		if resp, _ := get(t, newClient(t), s.URL+p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s without OAuth: status %d, want 404", p, resp.StatusCode)
		}
	}
	if s.CurrentRefreshToken() != "" {
		t.Error("CurrentRefreshToken without OAuth is not empty")
	}
	s.RevokeAccessTokens() // harmless
}
