package profiles

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"siphon/ingest/page"
	"siphon/ingest/spec"
)

// filesDir is testdata/files as the loader resolves it.
func filesDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("testdata/files")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLoadFullProfile(t *testing.T) {
	files := filesDir(t)
	want := spec.Config{
		Name:        "orders",
		Description: "Orders, newest last",
		BaseURL:     "https://api.example.com/v2",
		Path:        "/orders",
		Method:      "POST",
		Params:      map[string]string{"status": "all", "limit_hint": "100", "expand": "true", "api_key": "value-of-param-key"},
		Headers: map[string]string{
			"Accept":        "application/json",
			"X-Tenant":      "acme",
			"Authorization": "Bearer value-of-header-token",
			"X-Signature":   "orders-token-from-file",
		},
		Body: json.RawMessage(`{"query":{"status":["open","closed"],"min_id":9007199254740993,"ratio":0.25},"price":"$5","note":null,"ok":true}`),
		Auth: spec.AuthConfig{Type: "bearer", Token: spec.NewSecret("${ORDERS_TOKEN}", "value-of-orders-token")},
		TLS: spec.TLSConfig{
			CAFile:   filepath.Join(files, "ca.pem"),
			CertFile: filepath.Join(files, "client.pem"),
			KeyFile:  filepath.Join(files, "client.key"),
		},
		Records:    ".data[]",
		PrimaryKey: []string{"region", "id"},
		Pagination: spec.PaginationConfig{
			Type: "cursor", Limit: 100, LimitParam: "page_size", MaxPages: 50, In: "query",
			CursorParam: "after", CursorPath: ".pagination.next_cursor",
			OffsetParam: "offset", PageParam: "page", StartPage: 1, Rel: "next",
		},
		RateLimit: spec.RateLimitConfig{RequestsPerSecond: 2, Burst: 5, IgnoreHeaders: true},
		Retry: spec.RetryConfig{
			MaxElapsed: spec.DefaultMaxElapsed, MaxAttempts: 4, InitialBackoff: 250 * time.Millisecond, MaxBackoff: 30 * time.Second,
			OnStatus: []int{429, 503}, MaxRetryAfter: 2 * time.Minute,
		},
		Timeout:      10 * time.Second,
		AllowedHosts: []string{"cdn.example.com", "files.example.com:8443"},
		Schema:       spec.SchemaConfig{OnDrift: "fail", File: filepath.Join(files, "record.schema.json"), OnInvalid: "fail"},
		Output:       spec.OutputConfig{Dir: "./out/orders", RawPages: false},
		Secrets: []spec.Secret{ // sorted by reference
			spec.NewSecret("${ORDERS_HEADER_TOKEN}", "value-of-header-token"),
			spec.NewSecret("${ORDERS_PARAM_KEY}", "value-of-param-key"),
			spec.NewSecret("file:"+filepath.Join(files, "token.txt"), "orders-token-from-file"),
		},
		SecretHeaders: []string{"Authorization", "X-Signature"}, // not X-Tenant: ${TENANT:-acme} took its default
		SecretParams:  []string{"api_key"},
		ShownAs: map[string]string{ // what a shown request carries in place of the values
			"headers.Authorization": "Bearer ${ORDERS_HEADER_TOKEN}",
			"headers.X-Signature":   "file:" + filepath.Join(files, "token.txt"),
			"params.api_key":        "${ORDERS_PARAM_KEY}",
		},
	}
	p, err := Loader{CheckExpr: page.Check, LookupEnv: env(testEnv)}.LoadFile("testdata/valid/cursor.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Path != "testdata/valid/cursor.yaml" {
		t.Errorf("Path = %q", p.Path)
	}
	if !reflect.DeepEqual(p.Config, want) {
		t.Errorf("config differs:\n got %+v\nwant %+v", p.Config, want)
		assertSecretsEqual(t, p.Config.Secrets, want.Secrets)
	}
}

// assertSecretsEqual compares secrets by reference and value (%v hides values).
func assertSecretsEqual(t *testing.T, got, want []spec.Secret) {
	t.Helper()
	pairs := func(s []spec.Secret) (out []string) {
		for _, x := range s {
			out = append(out, x.Ref()+"="+x.Reveal())
		}
		return out
	}
	if !reflect.DeepEqual(pairs(got), pairs(want)) {
		t.Errorf("secrets = %q, want %q", pairs(got), pairs(want))
	}
}

