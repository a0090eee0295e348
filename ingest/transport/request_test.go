package transport

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"siphon/ingest/spec"
)

// TestRequestCarriesWhatTheOriginMaySee builds requests for base_url's
// origin and for another one, and checks each header, the URL, the Host and
// the body: public headers everywhere (the request's own winning),
// credentials, secret headers and pagination headers only at home.
func TestRequestCarriesWhatTheOriginMaySee(t *testing.T) {
	home, _ := url.Parse("https://api.test/v1/items?limit=10")
	away, _ := url.Parse("https://cdn.test/next?page=2")
	secret := spec.NewSecret("${TOKEN}", "tok-123")
	cases := []struct {
		name    string
		cfg     spec.Config
		u       *url.URL
		method  string
		body    string
		extra   map[string]string
		want    map[string]string // header → value; "" must be absent
		wantURL string
		host    string
	}{
		{name: "public headers and siphon's User-Agent", u: home, method: "GET",
			cfg:  spec.Config{Headers: map[string]string{"accept": "application/json", "X-Client": "siphon-test"}},
			want: map[string]string{"Accept": "application/json", "X-Client": "siphon-test", "User-Agent": "siphon", "Content-Type": "", "Authorization": ""}},
		{name: "the profile's User-Agent, in any case", u: home, method: "GET",
			cfg:  spec.Config{Headers: map[string]string{"user-agent": "mine/1.0"}},
			want: map[string]string{"User-Agent": "mine/1.0"}},
		{name: "bearer at home", u: home, method: "GET",
			cfg:  spec.Config{Auth: spec.AuthConfig{Type: spec.AuthBearer, Token: secret}, Headers: map[string]string{"Authorization": "overridden"}},
			want: map[string]string{"Authorization": "Bearer tok-123"}},
		{name: "bearer away", u: away, method: "GET",
			cfg:  spec.Config{Auth: spec.AuthConfig{Type: spec.AuthBearer, Token: secret}},
			want: map[string]string{"Authorization": "", "User-Agent": "siphon"}, wantURL: "https://cdn.test/next?page=2"},
		{name: "basic", u: home, method: "GET",
			cfg:  spec.Config{Auth: spec.AuthConfig{Type: spec.AuthBasic, Username: "ann", Password: spec.NewSecret("${PW}", "pw")}},
			want: map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("ann:pw"))}},
		{name: "api key in a header, secret header", u: home, method: "GET",
			cfg:  spec.Config{Auth: spec.AuthConfig{Type: spec.AuthAPIKey, Name: "x-api-key", Value: secret}, Headers: map[string]string{"X-Tenant": "t-1"}, SecretHeaders: []string{"x-tenant"}},
			want: map[string]string{"X-Api-Key": "tok-123", "X-Tenant": "t-1"}},
		{name: "secret header away", u: away, method: "GET",
			cfg:  spec.Config{Headers: map[string]string{"X-Tenant": "t-1", "X-Public": "p"}, SecretHeaders: []string{"X-Tenant"}},
			want: map[string]string{"X-Tenant": "", "X-Public": "p"}},
		{name: "api key in the query goes after the query", u: home, method: "GET",
			cfg:     spec.Config{Auth: spec.AuthConfig{Type: spec.AuthAPIKey, Name: "api key", In: "query", Value: secret}},
			wantURL: "https://api.test/v1/items?limit=10&api+key=tok-123"},
		{name: "api key in the query away", u: away, method: "GET",
			cfg:     spec.Config{Auth: spec.AuthConfig{Type: spec.AuthAPIKey, Name: "key", In: "query", Value: secret}},
			wantURL: "https://cdn.test/next?page=2"},
		{name: "pagination headers at home win", u: home, method: "GET", extra: map[string]string{"x-cursor": "c2", "X-Client": "next"},
			cfg:  spec.Config{Headers: map[string]string{"X-Client": "first"}},
			want: map[string]string{"X-Cursor": "c2", "X-Client": "next"}},
		{name: "pagination headers away", u: away, method: "GET", extra: map[string]string{"X-Cursor": "c2"},
			want: map[string]string{"X-Cursor": ""}},
		{name: "a POST body is JSON, and asks for JSON", u: home, method: "POST", body: `{"q":1}`,
			want: map[string]string{"Content-Type": "application/json", "Accept": "application/json"}},
		{name: "the profile's Accept stays", u: home, method: "POST", body: `{"q":1}`,
			cfg:  spec.Config{Headers: map[string]string{"Accept": "application/vnd.api+json"}},
			want: map[string]string{"Content-Type": "application/json", "Accept": "application/vnd.api+json"}},
		{name: "a profile's XML Content-Type is asked back", u: home, method: "GET",
			cfg:  spec.Config{Headers: map[string]string{"Content-Type": "text/xml; charset=utf-8"}},
			want: map[string]string{"Accept": "text/xml; charset=utf-8"}},
		{name: "Host names the virtual host", u: home, method: "GET",
			cfg:  spec.Config{Headers: map[string]string{"Host": "tenant.api.test"}},
			host: "tenant.api.test"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.BaseURL = "https://api.test/v1"
			endpoint, _ := url.Parse("https://api.test/v1/items")
			g := NewGuard(&cfg, endpoint, NewRedactor(&cfg), nil, nil)
			secrets, err := g.Destination(tc.u)
			if err != nil {
				cfg.AllowedHosts = []string{tc.u.Hostname()}
				if secrets, err = g.Destination(tc.u); err != nil {
					t.Fatal(err)
				}
			}
			var body []byte
			if tc.body != "" {
				body = []byte(tc.body)
			}
			req, err := g.request(context.Background(), tc.method, tc.u, body, tc.extra, secrets)
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range tc.want {
				if got := req.Header.Get(name); got != want {
					t.Errorf("%s: %q, want %q", name, got, want)
				}
			}
			wantURL := tc.wantURL
			if wantURL == "" {
				wantURL = tc.u.String()
			}
			if req.URL.String() != wantURL {
				t.Errorf("URL %s, want %s", req.URL, wantURL)
			}
			if tc.host != "" && req.Host != tc.host {
				t.Errorf("Host %q, want %q", req.Host, tc.host)
			}
			if got := req.Header.Get("Accept-Encoding"); got != "" {
				t.Errorf("Accept-Encoding %q: the transport asks for it, below what is shown", got)
			}
			if tc.method == "POST" {
				got, _ := io.ReadAll(req.Body)
				if string(got) != tc.body || req.ContentLength != int64(len(tc.body)) || req.GetBody == nil {
					t.Errorf("body %q (length %d), want %q", got, req.ContentLength, tc.body)
				}
			}
			if tc.u == home && strings.Contains(tc.u.String(), "tok-123") {
				t.Error("the endpoint was changed in place")
			}
		})
	}
}

