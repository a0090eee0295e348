package demoapi

import (
	"fmt"
	"time"
)

// Options configure an API. The zero value is a healthy API of 1000 records
// with no auth, no faults and no rate limit.
type Options struct {
	Records int           // dataset size, default 1000
	Seed    int64         // seeds the fault RNG (default 1)
	Latency time.Duration // added to every data response
	Groups  int           // groups of /v1/groups and /v1/group-items (default 50)
	Faults  Faults
	Auth    Auth   // zero: no static credentials required
	OAuth   *OAuth // nil: no OAuth2; else /oauth/token and /oauth/authorize serve, and data needs an access token
	// Session: data needs a session token from LoginPath, good for a few
	// requests (see Session); nil: no login.
	Session *Session
	// HMAC: data requests must be signed (see HMAC); nil: no signature.
	HMAC *HMAC

	// Now is the API's clock for token and code expiry and the rate-limit
	// windows; nil means time.Now. Tests inject one to expire tokens instantly.
	Now func() time.Time
}

// OAuth makes the API an OAuth2 authorization server for one client. With it,
// a data request needs an access token from /oauth/token (or one of the Auth
// credentials, if any are set).
type OAuth struct {
	ClientID     string        // required
	ClientSecret string        // empty: a public client, identified by client_id alone
	TokenTTL     time.Duration // access token lifetime, default DefaultTokenTTL
	// RotateRefresh makes every refresh_token grant return a new refresh
	// token and invalidate the one it used.
	RotateRefresh bool
	RefreshToken  string // a refresh token valid from the start; empty: none
}

// Faults say how often, and how, the data endpoints misbehave. Rates are
// probabilities in [0, 1] drawn per request.
type Faults struct {
	ServerErrorRate float64 // answer 500, 502 or 503 with a JSON error body
	ResetRate       float64 // drop the connection without a response (needs a hijackable connection, else http.ErrAbortHandler)
	TruncateRate    float64 // 200 with the full Content-Length, only part of the body, then close
	HTMLRate        float64 // 200 with Content-Type text/html and a "502 Bad Gateway" page
	TooManyRate     float64 // random 429 with Retry-After: 1
	SlowRate        float64 // delay SlowDelay before answering
	SlowDelay       time.Duration
	StallRate       float64 // headers and part of the body, then nothing until the client goes away (cap 2 min)

	// RateLimit allows this many requests per fixed 1-second window; 0: none.
	RateLimit int
	// RateLimitHeaders names the dialect announcing the limit: "x", "x-delta",
	// "ietf", "ietf-structured", "github" or "none". Default "x".
	RateLimitHeaders string

	DriftAfter     int // records with id > DriftAfter change shape; 0: never
	RepeatCursorAt int // cursor endpoint: this page's next cursor leads back to the previous page; 0: never
	EmptyPageAt    int // cursor endpoint: this page has no records but a next cursor; 0: never

	// HideEvery hides, on the offset and pages endpoints, the records whose
	// id is a multiple of it (as a permission filter would): the pages they
	// fall on come back short, and those endpoints declare no totals. 0: none.
	HideEvery int
	// OffsetCap answers, on the offset and pages endpoints, a request that
	// reaches past this many records (offset + limit > cap) with a 400
	// "Pagination limit reached for offset model", as APIs with a
	// deep-paging cap do; their id_gte filter gets past it. 0: no cap.
	OffsetCap int
}

// Auth lists the credentials the API accepts; any configured one will do.
// The API key is read from the X-API-Key header or the api_key query parameter.
type Auth struct {
	APIKey      string
	BearerToken string
	BasicUser   string
	BasicPass   string
}

// Rate-limit header dialects.
const (
	HeadersX              = "x"               // X-RateLimit-Limit/Remaining/Reset, reset as epoch seconds
	HeadersXDelta         = "x-delta"         // same names, reset as delta seconds
	HeadersIETF           = "ietf"            // RateLimit-Limit/Remaining/Reset, delta seconds
	HeadersIETFStructured = "ietf-structured" // RateLimit: limit=.., remaining=.., reset=.. and RateLimit-Policy
	HeadersGitHub         = "github"          // x-ratelimit-limit/remaining/used/reset/resource
	HeadersNone           = "none"
)

// RateLimitDialects lists every value RateLimitHeaders accepts.
var RateLimitDialects = []string{HeadersX, HeadersXDelta, HeadersIETF, HeadersIETFStructured, HeadersGitHub, HeadersNone}

