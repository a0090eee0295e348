package ingest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"github.com/go-resty/resty/v2"

	"siphon/ingest/apierror"
	"siphon/ingest/bodybound"
	"siphon/ingest/budget"
	"siphon/ingest/jqguard"
	"siphon/ingest/page"
	"siphon/ingest/paginate"
	"siphon/ingest/partition/partlist"
	"siphon/ingest/redact"
	"siphon/ingest/schema"
	"siphon/ingest/spec"
	"siphon/ingest/transport"
)

// Client pulls one profile's data. It holds one resty client (one
// connection pool), reused by every run of the profile.
type Client struct {
	cfg       spec.Config
	http      *resty.Client
	endpoint  *url.URL // base_url joined with path
	records   *page.Expr
	bodyErrs  *apierror.Rules     // error_when, error_message
	red       *transport.Redactor // grows as tokens arrive; shared with the partitions' clients
	tokens    *transport.Tokens   // oauth2 only; shared with the partitions' clients
	session   *transport.Session  // login only; shared with the partitions' clients
	renew     renewer             // tokens or session: what a 401 renews; nil: none
	budget    *budget.Member      // when a request may go; shared by every partition
	validator *schema.Validator   // nil without schema.file
	budgets   *budget.Registry    // WithBudgets; nil: a registry of the client's own
	guard     *transport.Guard    // where a request may go, with which secrets

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

// WithJQMemoryLimit sets the heap size at which a running jq expression
// (records, cursor, next URL, total, filters) is stopped (default 512 MiB;
// 0 or less: no bound). An expression like repeat(.) or def f: [f]; f grows
// without end; the request timeout alone would let it take gigabytes first.
func WithJQMemoryLimit(bytes int64) Option { return func(c *Client) { c.jqMemory = bytes } }

// DefaultMaxBodyBytes is the default cap on one response body.
const DefaultMaxBodyBytes = 64 << 20

// New checks cfg and builds its client.
func New(cfg spec.Config, opts ...Option) (*Client, error) {
	cfg.ApplyDefaults()
	c := &Client{cfg: cfg, commitInterval: 250 * time.Millisecond, jqMemory: jqguard.DefaultLimit}
	lim, err := bodybound.LimitsOf(&cfg, DefaultMaxBodyBytes)
	if err != nil {
		return nil, err
	}
	c.maxBody, c.maxRecord, c.maxUnpacked = lim.Body, lim.Record, lim.Unpacked
	for _, opt := range opts {
		opt(c)
	}
	c.red = transport.NewRedactor(&cfg)
	if c.endpoint, err = transport.JoinURL(cfg.BaseURL, cfg.Path); err != nil {
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
	if err := partlist.Check(&cfg); err != nil {
		return nil, err
	}
	switch cfg.Auth.Type {
	case spec.AuthNone, spec.AuthAPIKey, spec.AuthBearer, spec.AuthBasic, spec.AuthOAuth2, spec.AuthSigV4, spec.AuthLogin, spec.AuthHMAC:
	default:
		return nil, fmt.Errorf("auth type %q: expected none, api_key, bearer, basic, oauth2, aws_sigv4, login or hmac", cfg.Auth.Type)
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
		if rt, err = transport.TLS(cfg.TLS); err != nil {
			return nil, err
		}
	}
	switch cfg.Auth.Type {
	case spec.AuthOAuth2:
		if c.tokens, err = transport.NewTokens(&c.cfg, rt, c.red); err != nil {
			return nil, err
		}
		c.renew = c.tokens
	case spec.AuthLogin:
		if c.session, err = transport.NewSession(&c.cfg, rt, c.red); err != nil {
			return nil, err
		}
		c.renew = c.session
	}
	// Signing (aws_sigv4, hmac) is the last step before the wire, under
	// everything that sets headers.
	signed, err := transport.NewSigner(&c.cfg, rt)
	if err != nil {
		return nil, err
	}
	c.guard = transport.NewGuard(&c.cfg, c.endpoint, c.red, c.tokens, c.session)
	c.http = newResty(&http.Client{Transport: transport.Replay{Next: bodybound.Transport{Next: signed, Unpacked: c.maxUnpacked}}, CheckRedirect: c.guard.CheckRedirect})
	return c, nil
}

// guardJQ is jqguard.Guard at the client's bound.
func (c *Client) guardJQ(parent context.Context, what string) (ctx context.Context, stop func()) {
	return jqguard.Guard(parent, c.jqMemory, what)
}

// renewer gets a new credential after the API refused the one sent at
// sent: an OAuth2 access token, or a login's session token.
type renewer interface {
	RefreshSince(ctx context.Context, sent time.Time) (string, error)
}

// Logins is how many times the client logged in (auth type login).
func (c *Client) Logins() int { return c.session.Logins() }

// redact is the redactor now in force.
func (c *Client) redact() *redact.Redactor { return c.red.Load() }

// Exposures lists the ways the profile exposes its credentials, for the
// warnings a run starts with (see transport.Guard.Exposures).
func (c *Client) Exposures() []string { return c.guard.Exposures() }

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
