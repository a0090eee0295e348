package transport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"siphon/ingest/atomicfile"
	"siphon/ingest/spec"
)

// OAuth2 grants.
const (
	GrantClientCredentials = "client_credentials"
	GrantRefreshToken      = "refresh_token"
	GrantAuthorizationCode = "authorization_code"
)

// Tokens keeps one access token fresh for a client: it refreshes it
// before it expires, on demand after a 401, and follows refresh-token
// rotation (writing the new token back when the profile names a file).
type Tokens struct {
	cfg        *spec.Config
	red        *Redactor
	cc         *clientcredentials.Config // client_credentials
	oc         *oauth2.Config            // refresh_token, authorization_code
	httpClient *http.Client              // for the token endpoint: same TLS, no credentials of ours

	mu      sync.Mutex
	access  string
	expiry  time.Time
	early   time.Duration // refresh this long before expiry
	refresh string        // the refresh token now valid
	rotated bool
	stale   string    // a warning when a rotated token could not be stored
	got     time.Time // when access was fetched
}

// RefreshSince gets a new access token after the server refused one sent
// at sent, unless another request (a partition's) already got a newer one:
// many workers refused at once refresh once.
func (m *Tokens) RefreshSince(ctx context.Context, sent time.Time) (string, error) {
	m.mu.Lock()
	fresh := m.access != "" && m.got.After(sent)
	m.mu.Unlock()
	return m.Token(ctx, !fresh)
}

// CredentialError is a credential the server refused: retrying cannot help,
// the user has to renew it.
type CredentialError struct{ Msg string }

func (e *CredentialError) Error() string { return e.Msg }

// NewTokens gets cfg's OAuth2 tokens over rt, hiding each in red as it
// arrives.
func NewTokens(cfg *spec.Config, rt http.RoundTripper, red *Redactor) (*Tokens, error) {
	a := cfg.Auth
	if a.TokenURL == "" {
		return nil, errors.New("auth: oauth2 needs token_url")
	}
	tokenURL, err := url.Parse(a.TokenURL)
	if err != nil || tokenURL.Host == "" {
		return nil, fmt.Errorf("auth: token_url %q is not an absolute URL", a.TokenURL)
	}
	// The token request carries the client secret or refresh token in its
	// body: a redirect may not take it anywhere but the token endpoint's
	// own origin, nor from https to http.
	stayHome := func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 || origin(req.URL) != origin(tokenURL) {
			return fmt.Errorf("token endpoint redirect to %s refused: credentials go only to token_url's origin", red.Load().URL(req.URL.String()))
		}
		return nil
	}
	m := &Tokens{cfg: cfg, red: red, httpClient: &http.Client{Transport: rt, Timeout: cfg.Timeout, CheckRedirect: stayHome}}
	params := map[string][]string{}
	for k, v := range a.Extra {
		params[k] = []string{v}
	}
	switch a.Grant {
	case GrantClientCredentials, "":
		m.cc = &clientcredentials.Config{ClientID: a.ClientID, ClientSecret: a.ClientSecret.Reveal(), TokenURL: a.TokenURL, Scopes: a.Scopes, EndpointParams: params}
	case GrantRefreshToken, GrantAuthorizationCode:
		m.oc = &oauth2.Config{ClientID: a.ClientID, ClientSecret: a.ClientSecret.Reveal(), Scopes: a.Scopes,
			Endpoint: oauth2.Endpoint{TokenURL: a.TokenURL, AuthURL: a.AuthorizeURL}}
		m.refresh = a.RefreshToken.Reveal()
		if m.refresh == "" {
			return nil, &CredentialError{fmt.Sprintf("auth: no refresh token yet at %s; sign in first with: siphon auth login %s", a.RefreshToken.Ref(), cfg.Name)}
		}
	default:
		return nil, fmt.Errorf("auth: unknown oauth2 grant %q", a.Grant)
	}
	return m, nil
}

