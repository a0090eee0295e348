package curlimport_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"siphon/ingest/page"
	"siphon/ingest/spec"
	"siphon/profiles"
	"siphon/profiles/curlimport"
)

// want is what a profile made from a command loads to.
type want struct {
	method, baseURL, path string
	params, headers       map[string]string
	auth                  wantAuth
	body                  string // JSON; "" for none
	insecure              bool
	timeout               time.Duration
	vars                  []string // variable names, in order
	notes                 []string // substrings, each in some note
}

type wantAuth struct {
	typ, name, in, username, secret string
}

// Credentials used below. Each is distinctive, so that finding one in the
// output cannot be chance.
const (
	githubToken  = "ghp_16C7e42F292c6912E7710c838347Ae178B4a"
	stripeKey    = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
	jwt          = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
	sessionValue = "s%3AQx7vY2kLm9pR4tW8zB1nC6dF0gH3jK5"
	googleKey    = "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"
)

var cases = []struct {
	name    string
	command string
	profile string // the name given to Parse
	want    want
}{
	{
		name: "GitHub API with a bearer token",
		command: `curl -L \
  -H "Accept: application/vnd.github+json" \
  -H "Authorization: Bearer ` + githubToken + `" \
  -H "X-GitHub-Api-Version: 2022-11-28" \
  "https://api.github.com/user/repos?per_page=100&sort=updated"`,
		want: want{
			method: "GET", baseURL: "https://api.github.com", path: "/user/repos",
			params:  map[string]string{"per_page": "100", "sort": "updated"},
			headers: map[string]string{"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"},
			auth:    wantAuth{typ: "bearer", secret: githubToken},
			vars:    []string{"GITHUB_TOKEN"},
			notes:   []string{"dropped -L", "look like pagination: per_page"},
		},
	},
	{
		name:    "GitHub docs style, the token in a shell variable",
		command: `curl --request GET --url "https://api.github.com/orgs/$ORG/repos" --header "Authorization: Bearer $GITHUB_TOKEN" --header "Accept: application/vnd.github+json"`,
		profile: "org-repos",
		want: want{
			method: "GET", baseURL: "https://api.github.com", path: "/orgs/env-ORG/repos",
			headers: map[string]string{"Accept": "application/vnd.github+json"},
			auth:    wantAuth{typ: "bearer", secret: "env-GITHUB_TOKEN"},
			vars:    []string{"ORG", "GITHUB_TOKEN"},
		},
	},
	{
		name:    "Stripe with -u key: and -G -d",
		command: `curl https://api.stripe.com/v1/charges -u ` + stripeKey + `: -G -d limit=3 -d "created[gte]=1700000000"`,
		want: want{
			method: "GET", baseURL: "https://api.stripe.com", path: "/v1/charges",
			params:  map[string]string{"limit": "3", "created[gte]": "1700000000"},
			headers: map[string]string{"Authorization": "Basic " + b64(stripeKey+":")},
			vars:    []string{"STRIPE_BASIC_AUTH"},
			notes:   []string{"empty user or password"},
		},
	},
	{
		name: "Chrome Copy as cURL (bash)",
		command: `curl 'https://app.example.com/api/v3/orders?status=open&include=lines' \
  -H 'authority: app.example.com' \
  -H 'accept: application/json, text/plain, */*' \
  -H 'accept-language: en-GB,en;q=0.9' \
  -H 'accept-encoding: gzip, deflate, br, zstd' \
  -b '_ga=GA1.1.123; session=` + sessionValue + `' \
  -H 'if-none-match: W/"5f-abc"' \
  -H 'referer: https://app.example.com/orders' \
  -H 'sec-ch-ua: "Chromium";v="124", "Google Chrome";v="124"' \
  -H 'sec-ch-ua-mobile: ?0' \
  -H 'sec-fetch-mode: cors' \
  -H 'user-agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36' \
  -H 'x-csrf-token: 7c4a8d09ca3762af61e59520943dc26494f8941b' \
  --compressed`,
		profile: "orders",
		want: want{
			method: "GET", baseURL: "https://app.example.com", path: "/api/v3/orders",
			params: map[string]string{"status": "open", "include": "lines"},
			headers: map[string]string{
				"accept":          "application/json, text/plain, */*",
				"accept-language": "en-GB,en;q=0.9", "Cookie": "_ga=GA1.1.123; session=" + sessionValue,
				"referer": "https://app.example.com/orders", "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36",
				"x-csrf-token": "7c4a8d09ca3762af61e59520943dc26494f8941b",
			},
			vars:  []string{"ORDERS_COOKIE", "ORDERS_X_CSRF_TOKEN"},
			notes: []string{"dropped --compressed", "browser-only headers: authority, sec-ch-ua, sec-ch-ua-mobile, sec-fetch-mode", "accept-encoding", "if-none-match", "Cookie header comes from a variable"},
		},
	},
	{
		name: "Chrome Copy as cURL (cmd) with ^ escapes",
		command: "curl ^\"https://api.example.com/v1/search?q=caf^%^C3^%^A9^&limit=50^\" ^\r\n" +
			"  -H ^\"accept: application/json^\" ^\r\n" +
			"  -H ^\"authorization: Bearer " + jwt + "^\" ^\r\n" +
			"  -H ^\"content-type: application/json^\" ^\r\n" +
			"  --data-raw ^\"^{^\\^\"query^\\^\":^\\^\"100^% cotton^\\^\",^\\^\"size^\\^\":10^}^\" ^\r\n" +
			"  --compressed",
		profile: "search",
		want: want{
			method: "POST", baseURL: "https://api.example.com", path: "/v1/search",
			params:  map[string]string{"q": "café", "limit": "50"},
			headers: map[string]string{"accept": "application/json", "content-type": "application/json"},
			auth:    wantAuth{typ: "bearer", secret: jwt},
			body:    `{"query":"100% cotton","size":10}`,
			vars:    []string{"SEARCH_TOKEN"},
		},
	},
	{
		name: "Windows cmd, older style with \\\" inside quotes",
		command: "curl \"https://api.example.com/v1/events\" ^\n" +
			"  -H \"X-Api-Key: 0f8fad5b-d9cb-469f-a165-70867728950e\" ^\n" +
			"  --data-binary \"{\\\"type\\\":\\\"click\\\",\\\"tags\\\":[\\\"a b\\\"]}\"",
		profile: "events",
		want: want{
			method: "POST", baseURL: "https://api.example.com", path: "/v1/events",
			auth: wantAuth{typ: "api_key", name: "X-Api-Key", in: "header", secret: "0f8fad5b-d9cb-469f-a165-70867728950e"},
			body: `{"type":"click","tags":["a b"]}`,
			vars: []string{"EVENTS_API_KEY"},
		},
	},
	{
		name:    "-G with --data-urlencode",
		command: `curl -G https://api.example.com/search --data-urlencode "q=hello world & more" --data-urlencode "filter=type:issue" -d per_page=10`,
		want: want{
			method: "GET", baseURL: "https://api.example.com", path: "/search",
			params: map[string]string{"q": "hello world & more", "filter": "type:issue", "per_page": "10"},
		},
	},
	{
		name:    "--json body",
		command: `curl --json '{"query": "{ viewer { login } }", "variables": {"first": 50, "ratio": 0.25, "on": true, "none": null, "list": []}}' https://api.example.com/graphql -H "Authorization: bearer ` + githubToken + `"`,
		profile: "graphql",
		want: want{
			method: "POST", baseURL: "https://api.example.com", path: "/graphql",
			headers: map[string]string{"Content-Type": "application/json", "Accept": "application/json"},
			auth:    wantAuth{typ: "bearer", secret: githubToken},
			body:    `{"query":"{ viewer { login } }","variables":{"first":50,"ratio":0.25,"on":true,"none":null,"list":[]}}`,
			vars:    []string{"GRAPHQL_TOKEN"},
		},
	},
	{
		name: "POST with -d JSON and a password in the body",
		command: `curl -X POST https://auth.example.com/v1/reports \
     -H 'Content-Type: application/json' \
     -d '{"user": "ada", "password": "correct-horse-battery", "filters": {"from": "2024-01-01", "amount": 12345678901234567890}}'`,
		profile: "reports",
		want: want{
			method: "POST", baseURL: "https://auth.example.com", path: "/v1/reports",
			headers: map[string]string{"Content-Type": "application/json"},
			body:    `{"user":"ada","password":"correct-horse-battery","filters":{"from":"2024-01-01","amount":12345678901234567890}}`,
			vars:    []string{"REPORTS_PASSWORD"},
		},
	},
	{
		name:    "--url and -XPOST in one word, -sS cluster",
		command: `curl -sS -XPOST --url 'https://api.example.com:8443/v2/query' --data-raw '[1, 2, 3]' -m 30`,
		want: want{
			method: "POST", baseURL: "https://api.example.com:8443", path: "/v2/query",
			body: `[1,2,3]`, timeout: 30 * time.Second,
			notes: []string{"only change curl's output: -s, -S"},
		},
	},
	{
		name:    "$'...' quoting with escapes",
		command: `curl $'https://api.example.com/v1/notes' -H $'X-Note: it\'s\tfine' --data-raw $'{"text":"line1\\nline2 \'quoted\' caf\\u00e9","price":"$${{5}}"}'`,
		profile: "notes",
		want: want{
			method: "POST", baseURL: "https://api.example.com", path: "/v1/notes",
			headers: map[string]string{"X-Note": "it's\tfine"},
			body:    `{"text":"line1\nline2 'quoted' café","price":"$${{5}}"}`,
		},
	},
	{
		name:    "API key in the query",
		command: `curl "https://maps.googleapis.com/maps/api/geocode/json?address=1600+Amphitheatre&key=` + googleKey + `"`,
		profile: "geocode",
		want: want{
			method: "GET", baseURL: "https://maps.googleapis.com", path: "/maps/api/geocode/json",
			params: map[string]string{"address": "1600 Amphitheatre"},
			auth:   wantAuth{typ: "api_key", name: "key", in: "query", secret: googleKey},
			vars:   []string{"GEOCODE_API_KEY"},
		},
	},
	{
		name:    "cookies from -b and a Cookie header are merged",
		command: `curl https://shop.example.com/account/orders.json -b 'sid=` + sessionValue + `' -H 'Cookie: cart=7' -H 'Accept: application/json'`,
		profile: "shop",
		want: want{
			method: "GET", baseURL: "https://shop.example.com", path: "/account/orders.json",
			headers: map[string]string{"Cookie": "sid=" + sessionValue + "; cart=7", "Accept": "application/json"},
			vars:    []string{"SHOP_COOKIE"},
			notes:   []string{"merged the Cookie headers"},
		},
	},
	{
		name:    "-k and --max-time",
		command: `curl -k --max-time 2.5 https://10.0.0.7:9443/internal/metrics -u admin:s3cr3t-Pa55w0rd`,
		profile: "metrics",
		want: want{
			method: "GET", baseURL: "https://10.0.0.7:9443", path: "/internal/metrics",
			auth:     wantAuth{typ: "basic", username: "admin", secret: "s3cr3t-Pa55w0rd"},
			insecure: true, timeout: 2500 * time.Millisecond,
			vars:  []string{"METRICS_PASSWORD"},
			notes: []string{"WARNING: -k/--insecure"},
		},
	},
	{
		name:    "Authorization: Basic header is decoded",
		command: `curl https://jira.example.com/rest/api/2/search?jql=project%3DOPS -H "Authorization: Basic ` + b64("ops@example.com:ATATT3xFfGF0-token-value") + `"`,
		profile: "jira",
		want: want{
			method: "GET", baseURL: "https://jira.example.com", path: "/rest/api/2/search",
			params: map[string]string{"jql": "project=OPS"},
			auth:   wantAuth{typ: "basic", username: "ops@example.com", secret: "ATATT3xFfGF0-token-value"},
			vars:   []string{"JIRA_PASSWORD"},
		},
	},
	{
		name:    "API key header wins over a token parameter",
		command: `curl 'https://api.example.com/v1/items?access_token=tok-9f86d081884c7d659a2f&fields=id,name' -H 'x-api-key: key-2c26b46b68ffc68ff99b'`,
		profile: "items",
		want: want{
			method: "GET", baseURL: "https://api.example.com", path: "/v1/items",
			params: map[string]string{"access_token": "tok-9f86d081884c7d659a2f", "fields": "id,name"},
			auth:   wantAuth{typ: "api_key", name: "x-api-key", in: "header", secret: "key-2c26b46b68ffc68ff99b"},
			vars:   []string{"ITEMS_ACCESS_TOKEN", "ITEMS_API_KEY"},
		},
	},
	{
		name:    "user and password in the URL",
		command: `curl https://bot:p%40ss-w0rd-123@registry.example.com/v2/_catalog`,
		profile: "registry",
		want: want{
			method: "GET", baseURL: "https://registry.example.com", path: "/v2/_catalog",
			auth: wantAuth{typ: "basic", username: "bot", secret: "p@ss-w0rd-123"},
			vars: []string{"REGISTRY_PASSWORD"},
		},
	},
	{
		name:    "presigned URL, pasted with a prompt and a pipe",
		command: `$ curl -s "https://bucket.s3.amazonaws.com/export.json?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240101&X-Amz-Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024" | jq '.items'`,
		profile: "export",
		want: want{
			method: "GET", baseURL: "https://bucket.s3.amazonaws.com", path: "/export.json",
			params: map[string]string{
				"X-Amz-Algorithm":  "AWS4-HMAC-SHA256",
				"X-Amz-Credential": "AKIAIOSFODNN7EXAMPLE/20240101",
				"X-Amz-Signature":  "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024",
			},
			vars:  []string{"EXPORT_X_AMZ_CREDENTIAL", "EXPORT_X_AMZ_SIGNATURE"},
			notes: []string{"looks signed", "ignored everything after |"},
		},
	},
	{
		name:    "PUT and a form body cannot be carried over",
		command: `curl -X PUT https://api.example.com/v1/things/42 -d 'name=widget&colour=blue'`,
		profile: "things",
		want: want{
			method: "POST", baseURL: "https://api.example.com", path: "/v1/things/42",
			notes: []string{"dropped the form body (fields name, colour)", "method PUT is not available in a profile (GET or POST): used POST"},
		},
	},
}

