package apitest

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
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

	fs.StringVar(&o.Auth.APIKey, "api-key", o.Auth.APIKey, "require this API key (X-API-Key header or api_key parameter)")
	fs.StringVar(&o.Auth.BearerToken, "bearer-token", o.Auth.BearerToken, "require this bearer token")
	fs.StringVar(&o.Auth.BasicUser, "basic-user", o.Auth.BasicUser, "require basic auth with this user")
	fs.StringVar(&o.Auth.BasicPass, "basic-pass", o.Auth.BasicPass, "and this password")
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
