package demoapi

import (
	"flag"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestRegisterFlagsParses(t *testing.T) {
	var o Options
	fs := flag.NewFlagSet("demo-server", flag.ContinueOnError)
	o.RegisterFlags(fs)
	args := []string{
		"--records", "50", "--seed", "9", "--latency", "20ms",
		"--fail-rate", "0.1", "--reset-rate", "0.2", "--truncate-rate", "0.3", "--html-rate", "0.4",
		"--429-rate", "0.5", "--slow-rate", "0.6", "--slow", "2s", "--stall-rate", "0.7",
		"--rate-limit", "20", "--rate-limit-headers", "github",
		"--drift-after", "40", "--repeat-cursor-at", "3", "--empty-page-at", "2",
		"--api-key", "k", "--bearer-token", "b", "--basic-user", "u", "--basic-pass", "p",
		"--oauth-client-id", "cid", "--oauth-client-secret", "cs", "--token-ttl", "200ms",
		"--rotate-refresh", "--refresh-token", "r0",
	}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	want := Options{
		Records: 50, Seed: 9, Latency: 20 * time.Millisecond,
		Faults: Faults{
			ServerErrorRate: 0.1, ResetRate: 0.2, TruncateRate: 0.3, HTMLRate: 0.4, TooManyRate: 0.5,
			SlowRate: 0.6, SlowDelay: 2 * time.Second, StallRate: 0.7, RateLimit: 20, RateLimitHeaders: "github",
			DriftAfter: 40, RepeatCursorAt: 3, EmptyPageAt: 2,
		},
		Auth:  Auth{APIKey: "k", BearerToken: "b", BasicUser: "u", BasicPass: "p"},
		OAuth: &OAuth{ClientID: "cid", ClientSecret: "cs", TokenTTL: 200 * time.Millisecond, RotateRefresh: true, RefreshToken: "r0"},
	}
	if !reflect.DeepEqual(o, want) {
		t.Fatalf("parsed\n%+v\nwant\n%+v", o, want)
	}
	if err := o.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
}

func TestRegisterFlagsDefaults(t *testing.T) {
	var o Options
	fs := flag.NewFlagSet("demo-server", flag.ContinueOnError)
	o.RegisterFlags(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if o.Records != DefaultRecords || o.Seed != DefaultSeed || o.Faults.SlowDelay != DefaultSlowDelay || o.Faults.RateLimitHeaders != HeadersX {
		t.Fatalf("defaults %+v", o)
	}
	if o.OAuth != nil {
		t.Fatalf("OAuth is on without any OAuth flag: %+v", *o.OAuth)
	}
}

func TestRegisterFlagsOAuth(t *testing.T) {
	tests := []struct {
		args []string
		want *OAuth
	}{
		{[]string{"--oauth-client-id", "c"}, &OAuth{ClientID: "c"}},
		{[]string{"--rotate-refresh=false"}, nil},
		{[]string{"--rotate-refresh=true", "--oauth-client-id", "c"}, &OAuth{ClientID: "c", RotateRefresh: true}},
		{[]string{"--token-ttl", "5m"}, &OAuth{TokenTTL: 5 * time.Minute}}, // on, and Validate will ask for the id
	}
	for _, tt := range tests {
		var o Options
		fs := flag.NewFlagSet("demo-server", flag.ContinueOnError)
		o.RegisterFlags(fs)
		if err := fs.Parse(tt.args); err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		if !reflect.DeepEqual(o.OAuth, tt.want) {
			t.Errorf("%v: OAuth %+v, want %+v", tt.args, o.OAuth, tt.want)
		}
	}
}

func TestRegisterFlagsShowsTokenTTLDefault(t *testing.T) {
	var o Options
	fs := flag.NewFlagSet("demo-server", flag.ContinueOnError)
	var help strings.Builder
	fs.SetOutput(&help)
	o.RegisterFlags(fs)
	fs.PrintDefaults()
	if !strings.Contains(help.String(), "(default 1h0m0s)") {
		t.Fatalf("help does not show the token TTL default:\n%s", help.String())
	}
}

func TestRegisterFlagsRejects(t *testing.T) {
	tests := []struct{ flag, value string }{
		{"--fail-rate", "1.5"},
		{"--reset-rate", "-0.1"},
		{"--html-rate", "NaN"},
		{"--429-rate", "often"},
		{"--rate-limit", "-1"},
		{"--records", "many"},
		{"--rate-limit-headers", "X-RateLimit"},
		{"--latency", "soon"},
		{"--token-ttl", "soon"},
		{"--token-ttl", "-1s"},
		{"--token-ttl", "0"},
		{"--rotate-refresh=maybe", ""},
	}
	for _, tt := range tests {
		var o Options
		fs := flag.NewFlagSet("demo-server", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		o.RegisterFlags(fs)
		args := []string{tt.flag, tt.value}
		if tt.value == "" {
			args = args[:1]
		}
		err := fs.Parse(args)
		name, _, _ := strings.Cut(strings.TrimLeft(tt.flag, "-"), "=")
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s %s: error %v, want one naming the flag", tt.flag, tt.value, err)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string // part of the error; "" for none
	}{
		{"zero", Options{}, ""},
		{"negative records", Options{Records: -1}, "records"},
		{"rate above 1", Options{Faults: Faults{StallRate: 2}}, "stall-rate"},
		{"negative drift", Options{Faults: Faults{DriftAfter: -3}}, "drift-after"},
		{"unknown dialect", Options{Faults: Faults{RateLimitHeaders: "retry"}}, "rate-limit-headers"},
		{"negative latency", Options{Latency: -time.Second}, "latency"},
		{"oauth without client id", Options{OAuth: &OAuth{ClientSecret: "s"}}, "oauth-client-id"},
		{"negative token ttl", Options{OAuth: &OAuth{ClientID: "c", TokenTTL: -time.Second}}, "token-ttl"},
		{"oauth public client", Options{OAuth: &OAuth{ClientID: "c"}}, ""},
	}
	for _, tt := range tests {
		err := tt.opts.Validate()
		if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: Validate() = %v, want an error naming %q", tt.name, err, tt.want)
		}
	}
}

func TestNewClampsWhatValidateRejects(t *testing.T) {
	a := New(Options{Records: -5, Faults: Faults{ServerErrorRate: 3, ResetRate: -1, RateLimitHeaders: "bogus", RateLimit: -2}})
	f := a.opts.Faults
	if a.Len() != DefaultRecords || f.ServerErrorRate != 1 || f.ResetRate != 0 || f.RateLimitHeaders != HeadersX || a.limiter != nil {
		t.Fatalf("New kept bad options: len %d, faults %+v", a.Len(), f)
	}
}
