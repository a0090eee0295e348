package demoapi

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// RegisterFlags binds the options to flags for `siphon demo-server`. Values
// already in o are the defaults; zero fields show the API's defaults. Rates,
// counts and the header dialect are checked as they are parsed.
func (o *Options) RegisterFlags(fs *flag.FlagSet) {
	if o.Records == 0 {
		o.Records = DefaultRecords
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	f := &o.Faults
	if f.SlowDelay == 0 {
		f.SlowDelay = DefaultSlowDelay
	}
	if f.RateLimitHeaders == "" {
		f.RateLimitHeaders = HeadersX
	}

	fs.Var((*countValue)(&o.Records), "records", "number of records in the dataset")
	fs.Int64Var(&o.Seed, "seed", o.Seed, "seed of the fault RNG (same seed, same faults)")
	fs.DurationVar(&o.Latency, "latency", o.Latency, "delay added to every data response")
	fs.IntVar(&o.Groups, "groups", o.Groups, "groups served by /v1/groups and /v1/group-items (0: 50)")

	fs.Var((*rateValue)(&f.ServerErrorRate), "fail-rate", "share of requests answered 500, 502 or 503 (0 to 1)")
	fs.Var((*rateValue)(&f.ResetRate), "reset-rate", "share of connections dropped without a response (0 to 1)")
	fs.Var((*rateValue)(&f.TruncateRate), "truncate-rate", "share of bodies cut short (0 to 1)")
	fs.Var((*rateValue)(&f.HTMLRate), "html-rate", "share of 200s with an HTML error page (0 to 1)")
	fs.Var((*rateValue)(&f.TooManyRate), "429-rate", "share of random 429s with Retry-After: 1 (0 to 1)")
	fs.Var((*rateValue)(&f.SlowRate), "slow-rate", "share of slow responses (0 to 1)")
	fs.DurationVar(&f.SlowDelay, "slow", f.SlowDelay, "delay of a slow response")
	fs.Var((*rateValue)(&f.StallRate), "stall-rate", "share of bodies that stall part-way until the client gives up (0 to 1)")

	fs.Var((*countValue)(&f.RateLimit), "rate-limit", "requests per second allowed, in fixed 1-second windows (0: none)")
	fs.Var((*dialectValue)(&f.RateLimitHeaders), "rate-limit-headers", "rate-limit header dialect: "+strings.Join(RateLimitDialects, ", "))
	fs.Var((*countValue)(&f.DriftAfter), "drift-after", "records with a higher id change shape (0: never)")
	fs.Var((*countValue)(&f.RepeatCursorAt), "repeat-cursor-at", "cursor endpoint: page whose next cursor leads back (0: never)")
	fs.Var((*countValue)(&f.EmptyPageAt), "empty-page-at", "cursor endpoint: page with no records but a next cursor (0: never)")
	fs.Var((*countValue)(&f.HideEvery), "hide-every", "offset and pages endpoints: never serve records whose id is a multiple of N (permission-filtered), so some pages come back short; no totals then (0: none)")
	fs.Var((*countValue)(&f.OffsetCap), "offset-cap", "offset and pages endpoints: answer a request reaching past N records (offset+limit > N) with 400 \"Pagination limit reached for offset model\"; id_gte gets past it (0: no cap)")

	fs.StringVar(&o.Auth.APIKey, "api-key", o.Auth.APIKey, "require this API key (X-API-Key header or api_key parameter)")
	fs.StringVar(&o.Auth.BearerToken, "bearer-token", o.Auth.BearerToken, "require this bearer token")
	fs.StringVar(&o.Auth.BasicUser, "basic-user", o.Auth.BasicUser, "require basic auth with this user")
	fs.StringVar(&o.Auth.BasicPass, "basic-pass", o.Auth.BasicPass, "and this password")

	// Any OAuth flag turns OAuth on; Validate then insists on a client id.
	fs.Var(&oauthText{o, func(a *OAuth) *string { return &a.ClientID }}, "oauth-client-id", "serve OAuth2 at "+TokenPath+" and "+AuthorizePath+" for this client; data then needs an access token")
	fs.Var(&oauthText{o, func(a *OAuth) *string { return &a.ClientSecret }}, "oauth-client-secret", "the OAuth2 client's secret (empty: a public client)")
	fs.Var(&oauthTTL{o}, "token-ttl", "OAuth2 access token lifetime")
	fs.Var(&oauthRotate{o}, "rotate-refresh", "OAuth2: each refresh returns a new refresh token and invalidates the old one")
	fs.Var(&oauthText{o, func(a *OAuth) *string { return &a.RefreshToken }}, "refresh-token", "OAuth2: a refresh token valid from the start")
}

// oauthOn returns o.OAuth, creating it: setting any OAuth field turns OAuth on.
func (o *Options) oauthOn() *OAuth {
	if o.OAuth == nil {
		o.OAuth = &OAuth{}
	}
	return o.OAuth
}

// oauthText is a string flag for one OAuth field.
type oauthText struct {
	o     *Options
	field func(*OAuth) *string
}

func (v *oauthText) String() string {
	if v == nil || v.o == nil || v.o.OAuth == nil {
		return ""
	}
	return *v.field(v.o.OAuth)
}

func (v *oauthText) Set(s string) error {
	*v.field(v.o.oauthOn()) = s
	return nil
}

// oauthTTL is the access token lifetime flag: a positive duration.
type oauthTTL struct{ o *Options }

func (v *oauthTTL) String() string {
	if v == nil || v.o == nil {
		return ""
	}
	if v.o.OAuth == nil || v.o.OAuth.TokenTTL == 0 {
		return DefaultTokenTTL.String()
	}
	return v.o.OAuth.TokenTTL.String()
}

func (v *oauthTTL) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return fmt.Errorf("want a positive duration such as 200ms or 1h, got %q", s)
	}
	v.o.oauthOn().TokenTTL = d
	return nil
}

// oauthRotate is the boolean --rotate-refresh flag.
type oauthRotate struct{ o *Options }

func (v *oauthRotate) IsBoolFlag() bool { return true }

func (v *oauthRotate) String() string {
	if v == nil || v.o == nil || v.o.OAuth == nil {
		return "false"
	}
	return strconv.FormatBool(v.o.OAuth.RotateRefresh)
}

func (v *oauthRotate) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("want true or false, got %q", s)
	}
	if !b && v.o.OAuth == nil {
		return nil // --rotate-refresh=false alone leaves OAuth off
	}
	v.o.oauthOn().RotateRefresh = b
	return nil
}

// rateValue is a probability flag.
type rateValue float64

func (v *rateValue) String() string { return strconv.FormatFloat(float64(*v), 'g', -1, 64) }

func (v *rateValue) Set(s string) error {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !(f >= 0 && f <= 1) {
		return fmt.Errorf("want a number from 0 to 1, got %q", s)
	}
	*v = rateValue(f)
	return nil
}

// countValue is a non-negative integer flag.
type countValue int

func (v *countValue) String() string { return strconv.Itoa(int(*v)) }

func (v *countValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("want a whole number >= 0, got %q", s)
	}
	*v = countValue(n)
	return nil
}

// dialectValue is a rate-limit header dialect flag.
type dialectValue string

func (v *dialectValue) String() string { return string(*v) }

func (v *dialectValue) Set(s string) error {
	if !knownDialect(s) {
		return fmt.Errorf("want one of %s, got %q", strings.Join(RateLimitDialects, ", "), s)
	}
	*v = dialectValue(s)
	return nil
}