func TestParse(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := curlimport.Parse(tc.command, tc.profile)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			cfg := load(t, res)
			w := tc.want
			check(t, "method", cfg.Method, w.method)
			check(t, "base_url", cfg.BaseURL, w.baseURL)
			check(t, "path", cfg.Path, w.path)
			check(t, "params", cfg.Params, orNil(w.params))
			check(t, "headers", cfg.Headers, orNil(w.headers))
			check(t, "auth", authOf(cfg.Auth), w.auth)
			check(t, "tls.insecure_skip_verify", cfg.TLS.InsecureSkipVerify, w.insecure)
			timeout := w.timeout
			if timeout == 0 {
				timeout = spec.DefaultTimeout
			}
			check(t, "timeout", cfg.Timeout, timeout)
			checkBody(t, cfg.Body, w.body)
			check(t, "records", cfg.Records, ".")
			check(t, "pagination.type", cfg.Pagination.Type, "none")

			var names []string
			for _, v := range res.Vars {
				names = append(names, v.Name)
			}
			if tc.profile == "" {
				// Derived names come from the host: api.github.com is github.
				names = trimPrefixes(names, "GITHUB_", "STRIPE_", "EXAMPLE_")
				w.vars = trimPrefixes(w.vars, "GITHUB_", "STRIPE_", "EXAMPLE_")
			}
			check(t, "vars", names, w.vars)
			for _, want := range w.notes {
				if !slices.ContainsFunc(res.Notes, func(n string) bool { return strings.Contains(n, want) }) {
					t.Errorf("no note contains %q; notes:\n%s", want, strings.Join(res.Notes, "\n"))
				}
			}
			assertNoSecrets(t, res, secretsOf(w, res))
		})
	}
}