// Defaults that apply when an option is left zero.
const (
	DefaultRecords   = 1000
	DefaultSeed      = 1
	DefaultSlowDelay = 500 * time.Millisecond
	DefaultTokenTTL  = time.Hour
	stallCap         = 2 * time.Minute
)

// Validate reports the first option that is out of range, naming it.
func (o Options) Validate() error {
	if o.Records < 0 {
		return fmt.Errorf("demoapi: records must not be negative, got %d", o.Records)
	}
	if o.Latency < 0 {
		return fmt.Errorf("demoapi: latency must not be negative, got %s", o.Latency)
	}
	f := o.Faults
	rates := []struct {
		name string
		v    float64
	}{
		{"fail-rate", f.ServerErrorRate}, {"reset-rate", f.ResetRate}, {"truncate-rate", f.TruncateRate},
		{"html-rate", f.HTMLRate}, {"429-rate", f.TooManyRate}, {"slow-rate", f.SlowRate}, {"stall-rate", f.StallRate},
	}
	for _, r := range rates {
		if err := checkRate(r.name, r.v); err != nil {
			return err
		}
	}
	if f.SlowDelay < 0 {
		return fmt.Errorf("demoapi: slow delay must not be negative, got %s", f.SlowDelay)
	}
	counts := []struct {
		name string
		v    int
	}{
		{"rate-limit", f.RateLimit}, {"drift-after", f.DriftAfter},
		{"repeat-cursor-at", f.RepeatCursorAt}, {"empty-page-at", f.EmptyPageAt},
		{"hide-every", f.HideEvery}, {"offset-cap", f.OffsetCap},
	}
	for _, c := range counts {
		if c.v < 0 {
			return fmt.Errorf("demoapi: %s must not be negative, got %d", c.name, c.v)
		}
	}
	if f.RateLimitHeaders != "" && !knownDialect(f.RateLimitHeaders) {
		return fmt.Errorf("demoapi: rate-limit-headers %q is not one of %v", f.RateLimitHeaders, RateLimitDialects)
	}
	if o.OAuth != nil {
		if o.OAuth.ClientID == "" {
			return fmt.Errorf("demoapi: oauth-client-id is required when OAuth is on")
		}
		if o.OAuth.TokenTTL < 0 {
			return fmt.Errorf("demoapi: token-ttl must not be negative, got %s", o.OAuth.TokenTTL)
		}
	}
	return nil
}

func checkRate(name string, v float64) error {
	if !(v >= 0 && v <= 1) { // also rejects NaN
		return fmt.Errorf("demoapi: %s must be between 0 and 1, got %v", name, v)
	}
	return nil
}

func knownDialect(d string) bool {
	for _, k := range RateLimitDialects {
		if d == k {
			return true
		}
	}
	return false
}

// withDefaults fills zero fields and clamps what Validate would reject, so
// New never fails: a negative count means "never", a rate outside [0, 1] is
// clamped, and an unknown header dialect falls back to "x".
func (o Options) withDefaults() Options {
	if o.Records <= 0 {
		o.Records = DefaultRecords
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	o.Latency = max(o.Latency, 0)
	f := &o.Faults
	for _, r := range []*float64{&f.ServerErrorRate, &f.ResetRate, &f.TruncateRate, &f.HTMLRate, &f.TooManyRate, &f.SlowRate, &f.StallRate} {
		*r = clampRate(*r)
	}
	if f.SlowDelay <= 0 {
		f.SlowDelay = DefaultSlowDelay
	}
	if !knownDialect(f.RateLimitHeaders) {
		f.RateLimitHeaders = HeadersX
	}
	for _, n := range []*int{&f.RateLimit, &f.DriftAfter, &f.RepeatCursorAt, &f.EmptyPageAt, &f.HideEvery, &f.OffsetCap} {
		*n = max(*n, 0)
	}
	if o.OAuth != nil {
		oa := *o.OAuth // a copy: the caller's struct may change later
		if oa.TokenTTL <= 0 {
			oa.TokenTTL = DefaultTokenTTL
		}
		o.OAuth = &oa
	}
	if o.Session != nil {
		se := *o.Session
		if se.Uses <= 0 {
			se.Uses = 3
		}
		o.Session = &se
	}
	if o.HMAC != nil {
		h := *o.HMAC
		if h.Header == "" {
			h.Header = "X-Signature"
		}
		if h.TimestampHeader == "" {
			h.TimestampHeader = "X-Timestamp"
		}
		if h.MaxSkew <= 0 {
			h.MaxSkew = 5 * time.Minute
		}
		o.HMAC = &h
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

func clampRate(v float64) float64 {
	if !(v > 0) { // NaN too
		return 0
	}
	return min(v, 1)
}
