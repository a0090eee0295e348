package ingest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-resty/resty/v2"
	"golang.org/x/time/rate"

	"siphon/ingest/page"
	"siphon/ingest/paginate"
	"siphon/ingest/redact"
	"siphon/ingest/schema"
	"siphon/ingest/spec"
)

// Client pulls one profile's data. It holds one resty client, reused by
// every run of the profile.
type Client struct {
	cfg       Config
	http      *resty.Client
	endpoint  *url.URL // base_url joined with path
	records   *page.Expr
	red       atomic.Pointer[redact.Redactor] // grows as tokens arrive
	tokens    *tokenManager                   // oauth2 only
	limiter   *rate.Limiter                   // client-side budget; nil: none
	validator *schema.Validator               // nil without schema.file

	maxBody        int64
	commitInterval time.Duration
	transport      http.RoundTripper
}

// Option adjusts a Client.
type Option func(*Client)

// WithMaxBodyBytes caps a response body that must be held whole (default
// the profile's max_body, or 64 MiB); it wins over max_body.
func WithMaxBodyBytes(n int64) Option { return func(c *Client) { c.maxBody = n } }

// WithCommitInterval sets how often the checkpoint is saved while pages
// arrive (default 250ms: fsyncs are coalesced). A negative interval saves it
// only when the run stops.
func WithCommitInterval(d time.Duration) Option {
	return func(c *Client) { c.commitInterval = d }
}

// WithTransport replaces the HTTP transport (TLS settings then are the
// caller's).
func WithTransport(rt http.RoundTripper) Option { return func(c *Client) { c.transport = rt } }

// DefaultMaxBodyBytes is the default cap on one response body.
const DefaultMaxBodyBytes = 64 << 20

// New checks cfg and builds its client.
func New(cfg Config, opts ...Option) (*Client, error) {
	cfg.ApplyDefaults()
	c := &Client{cfg: cfg, maxBody: DefaultMaxBodyBytes, commitInterval: 250 * time.Millisecond}
	if cfg.MaxBody != "" {
		n, err := spec.ParseSize(cfg.MaxBody)
		if err != nil {
			return nil, fmt.Errorf("max_body: %w", err)
		}
		c.maxBody = n
	}
	for _, opt := range opts {
		opt(c)
	}
	c.red.Store(newRedactor(&cfg))
	var err error
	if c.endpoint, err = joinURL(cfg.BaseURL, cfg.Path); err != nil {
		return nil, err
	}
	if cfg.Method != http.MethodGet && cfg.Method != http.MethodPost {
		return nil, fmt.Errorf("method %q: only GET and POST are supported", cfg.Method)
	}
	if c.records, err = page.Compile(cfg.Records); err != nil {
		return nil, fmt.Errorf("records: %w", err)
	}
	if _, err := paginate.New(cfg.Pagination, cfg.PrimaryKey); err != nil {
		return nil, err
	}
	switch cfg.Auth.Type {
	case AuthNone, AuthAPIKey, AuthBearer, AuthBasic, AuthOAuth2:
	default:
		return nil, fmt.Errorf("auth type %q: expected none, api_key, bearer, basic or oauth2", cfg.Auth.Type)
	}
	if cfg.Schema.File != "" {
		if c.validator, err = schema.LoadValidator(cfg.Schema.File); err != nil {
			return nil, fmt.Errorf("schema.file: %w", err)
		}
	}
	if rl := cfg.RateLimit; rl.RequestsPerSecond > 0 {
		c.limiter = rate.NewLimiter(rate.Limit(rl.RequestsPerSecond), max(rl.Burst, 1))
	}
	rt := c.transport
	if rt == nil {
		if rt, err = baseTransport(cfg.TLS); err != nil {
			return nil, err
		}
	}
	if cfg.Auth.Type == AuthOAuth2 {
		if c.tokens, err = newTokenManager(c, rt); err != nil {
			return nil, err
		}
	}
	hc := &http.Client{Transport: rt, CheckRedirect: c.checkRedirect}
	c.http = resty.NewWithClient(hc).
		SetLogger(quietLogger{}).
		SetRetryCount(0).
		SetDoNotParseResponse(true).
		SetHeaders(cfg.Headers)
	if _, ok := cfg.Headers["User-Agent"]; !ok {
		c.http.SetHeader("User-Agent", "siphon")
	}
	return c, nil
}

// redact is the redactor now in force.
func (c *Client) redact() *redact.Redactor { return c.red.Load() }

// hideAlso adds secrets learned during a run (tokens) to the redactor.
func (c *Client) hideAlso(secrets ...string) {
	for {
		old := c.red.Load()
		if c.red.CompareAndSwap(old, old.With(secrets...)) {
			return
		}
	}
}

// Config returns the client's configuration, defaults applied.
func (c *Client) Config() Config { return c.cfg }

// Redact hides the profile's secrets and credential-like parameters in text.
func (c *Client) Redact(s string) string { return c.redact().String(s) }

// RedactURL hides credentials in a URL.
func (c *Client) RedactURL(u string) string { return c.redact().URL(u) }