// TestRequestSessionCookie: a login's token goes as its cookie, beside a
// Cookie header the profile sends, on the wire.
func TestRequestSessionCookie(t *testing.T) {
	got := make(chan *http.Request, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			http.SetCookie(w, &http.Cookie{Name: "sid", Value: "sess-1"})
			return
		}
		got <- r
	}))
	defer srv.Close()
	cfg := spec.Config{BaseURL: srv.URL, Timeout: spec.DefaultTimeout, Headers: map[string]string{"Cookie": "pref=dark"},
		Auth: spec.AuthConfig{Type: spec.AuthLogin, Cookie: "sid", Login: spec.LoginRequest{Method: "POST", Path: "/login"}}}
	endpoint, _ := url.Parse(srv.URL + "/items")
	red := NewRedactor(&cfg)
	sess, err := NewSession(&cfg, http.DefaultTransport, red)
	if err != nil {
		t.Fatal(err)
	}
	g := NewGuard(&cfg, endpoint, red, nil, sess)
	req, err := g.request(context.Background(), "GET", endpoint, nil, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	r := <-got
	if c := r.Header.Get("Cookie"); c != "pref=dark; sid=sess-1" {
		t.Errorf("Cookie %q, want the profile's and the session's", c)
	}
}

// TestAtHomeIsHostPort holds the fast comparison to hostPort's.
func TestAtHomeIsHostPort(t *testing.T) {
	homes := []string{"https://api.test", "http://API.test:8080", "https://[::1]:443", "https://bücher.test", "http://127.0.0.1"}
	urls := []string{"https://api.test/x", "https://API.TEST:443/", "http://api.test", "http://api.test:8080", "https://api.test:8443",
		"https://[::1]/", "https://[::1]:443", "https://BÜCHER.test", "https://bücher.test:443", "http://127.0.0.1:80/a", "ftp://api.test", "https://api.tes", "https://api.testx"}
	for _, h := range homes {
		endpoint, _ := url.Parse(h)
		g := &Guard{endpoint: endpoint, home: hostPort(endpoint)}
		for _, s := range urls {
			u, _ := url.Parse(s)
			if got, want := g.atHome(u), hostPort(u) == g.home; got != want {
				t.Errorf("home %s, %s: atHome %v, hostPort says %v", h, s, got, want)
			}
		}
	}
}

// request builds u's request as an *http.Request from what Dress says,
// as the run's resty client does (Host header as the virtual host), so the
// tests can put it on the wire.
func (g *Guard) request(ctx context.Context, method string, u *url.URL, body []byte, extra map[string]string, secrets bool) (*http.Request, error) {
	o, err := g.Dress(ctx, method, u, "", body, extra, secrets)
	if err != nil {
		return nil, err
	}
	var rd io.Reader
	switch {
	case len(o.Body) > 0:
		rd = bytes.NewReader(o.Body)
	case method == http.MethodPost:
		rd = http.NoBody // Content-Length: 0, as servers expect of a POST
	}
	req, err := http.NewRequestWithContext(ctx, method, o.URL, rd)
	if err != nil {
		return nil, err
	}
	req.Header = o.Header
	if host := o.Header.Get("Host"); host != "" {
		req.Host = host // a Host header names the virtual host: Go sends req.Host
	}
	return req, nil
}