// load loads the profile with each variable set to the value found (or,
// for a variable the command itself read, to env-NAME).
func load(t *testing.T, res *curlimport.Result) spec.Config {
	t.Helper()
	env := map[string]string{}
	for _, v := range res.Vars {
		env[v.Name] = v.Value
		if v.Value == "" {
			env[v.Name] = "env-" + v.Name
		}
	}
	p, err := profiles.Loader{CheckExpr: page.Check, LookupEnv: func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}}.LoadBytes("imported.yaml", res.YAML)
	if err != nil {
		t.Fatalf("the profile does not load: %v\n%s", err, res.YAML)
	}
	return p.Config
}

func authOf(a spec.AuthConfig) wantAuth {
	switch a.Type {
	case spec.AuthBearer:
		return wantAuth{typ: a.Type, secret: a.Token.Reveal()}
	case spec.AuthBasic:
		return wantAuth{typ: a.Type, username: a.Username, secret: a.Password.Reveal()}
	case spec.AuthAPIKey:
		return wantAuth{typ: a.Type, name: a.Name, in: a.In, secret: a.Value.Reveal()}
	case spec.AuthNone:
		return wantAuth{}
	}
	return wantAuth{typ: a.Type}
}

// secretsOf lists the values that must not appear in the output: every
// variable's value, and the credentials the case expects to load.
func secretsOf(w want, res *curlimport.Result) []string {
	var out []string
	for _, v := range res.Vars {
		if v.Value != "" {
			out = append(out, v.Value)
		}
	}
	if w.auth.secret != "" && !strings.HasPrefix(w.auth.secret, "env-") {
		out = append(out, w.auth.secret)
	}
	return out
}

