package ingest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-resty/resty/v2"

	"siphon/ingest/apierror"
	"siphon/ingest/bodybound"
	"siphon/ingest/budget"
	"siphon/ingest/jqguard"
	"siphon/ingest/page"
	"siphon/ingest/paginate"
	"siphon/ingest/redact"
	"siphon/ingest/schema"
	"siphon/ingest/spec"
)

// Client pulls one profile's data. It holds one resty client, reused by
// every run of the profile.
type Client struct {
	cfg       spec.Config
	http      *resty.Client
	endpoint  *url.URL // base_url joined with path
	records   *page.Expr
	bodyErrs  *apierror.Rules                  // error_when, error_message
	red       *atomic.Pointer[redact.Redactor] // grows as tokens arrive; shared with the partitions' clients
	tokens    *tokenManager                    // oauth2 only
	budget    *budget.Member                   // when a request may go; shared by every partition
	validator *schema.Validator                // nil without schema.file
	budgets   *budget.Registry                 // WithBudgets; nil: a registry of the client's own
	secrets   secretSet                        // what goes only to base_url's origin

	maxBody        int64
	maxRecord      int64 // max_record
	maxUnpacked    int64 // max_body_unpacked
	jqMemory       int64 // heap bound while jq runs; 0: none
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

// WithBudgets makes the client's runs take their requests from the budget
// of its base URL's origin in b, shared with every client given b (and,
// through b's state files, with other processes).
func WithBudgets(b *budget.Registry) Option { return func(c *Client) { c.budgets = b } }

// DefaultMaxBodyBytes is the default cap on one response body.
const DefaultMaxBodyBytes = 64 << 20

// New checks cfg and builds its client.
func New(cfg spec.Config, opts ...Option) (*Client, error) {
	cfg.ApplyDefaults()
	c := &Client{cfg: cfg, maxBody: DefaultMaxBodyBytes, commitInterval: 250 * time.Millisecond, jqMemory: jqguard.DefaultLimit}
	if cfg.MaxBody != "" {
		n, err := spec.ParseSize(cfg.MaxBody)
		if err != nil {
			return nil, fmt.Errorf("max_body: %w", err)
		}
		c.maxBody = n
	}
	c.maxRecord, c.maxUnpacked = bodybound.DefaultMaxRecord, bodybound.DefaultMaxBodyUnpacked
	for _, sz := range []struct {
		key, val string
		to       *int64
	}{{"max_record", cfg.MaxRecord, &c.maxRecord}, {"max_body_unpacked", cfg.MaxBodyUnpacked, &c.maxUnpacked}} {
		if sz.val == "" {
			continue
		}
		n, err := spec.ParseSize(sz.val)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sz.key, err)
		}
		*sz.to = n
	}
	for _, opt := range opts {
		opt(c)
	}
	c.red = new(atomic.Pointer[redact.Redactor])
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
	if c.bodyErrs, err = apierror.Compile(&cfg); err != nil {
		return nil, err
	}
	if _, err := paginate.New(cfg.Pagination, cfg.PrimaryKey); err != nil {
		return nil, err
	}
	if err := checkPartitions(&cfg); err != nil {
		return nil, err
	}
	switch cfg.Auth.Type {
	case spec.AuthNone, spec.AuthAPIKey, spec.AuthBearer, spec.AuthBasic, spec.AuthOAuth2:
	default:
		return nil, fmt.Errorf("auth type %q: expected none, api_key, bearer, basic or oauth2", cfg.Auth.Type)
	}
	if cfg.Schema.File != "" {
		if c.validator, err = schema.LoadValidator(cfg.Schema.File); err != nil {
			return nil, fmt.Errorf("schema.file: %w", err)
		}
	}
	if c.budgets == nil {
		c.budgets = budget.NewRegistry("") // the origin's budget is this client's alone
	}
	c.budget = c.budgets.For(budget.Origin(c.endpoint.String())).Join(budget.Config{Profile: cfg.Name,
		RequestsPerSecond: cfg.RateLimit.RequestsPerSecond, Burst: cfg.RateLimit.Burst,
		IgnoreHeaders: cfg.RateLimit.IgnoreHeaders, MaxWait: cfg.Retry.MaxRetryAfter})
	rt := c.transport
	if rt == nil {
		if rt, err = baseTransport(cfg.TLS); err != nil {
			return nil, err
		}
	}
	if cfg.Auth.Type == spec.AuthOAuth2 {
		if c.tokens, err = newTokenManager(c, rt); err != nil {
			return nil, err
		}
	}
	c.secrets = newSecretSet(&cfg)
	c.http = c.newResty(&http.Client{Transport: replayTransport{bodybound.Transport{Next: rt, Unpacked: c.maxUnpacked}}, CheckRedirect: c.checkRedirect})
	return c, nil
}