// Endpoint is the first page's URL without pagination parameters, redacted.
func (c *Client) Endpoint() string {
	u := *c.endpoint
	q := u.Query()
	for k, v := range c.cfg.Params {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return c.redact().URL(u.String())
}

func newRedactor(cfg *Config) *redact.Redactor {
	var secrets []string
	for _, s := range []Secret{cfg.Auth.Value, cfg.Auth.Token, cfg.Auth.Password, cfg.Auth.ClientSecret, cfg.Auth.RefreshToken} {
		if v := s.Reveal(); v != "" {
			secrets = append(secrets, v)
		}
	}
	if cfg.Auth.Type == AuthBasic && cfg.Auth.Password.Reveal() != "" {
		// the Authorization header carries the pair in base64
		secrets = append(secrets, base64.StdEncoding.EncodeToString([]byte(cfg.Auth.Username+":"+cfg.Auth.Password.Reveal())))
	}
	for _, s := range cfg.Secrets {
		if v := s.Reveal(); v != "" {
			secrets = append(secrets, v)
		}
	}
	var names []string
	if cfg.Auth.Type == AuthAPIKey && cfg.Auth.Name != "" {
		names = append(names, cfg.Auth.Name)
	}
	return redact.New(secrets, names)
}

func joinURL(base, path string) (*url.URL, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("base_url %q is not an absolute http(s) URL", base)
	}
	if path != "" {
		p, err := url.Parse(path)
		if err != nil {
			return nil, fmt.Errorf("path %q: %w", path, err)
		}
		u.Path = strings.TrimSuffix(u.Path, "/") + "/" + strings.TrimPrefix(p.Path, "/")
		if p.RawQuery != "" {
			q := u.Query()
			for k, vs := range p.Query() {
				q[k] = vs
			}
			u.RawQuery = q.Encode()
		}
	}
	return u, nil
}

// Transport is the TLS-configured transport a profile's requests go
// through, for callers outside a run (sign-in).
func Transport(cfg TLSConfig) (http.RoundTripper, error) { return baseTransport(cfg) }

// baseTransport is the TLS-configured transport every request goes through.
func baseTransport(cfg TLSConfig) (*http.Transport, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 8
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.InsecureSkipVerify}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("tls.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls.ca_file %s: no PEM certificates found", cfg.CAFile)
		}
		tc.RootCAs = pool
	}
	if cfg.CertFile != "" || cfg.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("tls.cert_file/key_file: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	t.TLSClientConfig = tc
	return t, nil
}

// sameOrigin reports whether u is base_url's scheme, host and port: the only
// place credentials are sent.
func (c *Client) sameOrigin(u *url.URL) bool {
	return strings.EqualFold(u.Scheme, c.endpoint.Scheme) && hostPort(u) == hostPort(c.endpoint)
}

// hostAllowed reports whether a next page or redirect may go to u: base_url's
// host and port, or an allowed_hosts entry ("host" for any port, or
// "host:port").
func (c *Client) hostAllowed(u *url.URL) bool {
	if hostPort(u) == hostPort(c.endpoint) {
		return true
	}
	for _, h := range c.cfg.AllowedHosts {
		if strings.EqualFold(h, u.Hostname()) || strings.EqualFold(h, hostPort(u)) || strings.EqualFold(h, u.Host) {
			return true
		}
	}
	return false
}

// hostPort is "host:port" with the scheme's default port filled in.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	return strings.ToLower(u.Hostname()) + ":" + port
}

// checkRedirect keeps redirects on allowed hosts and strips credentials from
// any that leave base_url's origin (Go keeps custom headers on redirects).
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if !c.hostAllowed(req.URL) {
		return fmt.Errorf("redirect to %s refused: not base_url's host nor in allowed_hosts", req.URL.Host)
	}
	if !c.sameOrigin(req.URL) {
		req.Header.Del("Authorization")
		req.Header.Del("Proxy-Authorization")
		req.Header.Del("Cookie")
		req.Header.Del("Referer") // Go sets it to the previous URL, query (and API key) included
		if c.cfg.Auth.Type == AuthAPIKey && c.cfg.Auth.In == "header" {
			req.Header.Del(c.cfg.Auth.Name)
		}
	}
	return nil
}

// authorize adds the profile's credentials to a request bound for base_url's
// origin; requests elsewhere go without.
func (c *Client) authorize(ctx context.Context, r *resty.Request, u *url.URL) error {
	if !c.sameOrigin(u) {
		return nil
	}
	if u.Scheme == "http" && c.endpoint.Scheme != "http" {
		return nil
	}
	a := c.cfg.Auth
	switch a.Type {
	case AuthAPIKey:
		if a.In == "query" {
			r.SetQueryParam(a.Name, a.Value.Reveal())
		} else {
			r.SetHeader(a.Name, a.Value.Reveal())
		}
	case AuthBearer:
		r.SetAuthToken(a.Token.Reveal())
	case AuthBasic:
		r.SetBasicAuth(a.Username, a.Password.Reveal())
	case AuthOAuth2:
		tok, err := c.tokens.token(ctx, false)
		if err != nil {
			return err
		}
		r.SetAuthToken(tok)
	}
	return nil
}

// archivable is a body as the page archive keeps it: as received, except
// that a secret the API echoes (a next link carrying the access token, as
// the Facebook Graph API does) is hidden.
func (c *Client) archivable(body []byte) []byte {
	s := string(body)
	if hidden := c.redact().Values(s); hidden != s {
		return []byte(hidden)
	}
	return body
}

// checkpointURL is a next-page URL as the checkpoint keeps it: the query
// parameter that carries an API key is dropped (authorize adds it again) and
// any other secret value hidden, while pagination tokens stay usable.
func (c *Client) checkpointURL(raw string) string {
	if raw == "" {
		return ""
	}
	if a := c.cfg.Auth; a.Type == AuthAPIKey && a.In == "query" {
		if u, err := url.Parse(raw); err == nil {
			q := u.Query()
			if q.Has(a.Name) {
				q.Del(a.Name)
				u.RawQuery = q.Encode()
				raw = u.String()
			}
		}
	}
	return c.redact().Values(raw)
}

// quietLogger keeps resty from writing to stderr behind the console's back.
type quietLogger struct{}

func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Debugf(string, ...any) {}