// assertNoSecrets checks that no secret value is in the YAML or the notes.
func assertNoSecrets(t *testing.T, res *curlimport.Result, secrets []string) {
	t.Helper()
	if len(res.Vars) > 0 && len(secrets) == 0 && !allFromEnv(res.Vars) {
		t.Fatal("variables without values: the secret check would check nothing")
	}
	for _, s := range secrets {
		if bytes.Contains(res.YAML, []byte(s)) {
			t.Errorf("the YAML holds the secret %q:\n%s", s, res.YAML)
		}
		for _, n := range res.Notes {
			if strings.Contains(n, s) {
				t.Errorf("note %q holds the secret %q", n, s)
			}
		}
	}
}

func allFromEnv(vars []curlimport.Var) bool {
	return !slices.ContainsFunc(vars, func(v curlimport.Var) bool { return v.Value != "" })
}

func checkBody(t *testing.T, got json.RawMessage, want string) {
	t.Helper()
	if want == "" {
		if got != nil {
			t.Errorf("body = %s, want none", got)
		}
		return
	}
	var g, w bytes.Buffer
	if err := json.Compact(&g, got); err != nil {
		t.Fatalf("body %s: %v", got, err)
	}
	if err := json.Compact(&w, []byte(want)); err != nil {
		t.Fatalf("want body %s: %v", want, err)
	}
	if g.String() != w.String() {
		t.Errorf("body = %s\nwant   %s", g.String(), w.String())
	}
}

func check[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Errorf("%s = %s, want %s", what, g, w)
	}
}

func orNil(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}

func trimPrefixes(names []string, prefixes ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		for _, p := range prefixes {
			n = strings.TrimPrefix(n, p)
		}
		out[i] = n
	}
	return out
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