// newResty is the resty client over hc that sends c's requests: the public
// headers set once (a partition's client makes its own over the same hc).
func (c *Client) newResty(hc *http.Client) *resty.Client {
	public := map[string]string{}
	for k, v := range c.cfg.Headers {
		if !c.secrets.headers[http.CanonicalHeaderKey(k)] {
			public[k] = v
		}
	}
	r := resty.NewWithClient(hc).
		SetLogger(quietLogger{}).
		SetRetryCount(0).
		SetDoNotParseResponse(true).
		SetHeaders(public) // secret ones are added per request by dress
	if _, ok := c.cfg.Headers["User-Agent"]; !ok {
		r.SetHeader("User-Agent", "siphon")
	}
	return r
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
func (c *Client) Config() spec.Config { return c.cfg }

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
	// References filled in per partition (${partition.start}) read as
	// written, not percent-escaped.
	return partitionRefEscaped.ReplaceAllString(c.redact().URL(u.String()), "$${partition.$1}")
}

// partitionRefEscaped is ${partition.NAME} as a query encodes it.
var partitionRefEscaped = regexp.MustCompile(`%24%7Bpartition\.([a-z]+)%7D`)

func newRedactor(cfg *spec.Config) *redact.Redactor {
	secrets := configSecrets(cfg)
	if cfg.Auth.Type == spec.AuthBasic && cfg.Auth.Password.Reveal() != "" {
		// the Authorization header carries the pair in base64
		secrets = append(secrets, base64.StdEncoding.EncodeToString([]byte(cfg.Auth.Username+":"+cfg.Auth.Password.Reveal())))
	}
	names := append(append([]string(nil), cfg.SecretHeaders...), cfg.SecretParams...)
	if cfg.Auth.Type == spec.AuthAPIKey && cfg.Auth.Name != "" {
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
func Transport(cfg spec.TLSConfig) (http.RoundTripper, error) { return baseTransport(cfg) }

// baseTransport is the TLS-configured transport every request goes through.
func baseTransport(cfg spec.TLSConfig) (*http.Transport, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 8
	t.MaxResponseHeaderBytes = bodybound.MaxResponseHeaderBytes
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
// host and port, or an allowed_hosts entry ("host" for any port, "host:port",
// or an origin "scheme://host:port").
func (c *Client) hostAllowed(u *url.URL) bool {
	if hostPort(u) == hostPort(c.endpoint) {
		return true
	}
	for _, h := range c.cfg.AllowedHosts {
		if strings.Contains(h, "://") {
			if a, err := url.Parse(strings.TrimSuffix(h, "/")); err == nil && a.Host != "" && origin(a) == origin(u) {
				return true
			}
			continue
		}
		if strings.EqualFold(h, u.Hostname()) || strings.EqualFold(h, hostPort(u)) || strings.EqualFold(h, u.Host) {
			return true
		}
	}
	return false
}

// plainAllowed reports whether the profile allows this exact plain-http
// origin although base_url is https: allowed_hosts names it with its scheme
// ("http://host:port"), which cannot be written by accident.
func (c *Client) plainAllowed(u *url.URL) bool {
	for _, h := range c.cfg.AllowedHosts {
		if a, err := url.Parse(strings.TrimSuffix(h, "/")); err == nil && strings.EqualFold(a.Scheme, "http") && a.Host != "" && origin(a) == origin(u) {
			return true
		}
	}
	return false
}

// origin is "scheme://host:port" with the default port filled in.
func origin(u *url.URL) string { return strings.ToLower(u.Scheme) + "://" + hostPort(u) }

// hostPort is "host:port" with the scheme's default port filled in.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	return strings.ToLower(u.Hostname()) + ":" + port
}

// secretSet is everything a request may carry only to base_url's origin:
// credential headers, headers and query parameters whose values hold a
// reference (or a secret value), and a body that holds one.
type secretSet struct {
	headers map[string]bool // canonical names
	params  map[string]bool
	body    bool
	values  []string // the secret values themselves, to catch them anywhere
}

func newSecretSet(cfg *spec.Config) secretSet {
	s := secretSet{headers: map[string]bool{}, params: map[string]bool{}, values: configSecrets(cfg)}
	holds := func(v string) bool {
		for _, sec := range s.values {
			if strings.Contains(v, sec) {
				return true
			}
		}
		return false
	}
	for _, h := range []string{"Authorization", "Proxy-Authorization", "Cookie"} {
		s.headers[h] = true
	}
	for _, h := range cfg.SecretHeaders {
		s.headers[http.CanonicalHeaderKey(h)] = true
	}
	for k, v := range cfg.Headers {
		if redact.IsCredentialName(k) || holds(v) {
			s.headers[http.CanonicalHeaderKey(k)] = true
		}
	}
	for _, p := range cfg.SecretParams {
		s.params[p] = true
	}
	for k, v := range cfg.Params {
		if redact.IsCredentialName(k) || holds(v) {
			s.params[k] = true
		}
	}
	if a := cfg.Auth; a.Type == spec.AuthAPIKey && a.Name != "" {
		if a.In == "query" {
			s.params[a.Name] = true
		} else {
			s.headers[http.CanonicalHeaderKey(a.Name)] = true
		}
	}
	body := string(cfg.Body)
	s.body = cfg.SecretBody || holds(body)
	for _, sec := range s.values {
		if q, _ := json.Marshal(sec); strings.Contains(body, string(q[1:len(q)-1])) {
			s.body = true
		}
	}
	return s
}

// configSecrets lists every secret value the profile resolved.
func configSecrets(cfg *spec.Config) []string {
	var out []string
	for _, s := range append([]spec.Secret{cfg.Auth.Value, cfg.Auth.Token, cfg.Auth.Password, cfg.Auth.ClientSecret, cfg.Auth.RefreshToken}, cfg.Secrets...) {
		if v := s.Reveal(); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// destination is the one decision about where a request may go and what it
// may carry, for the first page, every next page and every redirect: it
// refuses a host that is neither base_url's nor allowed, and plain http
// reached from an https base_url (unless allowed_hosts names that exact
// origin, "http://host:port"); it says whether the request may carry the
// profile's secrets, which only base_url's scheme, host and port may see.
func (c *Client) destination(u *url.URL) (secrets bool, err error) {
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return false, fmt.Errorf("%s is not an http(s) URL", c.redact().URL(u.String()))
	}
	if c.sameOrigin(u) {
		return true, nil
	}
	if scheme == "http" && strings.EqualFold(c.endpoint.Scheme, "https") && !c.plainAllowed(u) {
		return false, fmt.Errorf("%s is plain http while base_url is https: refused, it would travel unencrypted (to allow exactly this origin, add %q to allowed_hosts)", c.redact().URL(u.String()), origin(u))
	}
	if !c.hostAllowed(u) {
		return false, fmt.Errorf("%s leads to %s, which is neither base_url's host nor in allowed_hosts; add it to allowed_hosts to follow it (no credential is sent there)", c.redact().URL(u.String()), u.Host)
	}
	return false, nil
}

// strip removes from a request bound for another origin everything secret
// that could still be on it: secret headers, secret query parameters and
// any parameter whose value holds a secret. A secret left in the URL's path
// cannot be removed, and refuses the request.
func (c *Client) strip(h http.Header, u *url.URL) error {
	for name := range h {
		if c.secrets.headers[http.CanonicalHeaderKey(name)] || redact.IsCredentialName(name) {
			h.Del(name)
		}
	}
	h.Del("Referer") // Go sets it to the previous URL, query (and API key) included
	if u.RawQuery != "" {
		q := u.Query()
		changed := false
		for name, vs := range q {
			drop := c.secrets.params[name]
			for _, v := range vs {
				drop = drop || c.holdsSecret(v)
			}
			if drop {
				q.Del(name)
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	if c.holdsSecret(u.String()) || c.holdsSecret(u.Path) {
		return fmt.Errorf("%s carries a secret of the profile to another origin: refused", c.redact().URL(u.String()))
	}
	return nil
}

// holdsSecret reports whether s holds one of the profile's secret values.
func (c *Client) holdsSecret(s string) bool {
	for _, v := range c.secrets.values {
		if strings.Contains(s, v) {
			return true
		}
	}
	return false
}

// checkRedirect applies destination to every redirect; one that leaves
// base_url's origin loses every secret (Go keeps custom headers on
// redirects, and credential headers within a domain), and one that would
// re-send a body holding a secret is refused.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	secrets, err := c.destination(req.URL)
	if err != nil {
		return fmt.Errorf("redirect refused: %w", err)
	}
	if secrets {
		return nil
	}
	if c.secrets.body && (req.GetBody != nil || (req.Body != nil && req.Body != http.NoBody)) {
		return fmt.Errorf("redirect to %s refused: the request body holds a secret and goes only to base_url's origin", c.redact().URL(req.URL.String()))
	}
	if err := c.strip(req.Header, req.URL); err != nil {
		return fmt.Errorf("redirect refused: %w", err)
	}
	return nil
}

// dress adds the profile's credentials and secret headers to a request
// bound for base_url's origin; requests elsewhere go without.
func (c *Client) dress(ctx context.Context, r *resty.Request, u *url.URL, secrets bool) error {
	if !secrets {
		return nil
	}
	for k, v := range c.cfg.Headers {
		if c.secrets.headers[http.CanonicalHeaderKey(k)] {
			r.SetHeader(k, v)
		}
	}
	a := c.cfg.Auth
	switch a.Type {
	case spec.AuthAPIKey:
		if a.In == "query" {
			r.SetQueryParam(a.Name, a.Value.Reveal())
		} else {
			r.SetHeader(a.Name, a.Value.Reveal())
		}
	case spec.AuthBearer:
		r.SetAuthToken(a.Token.Reveal())
	case spec.AuthBasic:
		r.SetBasicAuth(a.Username, a.Password.Reveal())
	case spec.AuthOAuth2:
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
	if !c.redact().HidesValues() {
		return body
	}
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
	if a := c.cfg.Auth; a.Type == spec.AuthAPIKey && a.In == "query" {
		if u, err := url.Parse(raw); err == nil {
			q := u.Query()
			if q.Has(a.Name) {
				q.Del(a.Name)
				u.RawQuery = q.Encode()
				raw = u.String()
			}
		}
	}
	return c.checkpointText(raw)
}

// Exposures lists the ways the profile exposes its credentials, for the
// warnings a run starts with: TLS verification off, credentials over plain
// http beyond this machine, key and token files others can read.
func (c *Client) Exposures() []string {
	var out []string
	tlsOff := c.cfg.TLS.InsecureSkipVerify
	if tlsOff && strings.EqualFold(c.endpoint.Scheme, "https") {
		out = append(out, "TLS certificate verification is OFF (tls.insecure_skip_verify): anyone on the network path can read and change this traffic, credentials included")
	}
	if tlsOff && strings.EqualFold(c.endpoint.Scheme, "http") {
		out = append(out, "tls.insecure_skip_verify is set but base_url is plain http: there is no TLS to verify, and the traffic is not encrypted at all")
	}
	if strings.EqualFold(c.endpoint.Scheme, "http") && c.hasCredentials() && !loopback(c.endpoint.Hostname()) {
		out = append(out, fmt.Sprintf("credentials are sent over plain http to %s: anyone on the network path can read them; use https", c.endpoint.Host))
	}
	files := map[string]string{} // path → what it holds
	for _, s := range append([]spec.Secret{c.cfg.Auth.Value, c.cfg.Auth.Token, c.cfg.Auth.Password, c.cfg.Auth.ClientSecret}, c.cfg.Secrets...) {
		if p, ok := strings.CutPrefix(s.Ref(), "file:"); ok {
			files[p] = "the secret file"
		}
	}
	if p, ok := strings.CutPrefix(c.cfg.Auth.RefreshToken.Ref(), "file:"); ok {
		files[p] = "the refresh-token file"
	}
	if c.cfg.TLS.KeyFile != "" {
		files[c.cfg.TLS.KeyFile] = "the client key (tls.key_file)"
	}
	for _, path := range slices.Sorted(maps.Keys(files)) {
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			out = append(out, fmt.Sprintf("%s %s is readable by others (mode %04o); restrict it: chmod 600 %s", files[path], path, fi.Mode().Perm(), path))
		}
	}
	return out
}

// hasCredentials reports whether requests carry anything secret.
func (c *Client) hasCredentials() bool {
	return c.cfg.Auth.Type != spec.AuthNone || len(c.secrets.values) > 0 || len(c.cfg.SecretHeaders) > 0 || len(c.cfg.SecretParams) > 0
}

// loopback reports whether host is this machine.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// quietLogger keeps resty from writing to stderr behind the console's back.
type quietLogger struct{}

func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Debugf(string, ...any) {}