func TestLoadEachPaginationAndAuthType(t *testing.T) {
	files := filesDir(t)
	defaults := func(p spec.PaginationConfig) spec.PaginationConfig {
		c := spec.Config{Pagination: p}
		c.ApplyDefaults()
		return c.Pagination
	}
	tests := []struct {
		file       string
		name       string
		pagination spec.PaginationConfig
		auth       spec.AuthConfig
	}{
		{"offset.yaml", "offset", // name from the file name
			defaults(spec.PaginationConfig{Type: "offset", Limit: 50, OffsetParam: "skip", Start: "100", TotalPath: ".meta.total"}),
			spec.AuthConfig{Type: "api_key", Name: "X-API-Key", In: "header", Value: spec.NewSecret("${ITEMS_KEY}", "value-of-items-key")}},
		{"page.yaml", "customers",
			defaults(spec.PaginationConfig{Type: "page", PageParam: "p", StartPage: 2, TotalPagesPath: ".total_pages"}),
			spec.AuthConfig{Type: "basic", Username: "reporting", Password: spec.NewSecret("file:"+filepath.Join(files, "token.txt"), "orders-token-from-file")}},
		{"cursor.yaml", "orders",
			defaults(spec.PaginationConfig{Type: "cursor", Limit: 100, LimitParam: "page_size", CursorParam: "after", CursorPath: ".pagination.next_cursor", MaxPages: 50}),
			spec.AuthConfig{Type: "bearer", Token: spec.NewSecret("${ORDERS_TOKEN}", "value-of-orders-token")}},
		{"next_url.yaml", "invoices",
			defaults(spec.PaginationConfig{Type: "next_url", NextURLPath: `."@odata.nextLink"`}),
			spec.AuthConfig{
				Type: "oauth2", Grant: "client_credentials", TokenURL: "https://auth.example.com/oauth/token", ClientID: "siphon",
				ClientSecret: spec.NewSecret("${INVOICES_CLIENT_SECRET}", "value-of-client-secret"),
				Scopes:       []string{"invoices.read", "customers.read"}, Extra: map[string]string{"audience": "https://billing.example.com"},
			}},
		{"link_header.yaml", "repos",
			defaults(spec.PaginationConfig{Type: "link_header", Rel: "next", Limit: 100, LimitParam: "per_page"}),
			spec.AuthConfig{Type: "api_key", Name: "access_key", In: "query", Value: spec.NewSecret("${REPOS_KEY}", "value-of-repos-key")}},
		{"keyset.yaml", "events",
			defaults(spec.PaginationConfig{Type: "keyset", Param: "after_id", Field: "seq", Start: "1000"}),
			spec.AuthConfig{
				Type: "oauth2", Grant: "refresh_token", TokenURL: "https://auth.example.com/token", ClientID: "siphon-cli",
				RefreshToken: spec.NewSecret("file:"+filepath.Join(files, "refresh.txt"), "refresh-from-file"),
			}},
		{"timestamp.yaml", "tickets",
			defaults(spec.PaginationConfig{Type: "timestamp", Param: "updated_since", Field: "updated_at", Start: "2024-01-01T00:00:00Z", Inclusive: true}),
			spec.AuthConfig{
				Type: "oauth2", Grant: "authorization_code", TokenURL: "https://support.example.com/oauth/token",
				AuthorizeURL: "https://support.example.com/oauth/authorize", ClientID: "siphon", Scopes: []string{"read"},
				// The file does not exist until siphon auth login: no value yet.
				RefreshToken: spec.NewSecret("file:"+filepath.Join(files, "not-yet-signed-in.token"), ""),
			}},
		{"none.yaml", "status", defaults(spec.PaginationConfig{Type: "none"}), spec.AuthConfig{Type: "none"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p, err := Loader{CheckExpr: page.Check, LookupEnv: env(testEnv)}.LoadFile(filepath.Join("testdata/valid", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if p.Config.Name != tt.name {
				t.Errorf("name = %q, want %q", p.Config.Name, tt.name)
			}
			if !reflect.DeepEqual(p.Config.Pagination, tt.pagination) {
				t.Errorf("pagination:\n got %+v\nwant %+v", p.Config.Pagination, tt.pagination)
			}
			if !reflect.DeepEqual(p.Config.Auth, tt.auth) {
				t.Errorf("auth:\n got %+v\nwant %+v", p.Config.Auth, tt.auth)
				assertSecretsEqual(t,
					[]spec.Secret{p.Config.Auth.Value, p.Config.Auth.Token, p.Config.Auth.Password, p.Config.Auth.ClientSecret, p.Config.Auth.RefreshToken},
					[]spec.Secret{tt.auth.Value, tt.auth.Token, tt.auth.Password, tt.auth.ClientSecret, tt.auth.RefreshToken})
			}
		})
	}
}

func TestDefaultsWhenAbsent(t *testing.T) {
	p, err := Loader{CheckExpr: page.Check}.LoadFile("testdata/valid/none.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := p.Config
	if c.RateLimit.IgnoreHeaders || !c.Output.RawPages {
		t.Errorf("ignore headers = %v, raw_pages = %v; respect_headers and raw_pages default to true", c.RateLimit.IgnoreHeaders, c.Output.RawPages)
	}
	if c.Method != "GET" || c.Records != "." || c.Timeout != spec.DefaultTimeout || c.Retry.MaxRetryAfter != spec.DefaultMaxRetryAfter {
		t.Errorf("defaults not applied: %+v", c)
	}
	if c.Params != nil || c.Headers != nil || c.Body != nil || c.Secrets != nil {
		t.Errorf("absent maps should stay nil: %+v", c)
	}
}

func TestLoadValues(t *testing.T) {
	lookup := env(map[string]string{"SET": "v", "EMPTY": ""})
	tests := []struct {
		name  string
		yaml  string
		check func(c spec.Config) (got, want any)
	}{
		{"interpolation", `path: "/a/${SET}/$$/${NOPE:-dflt}/$x/${EMPTY}"`,
			func(c spec.Config) (any, any) { return c.Path, "/a/v/$/dflt/$x/" }},
		{"requests_per_minute", "rate_limit: {requests_per_minute: 90}",
			func(c spec.Config) (any, any) { return c.RateLimit.RequestsPerSecond, 1.5 }},
		{"method any case", "method: Post\nbody: {}",
			func(c spec.Config) (any, any) { return c.Method, "POST" }},
		{"params of every scalar", "params: {a: 1, b: 2.5, c: false, d: x, e: '007'}",
			func(c spec.Config) (any, any) {
				return c.Params, map[string]string{"a": "1", "b": "2.5", "c": "false", "d": "x", "e": "007"}
			}},
		{"primary_key string", "primary_key: id",
			func(c spec.Config) (any, any) { return c.PrimaryKey, []string{"id"} }},
		{"empty on_status means none", "retry: {on_status: []}",
			func(c spec.Config) (any, any) { return c.Retry.OnStatus, []int{} }},
		{"null sections are absent", "auth: null\npagination:\ndescription:",
			func(c spec.Config) (any, any) { return c.Auth.Type + "/" + c.Pagination.Type, "none/none" }},
		{"timestamp start unquoted", "pagination: {type: timestamp, start: 2024-05-01T10:00:00+02:00}",
			func(c spec.Config) (any, any) { return c.Pagination.Start, "2024-05-01T10:00:00+02:00" }},
		{"keyset start number", "pagination: {type: keyset, start: 42}",
			func(c spec.Config) (any, any) { return c.Pagination.Start, "42" }},
		{"sensitive header with default", "headers: {X-Api-Key: '${NOPE:-dev-key}'}",
			func(c spec.Config) (any, any) {
				return c.Headers["X-Api-Key"] + " " + c.Secrets[0].Ref() + " " + c.Secrets[0].Reveal(), "dev-key ${NOPE:-dev-key} dev-key"
			}},
		{"ipv6 allowed host", `allowed_hosts: ["[::1]:8080", "::1", cdn.example.com]`,
			func(c spec.Config) (any, any) {
				return c.AllowedHosts, []string{"[::1]:8080", "::1", "cdn.example.com"}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Loader{CheckExpr: page.Check, LookupEnv: lookup}.LoadBytes("t.yaml", []byte(base+tt.yaml+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := tt.check(p.Config); !reflect.DeepEqual(got, want) {
				t.Errorf("got %#v, want %#v", got, want)
			}
		})
	}
}

func TestAliasesAreFollowed(t *testing.T) {
	// An anchor on a value used twice; a top-level key for the anchor would be unknown.
	yaml := base + "headers:\n  Accept: &json application/json\n  Content-Type: *json\n"
	p, err := Loader{CheckExpr: page.Check}.LoadBytes("t.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Config.Headers["Content-Type"]; got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
}

func TestBigIntegerBody(t *testing.T) {
	yaml := base + `method: POST
body:
  id: 9007199254740993
  huge: 123456789012345678901234567890
  neg: -9007199254740993
  hex: 0x10
  float: 1.50
  exp: 1e3
  list: [1, "two", 3.0, null, true]
  nested: {empty_map: {}, empty_list: []}
  "<&>": "<&>"
`
	p, err := Loader{CheckExpr: page.Check}.LoadBytes("t.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":9007199254740993,"huge":123456789012345678901234567890,"neg":-9007199254740993,"hex":16,"float":1.50,"exp":1e3,` +
		`"list":[1,"two",3.0,null,true],"nested":{"empty_map":{},"empty_list":[]},"<&>":"<&>"}`
	if string(p.Config.Body) != want {
		t.Errorf("body:\n got %s\nwant %s", p.Config.Body, want)
	}
	if !json.Valid(p.Config.Body) {
		t.Errorf("body is not valid JSON")
	}
}

func TestNameFromFileName(t *testing.T) {
	tests := []struct{ file, name, err string }{
		{"my-api.yaml", "my-api", ""},
		{"v2.orders.yml", "v2.orders", ""},
		{"My API.yaml", "", `1:1: name: missing, and the file name "My API.yaml" is not a valid profile name; add name: with lower-case letters, digits, '.', '_' and '-'`},
	}
	for _, tt := range tests {
		p, err := Loader{CheckExpr: page.Check}.LoadBytes(filepath.Join("somewhere", tt.file), []byte("base_url: https://api.example.com\n"))
		got := strings.Join(problemsOf(t, err), "\n")
		if got != tt.err {
			t.Errorf("%s: error %q, want %q", tt.file, got, tt.err)
		}
		if err == nil && p.Config.Name != tt.name {
			t.Errorf("%s: name %q, want %q", tt.file, p.Config.Name, tt.name)
		}
	}
}

func TestSkipSecrets(t *testing.T) {
	files := filesDir(t)
	// No environment at all: references are kept, nothing is resolved.
	p, err := Loader{CheckExpr: page.Check, SkipSecrets: true, LookupEnv: env(nil)}.LoadFile("testdata/valid/cursor.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := p.Config
	if tok := c.Auth.Token; tok.Ref() != "${ORDERS_TOKEN}" || tok.Reveal() != "" {
		t.Errorf("token = %q/%q, want the reference and no value", tok.Ref(), tok.Reveal())
	}
	wantHeaders := map[string]string{
		"Accept": "application/json", "X-Tenant": "acme",
		"Authorization": "Bearer ${ORDERS_HEADER_TOKEN}", "X-Signature": "file:" + filepath.Join(files, "token.txt"),
	}
	if !reflect.DeepEqual(c.Headers, wantHeaders) {
		t.Errorf("headers = %v, want %v", c.Headers, wantHeaders)
	}
	assertSecretsEqual(t, c.Secrets, []spec.Secret{
		spec.NewSecret("${ORDERS_HEADER_TOKEN}", ""),
		spec.NewSecret("${ORDERS_PARAM_KEY}", ""),
		spec.NewSecret("file:"+filepath.Join(files, "token.txt"), ""),
	})

	// A secret file need not exist either; a plain ${VAR} still must be set.
	yaml := base + "auth: {type: bearer, token: 'file:nowhere/token'}\npath: /${NOPE}\n"
	_, err = Loader{CheckExpr: page.Check, SkipSecrets: true, LookupEnv: env(nil)}.LoadBytes("t.yaml", []byte(yaml))
	want := "4:7: path: environment variable NOPE is not set (export it, or write ${NOPE:-default})"
	if got := strings.Join(problemsOf(t, err), "\n"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSecretFileTrimsNewlineAndExpandsHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	writeFile(t, home, ".config/siphon/t.token", "tok-from-home\r\n")
	p, err := Loader{CheckExpr: page.Check}.LoadBytes("t.yaml", []byte(base+"auth: {type: bearer, token: 'file:~/.config/siphon/t.token'}\n"))
	if err != nil {
		t.Fatal(err)
	}
	tok := p.Config.Auth.Token
	if tok.Reveal() != "tok-from-home" || tok.Ref() != "file:"+filepath.Join(home, ".config/siphon/t.token") {
		t.Errorf("token = %q from %q", tok.Reveal(), tok.Ref())
	}
}

func TestLoadFileMissing(t *testing.T) {
	_, err := Loader{CheckExpr: page.Check}.LoadFile("testdata/no-such-profile.yaml")
	if err == nil || !strings.Contains(err.Error(), "no-such-profile.yaml") {
		t.Errorf("got %v, want an error naming the file", err)
	}
}

// Without CheckExpr the loader does not check jq (it does not link a jq
// engine): a run's compiler is the judge then.
func TestJQUncheckedWithoutCheckExpr(t *testing.T) {
	yaml := "base_url: https://api.example.com\nrecords: .data[\n"
	if _, err := (Loader{}).LoadBytes("t.yaml", []byte(yaml)); err != nil {
		t.Errorf("without CheckExpr: %v", err)
	}
	var asked []string
	check := func(s string) error { asked = append(asked, s); return nil }
	if _, err := (Loader{CheckExpr: check}).LoadBytes("t.yaml", []byte(yaml)); err != nil || len(asked) != 1 || asked[0] != ".data[" {
		t.Errorf("CheckExpr was asked %q, err %v", asked, err)
	}
}