// Token returns a valid access token, fetching a new one when the old one is
// about to expire or force is set (the server refused it).
func (m *Tokens) Token(ctx context.Context, force bool) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !force && m.access != "" && (m.expiry.IsZero() || time.Now().Before(m.expiry.Add(-m.early))) {
		return m.access, nil
	}
	tctx := context.WithValue(ctx, oauth2.HTTPClient, m.httpClient)
	var tok *oauth2.Token
	var err error
	if m.cc != nil {
		tok, err = m.cc.Token(tctx)
	} else {
		tok, err = m.oc.TokenSource(tctx, &oauth2.Token{RefreshToken: m.refresh}).Token()
	}
	if err != nil {
		return "", m.explain(err)
	}
	m.access, m.expiry, m.got = tok.AccessToken, tok.Expiry, time.Now()
	m.early = 0
	if !tok.Expiry.IsZero() {
		m.early = min(30*time.Second, time.Until(tok.Expiry)/5)
	}
	hide := []string{tok.AccessToken}
	if m.oc != nil && tok.RefreshToken != "" && tok.RefreshToken != m.refresh {
		m.refresh = tok.RefreshToken
		m.rotated = true
		hide = append(hide, tok.RefreshToken)
		m.store()
	}
	m.red.HideAlso(hide...)
	return m.access, nil
}

// store writes a rotated refresh token where the profile's file: reference
// points, atomically and 0600; with a ${VAR} reference it can only warn.
func (m *Tokens) store() {
	ref := m.cfg.Auth.RefreshToken.Ref()
	path, ok := strings.CutPrefix(ref, "file:")
	if !ok {
		m.stale = fmt.Sprintf("the token endpoint rotated the refresh token; %s still holds the old one, which no longer works. Store refresh tokens as file:PATH so siphon can keep them current", ref)
		return
	}
	if err := WriteSecretFile(path, m.refresh); err != nil {
		m.stale = fmt.Sprintf("the token endpoint rotated the refresh token but writing it to %s failed (%v); the stored one no longer works", path, err)
		return
	}
	m.stale = ""
}

// StaleWarning says whether the stored refresh token is now out of date.
func (m *Tokens) StaleWarning() string {
	if m == nil {
		return ""
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stale
}

// explain turns a token endpoint failure into a message that says which
// credential to renew, never a value.
func (m *Tokens) explain(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response == nil {
		return fmt.Errorf("token endpoint %s: %s", m.red.Load().URL(m.cfg.Auth.TokenURL), m.red.Load().String(RootCause(err)))
	}
	status := re.Response.StatusCode
	if status >= 500 {
		return fmt.Errorf("token endpoint %s answered HTTP %d", m.red.Load().URL(m.cfg.Auth.TokenURL), status)
	}
	a := m.cfg.Auth
	code := re.ErrorCode
	if code == "" {
		code = fmt.Sprintf("HTTP %d", status)
	}
	switch {
	case m.oc != nil && code == "invalid_grant":
		how := "replace it"
		if a.Grant == GrantAuthorizationCode {
			how = "sign in again with: siphon auth login " + m.cfg.Name
		}
		return &CredentialError{fmt.Sprintf("the token endpoint refused the refresh token from %s (invalid_grant: expired, revoked or already rotated); %s", a.RefreshToken.Ref(), how)}
	case code == "invalid_client" || status == http.StatusUnauthorized:
		return &CredentialError{fmt.Sprintf("the token endpoint refused the client credentials (%s); check auth.client_id (%s) and auth.client_secret (%s)", code, a.ClientID, a.ClientSecret.Ref())}
	default:
		return &CredentialError{fmt.Sprintf("the token endpoint refused the token request (%s, HTTP %d)", code, status)}
	}
}

// WriteSecretFile replaces a secret file (a refresh token, from a run or
// from sign-in) atomically with mode 0600.
func WriteSecretFile(path, value string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return atomicfile.Write(path, []byte(value+"\n"), 0o600)
}

// RootCause is the innermost message of an error chain, without the URL
// that *url.Error puts in front.
func RootCause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}
