package demoapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testClientID     = "demo-client"
	testClientSecret = "demo secret/with+odd&chars" // exercises the form encoding of Basic credentials
)

// fakeClock is an Options.Now that moves only when told to.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// startOAuth serves a small dataset behind OAuth for one client; clock may be nil.
func startOAuth(t *testing.T, oa OAuth, clock *fakeClock) *Server {
	t.Helper()
	if oa.ClientID == "" {
		oa.ClientID, oa.ClientSecret = testClientID, testClientSecret
	}
	opts := Options{Records: 5, OAuth: &oa}
	if clock != nil {
		opts.Now = clock.Now
	}
	return startServer(t, opts)
}

// clientAuth is how a token request carries the client's credentials.
type clientAuth int

const (
	authBasic clientAuth = iota // HTTP Basic, form-encoded as RFC 6749 2.3.1 says
	authForm                    // client_id and client_secret form fields
	authNone
)

func (c clientAuth) String() string { return [...]string{"basic", "form", "none"}[c] }

// tokenAnswer is a token endpoint response, success or error.
type tokenAnswer struct {
	status int
	header http.Header
	tokenResponse
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// postToken sends a token request with the given credentials.
func postToken(t *testing.T, s *Server, how clientAuth, id, secret string, form url.Values) tokenAnswer {
	t.Helper()
	form = cloneValues(form)
	if how == authForm {
		form.Set("client_id", id)
		form.Set("client_secret", secret)
	}
	req, err := http.NewRequest(http.MethodPost, s.URL+TokenPath, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if how == authBasic {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	return doToken(t, req)
}

func doToken(t *testing.T, req *http.Request) tokenAnswer {
	t.Helper()
	resp, err := newClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	ans := tokenAnswer{status: resp.StatusCode, header: resp.Header}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("token endpoint answered %d with Content-Type %q: %s", resp.StatusCode, ct, body)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("token endpoint Cache-Control %q, want no-store", cc)
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		t.Fatalf("token endpoint body %s: %v", body, err)
	}
	return ans
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// mustToken insists on a successful token answer.
func mustToken(t *testing.T, ans tokenAnswer) tokenResponse {
	t.Helper()
	if ans.status != http.StatusOK || ans.AccessToken == "" {
		t.Fatalf("token request: status %d, error %q (%s)", ans.status, ans.Error, ans.Description)
	}
	return ans.tokenResponse
}

// wantTokenError insists on an error answer with this status and code.
func wantTokenError(t *testing.T, ans tokenAnswer, status int, code string) {
	t.Helper()
	if ans.status != status || ans.Error != code {
		t.Fatalf("token request: status %d error %q (%s), want %d %q", ans.status, ans.Error, ans.Description, status, code)
	}
	if ans.AccessToken != "" {
		t.Fatalf("an error answer carries an access token")
	}
}

// getData fetches a data page with an optional bearer token.
func getData(t *testing.T, s *Server, token string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+"/v1/none", nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := newClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// wantData asserts a data request with token gets status.
func wantData(t *testing.T, s *Server, token string, status int) *http.Response {
	t.Helper()
	resp, body := getData(t, s, token)
	if resp.StatusCode != status {
		t.Fatalf("data request: status %d, want %d; body %s", resp.StatusCode, status, body)
	}
	return resp
}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}
