package demoapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// These tests drive the server with golang.org/x/oauth2, the client siphon
// uses, to prove the two agree on the wire.

// oauthContext makes x/oauth2 use a client that leaves no idle connections.
func oauthContext(t *testing.T) context.Context {
	return context.WithValue(t.Context(), oauth2.HTTPClient, newClient(t))
}

func TestXOAuth2ClientCredentials(t *testing.T) {
	styles := []struct {
		name  string
		style oauth2.AuthStyle
	}{
		{"auto-detect", oauth2.AuthStyleAutoDetect}, {"header", oauth2.AuthStyleInHeader}, {"params", oauth2.AuthStyleInParams},
	}
	for _, st := range styles {
		t.Run(st.name, func(t *testing.T) {
			s := startOAuth(t, OAuth{}, nil)
			cfg := clientcredentials.Config{ClientID: testClientID, ClientSecret: testClientSecret,
				TokenURL: s.URL + TokenPath, Scopes: []string{"read"}, AuthStyle: st.style}
			ctx := oauthContext(t)
			resp, err := cfg.Client(ctx).Get(s.URL + "/v1/none")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("data status %d", resp.StatusCode)
			}
			if got := s.Stats().TokenRequests[GrantClientCredentials]; got != 1 {
				t.Errorf("%d token requests, want 1 (the first style tried must work)", got)
			}
		})
	}
}

func TestXOAuth2WrongSecret(t *testing.T) {
	s := startOAuth(t, OAuth{}, nil)
	cfg := clientcredentials.Config{ClientID: testClientID, ClientSecret: "wrong", TokenURL: s.URL + TokenPath}
	_, err := cfg.Token(oauthContext(t))
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_client" || re.Response.StatusCode != http.StatusUnauthorized {
		t.Fatalf("error %v, want a 401 invalid_client RetrieveError", err)
	}
}

func TestXOAuth2AuthorizationCodeAndRotation(t *testing.T) {
	s := startOAuth(t, OAuth{RotateRefresh: true}, nil)
	cfg := oauth2.Config{
		ClientID: testClientID, ClientSecret: testClientSecret, RedirectURL: testRedirect, Scopes: []string{"read"},
		Endpoint: oauth2.Endpoint{AuthURL: s.URL + AuthorizePath, TokenURL: s.URL + TokenPath},
	}
	ctx := oauthContext(t)
	verifier := oauth2.GenerateVerifier()
	authURL, err := url.Parse(cfg.AuthCodeURL("state-42", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	code := authorizeCode(t, s, authURL.Query())

	if _, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil {
		t.Fatal("exchange with another verifier succeeded")
	}
	code = authorizeCode(t, s, authURL.Query())
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" || !tok.Valid() {
		t.Fatalf("token %+v, want a valid one with a refresh token", tok)
	}

	tok.Expiry = time.Now().Add(-time.Minute) // make the client refresh
	fresh, err := cfg.TokenSource(ctx, tok).Token()
	if err != nil {
		t.Fatal(err)
	}
	if fresh.RefreshToken == tok.RefreshToken || fresh.RefreshToken != s.CurrentRefreshToken() {
		t.Fatalf("after rotation the client holds %q, the server %q, the old was %q", fresh.RefreshToken, s.CurrentRefreshToken(), tok.RefreshToken)
	}
	_, err = cfg.TokenSource(ctx, tok).Token() // the rotated-away refresh token
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("refresh with the old token: %v, want invalid_grant", err)
	}
	resp, err := cfg.Client(ctx, fresh).Get(s.URL + "/v1/none")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("data with the refreshed token: %d", resp.StatusCode)
	}
}
