package ingest_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	"siphon/ingest/spec"
	"siphon/ingest/store"
)

// The tests in this file attack siphon as a hostile API would: servers on
// loopback that record everything they receive, link to other origins,
// redirect, downgrade to plain http and echo secrets back.

// received is one request as a hostile server saw it.
type received struct {
	Method string
	URL    string
	Header http.Header
	Body   string
}

// hostile is an API on loopback that records every request and answers
// with its script.
type hostile struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	script func(w http.ResponseWriter, r *http.Request)
}

// newHostile starts a plain http server, or an https one with files's
// certificate (for 127.0.0.1 and localhost).
func newHostile(t *testing.T, files *demoapi.TLSFiles, script func(w http.ResponseWriter, r *http.Request)) *hostile {
	t.Helper()
	h := &hostile{script: script}
	h.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.got = append(h.got, received{Method: r.Method, URL: r.URL.String(), Header: r.Header.Clone(), Body: string(body)})
		h.mu.Unlock()
		h.script(w, r)
	}))
	if files != nil {
		cfg, err := demoapi.ServerTLSConfig(*files, false)
		if err != nil {
			t.Fatal(err)
		}
		h.TLS = cfg
		h.StartTLS()
	} else {
		h.Start()
	}
	t.Cleanup(h.Close)
	return h
}

// requests returns what the server has received so far.
func (h *hostile) requests() []received {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]received(nil), h.got...)
}

// sawAny lists where any of the secrets reached the server.
func (h *hostile) sawAny(secrets ...string) []string {
	var where []string
	for _, r := range h.requests() {
		for _, s := range secrets {
			for _, f := range uniq(s, url.QueryEscape(s), url.PathEscape(s)) {
				if strings.Contains(r.URL, f) {
					where = append(where, r.Method+" "+r.URL+": in the URL")
				}
				if strings.Contains(r.Body, f) {
					where = append(where, r.Method+" "+r.URL+": in the body")
				}
				for name, vs := range r.Header {
					for _, v := range vs {
						if strings.Contains(v, f) {
							where = append(where, r.Method+" "+r.URL+": in header "+name)
						}
					}
				}
			}
		}
	}
	return where
}

// tlsFiles writes a fresh CA and server certificate for the test.
func tlsFiles(t *testing.T) *demoapi.TLSFiles {
	t.Helper()
	files, err := demoapi.WriteTLSFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &files
}

// jsonPage answers a page of records with an optional next link.
func jsonPage(w http.ResponseWriter, ids []int, next string) {
	w.Header().Set("Content-Type", "application/json")
	var recs []string
	for _, id := range ids {
		recs = append(recs, fmt.Sprintf(`{"id":%d}`, id))
	}
	nextJSON := "null"
	if next != "" {
		nextJSON = fmt.Sprintf("%q", next)
	}
	fmt.Fprintf(w, `{"data":[%s],"next":%s}`, strings.Join(recs, ","), nextJSON)
}

// The secrets a hostile test profile holds, each in another place.
const (
	secretHeader = "hdr-Secret-5521aa"
	secretBearer = "bearer-Secret-77b1"
	secretCookie = "cookie-Secret-0c9e"
	secretBody   = "body-Secret-41f0dd"
	secretQuery  = "query-Secret-9d2e"
)

// secretProfile is a profile whose headers, params and (for POST) body hold
// references, the shape `siphon import curl` produces.
func secretProfile(base, caFile string, method string) spec.Config {
	cfg := spec.Config{Name: "hostile", BaseURL: base, Path: "/start", Method: method, Records: ".data",
		Headers: map[string]string{"X-Api-Token": secretHeader, "Authorization": "Bearer " + secretBearer, "Cookie": "session=" + secretCookie, "Accept": "application/json"},
		Params:  map[string]string{"q": secretQuery, "status": "all"},
		Secrets: []spec.Secret{spec.NewSecret("${HDR}", secretHeader), spec.NewSecret("${BEARER}", secretBearer),
			spec.NewSecret("${COOKIE}", secretCookie), spec.NewSecret("${Q}", secretQuery)},
		SecretHeaders: []string{"Authorization", "Cookie", "X-Api-Token"},
		SecretParams:  []string{"q"},
		TLS:           spec.TLSConfig{CAFile: caFile},
		Retry:         spec.RetryConfig{MaxAttempts: 1},
		Output:        spec.OutputConfig{RawPages: true},
	}
	if method == http.MethodPost {
		cfg.Body = []byte(fmt.Sprintf(`{"filter":%q}`, secretBody))
		cfg.Secrets = append(cfg.Secrets, spec.NewSecret("${BODY}", secretBody))
		cfg.SecretBody = true
	}
	return cfg
}

var allSecrets = []string{secretHeader, secretBearer, secretCookie, secretBody, secretQuery}

// TestSecretsStayAtTheirOrigin: a profile's secret headers, params and body
// reach base_url's origin only. Another origin, even an allowed one, reached
// through a next_url page, a Link rel=next page or a 3xx redirect, sees
// none of them; a POST body holding a secret is never sent there.
func TestSecretsStayAtTheirOrigin(t *testing.T) {
	files := tlsFiles(t)
	other := newHostile(t, files, func(w http.ResponseWriter, r *http.Request) { jsonPage(w, []int{2}, "") })
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1) // another host, same certificate
	var homeURL string
	home := newHostile(t, files, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("how") {
		case "next_url":
			jsonPage(w, []int{1}, otherURL+"/p2")
		case "link_header":
			w.Header().Set("Link", fmt.Sprintf(`<%s/p2>; rel="next"`, otherURL))
			jsonPage(w, []int{1}, "")
		case "redirect302", "redirect307":
			code := map[string]int{"redirect302": http.StatusFound, "redirect307": http.StatusTemporaryRedirect}[r.URL.Query().Get("how")]
			http.Redirect(w, r, otherURL+"/p1", code)
		}
	})
	homeURL = home.URL
	styles := map[string]spec.PaginationConfig{
		"next_url":    {Type: "next_url", NextURLPath: ".next"},
		"link_header": {Type: "link_header"},
		"redirect302": {Type: "none"},
		"redirect307": {Type: "none"},
	}
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		for _, how := range []string{"next_url", "link_header", "redirect302", "redirect307"} {
			t.Run(method+"/"+how, func(t *testing.T) {
				other.mu.Lock()
				other.got = nil
				other.mu.Unlock()
				cfg := secretProfile(homeURL, files.CAFile, method)
				cfg.Params["how"] = how
				cfg.Pagination = styles[how]
				cfg.AllowedHosts = []string{strings.TrimPrefix(otherURL, "https://")}
				_, err := run(t, cfg, ingest.Job{Out: t.TempDir()})
				if where := other.sawAny(allSecrets...); len(where) > 0 {
					t.Fatalf("the other origin received secrets: %v", where)
				}
				// a 302 turns the POST into a GET without its body: nothing
				// secret is left to send, so it may be followed
				bodyRefused := method == http.MethodPost && how != "redirect302"
				switch {
				case bodyRefused && err == nil:
					t.Fatal("a POST body holding a secret was re-sent to another origin")
				case bodyRefused:
					if !strings.Contains(err.Error(), "body holds a secret") || !strings.Contains(err.Error(), "page ") {
						t.Errorf("refusal %q does not say why and where", err)
					}
					for _, r := range other.requests() {
						if r.Body != "" {
							t.Errorf("the other origin received a body: %q", r.Body)
						}
					}
				case err != nil:
					t.Fatal(err)
				case len(other.requests()) == 0:
					t.Fatal("the other origin was never asked: the test proves nothing")
				}
			})
		}
	}
	// base_url's origin did receive every secret, each where it belongs.
	if where := home.sawAny(secretHeader, secretBearer, secretCookie, secretQuery, secretBody); len(where) < 5 {
		t.Errorf("base_url's origin saw too little: %v", where)
	}
}

// TestNoDowngradeToPlainHTTP: from an https base_url a next page or a
// redirect to plain http is refused, naming the page and the URL, even for
// an allowed host; only an allowed_hosts entry naming that exact origin,
// "http://host:port", lets it through, and then without any secret.
func TestNoDowngradeToPlainHTTP(t *testing.T) {
	files := tlsFiles(t)
	plain := newHostile(t, nil, func(w http.ResponseWriter, r *http.Request) { jsonPage(w, []int{2}, "") })
	home := newHostile(t, files, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("how") == "redirect" {
			http.Redirect(w, r, plain.URL+"/p1?token="+secretHeader, http.StatusFound)
			return
		}
		jsonPage(w, []int{1}, plain.URL+"/p2")
	})
	for _, how := range []string{"next_url", "redirect"} {
		t.Run(how, func(t *testing.T) {
			cfg := secretProfile(home.URL, files.CAFile, http.MethodGet)
			cfg.Params["how"] = how
			cfg.Pagination = spec.PaginationConfig{Type: "next_url", NextURLPath: ".next"}
			cfg.AllowedHosts = []string{"127.0.0.1"} // the host is allowed, plain http is not
			_, err := run(t, cfg, ingest.Job{Out: t.TempDir()})
			if err == nil {
				t.Fatal("followed an https → http downgrade")
			}
			msg := err.Error()
			page := map[string]string{"next_url": "page 2", "redirect": "page 1"}[how]
			if !strings.Contains(msg, "plain http") || !strings.Contains(msg, page) || !strings.Contains(msg, plain.URL) {
				t.Errorf("refusal %q does not name the page (%s) and the URL (%s)", msg, page, plain.URL)
			}
			if strings.Contains(msg, secretHeader) {
				t.Errorf("refusal %q shows a secret", msg)
			}
			if n := len(plain.requests()); n > 0 {
				t.Fatalf("the plain http server received %d requests", n)
			}

			cfg.AllowedHosts = []string{plain.URL} // "http://127.0.0.1:PORT": this exact origin
			if _, err := run(t, cfg, ingest.Job{Out: t.TempDir()}); err != nil {
				t.Fatal(err)
			}
			if len(plain.requests()) == 0 {
				t.Fatal("the explicitly allowed origin was not followed")
			}
			if where := plain.sawAny(allSecrets...); len(where) > 0 {
				t.Fatalf("the plain http server received secrets: %v", where)
			}
			plain.mu.Lock()
			plain.got = nil
			plain.mu.Unlock()
		})
	}
}

func uniq(s ...string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// leaks6 returns a six-character piece of secret found in text.
func leaks6(text, secret string) string {
	for i := 0; i+6 <= len(secret); i++ {
		if strings.Contains(text, secret[i:i+6]) {
			return secret[i : i+6]
		}
	}
	return ""
}

// eventTexts is everything a run said, as --log json writes it, plus the
// console's page previews.
func eventTexts(t *testing.T, evs []ingest.Event) string {
	t.Helper()
	var b strings.Builder
	for _, ev := range evs {
		line, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		if p, ok := ev.(ingest.PageFetched); ok {
			b.Write(p.Response.Body)
			b.WriteString(p.Request.URL)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

const echoedToken = "tok-Zq81x7Lm0Pw2Rk5v"

// TestRedactThenCut: an API that echoes the token right where siphon cuts
// its texts (the 200-byte error snippet, the 16 KiB page preview) leaves no
// piece of it in the error, the events or the preview.
func TestRedactThenCut(t *testing.T) {
	for _, at := range []int{185, 190, 195, 199} {
		t.Run(fmt.Sprintf("error snippet, token at %d", at), func(t *testing.T) {
			srv := newHostile(t, nil, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, strings.Repeat("x", at)+r.Header.Get("X-Api-Key")+" was refused")
			})
			cfg := spec.Config{Name: "echo", BaseURL: srv.URL, Records: ".data", Retry: spec.RetryConfig{MaxAttempts: 1},
				Auth: spec.AuthConfig{Type: "api_key", Name: "X-Api-Key", In: "header", Value: spec.NewSecret("${K}", echoedToken)}}
			evs, err := run(t, cfg, ingest.Job{Out: t.TempDir()})
			if err == nil {
				t.Fatal("a 400 passed")
			}
			if l := leaks6(err.Error()+eventTexts(t, evs), echoedToken); l != "" {
				t.Fatalf("%q of the token survived in %v", l, err)
			}
		})
	}
	for _, at := range []int{ingest.BodyPreviewBytes - 15, ingest.BodyPreviewBytes - 3} {
		t.Run(fmt.Sprintf("page preview, token at %d", at), func(t *testing.T) {
			srv := newHostile(t, nil, func(w http.ResponseWriter, r *http.Request) {
				pad := at - len(`{"data":[{"id":1}],"pad":"`)
				fmt.Fprintf(w, `{"data":[{"id":1}],"pad":"%s%s"}`, strings.Repeat("x", pad), r.Header.Get("X-Api-Key"))
			})
			cfg := spec.Config{Name: "echo", BaseURL: srv.URL, Records: ".data", Retry: spec.RetryConfig{MaxAttempts: 1},
				Auth: spec.AuthConfig{Type: "api_key", Name: "X-Api-Key", In: "header", Value: spec.NewSecret("${K}", echoedToken)}}
			evs, err := run(t, cfg, ingest.Job{Out: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			if l := leaks6(eventTexts(t, evs), echoedToken); l != "" {
				t.Fatalf("%q of the token survived in the events", l)
			}
		})
	}
}

// TestCursorsCarryingASecret: a cursor and a next URL that carry the token
// are redacted in anomalies, events and the final error, and the checkpoint
// keeps a reference, so the walk still resumes with the real value.
func TestCursorsCarryingASecret(t *testing.T) {
	srv := newHostile(t, nil, func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("X-Api-Key")
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Query().Get("cursor") {
		case "":
			fmt.Fprintf(w, `{"data":[{"id":1}],"next":"after-1.%s"}`, key)
		case "after-1." + echoedToken:
			fmt.Fprintf(w, `{"data":[{"id":2}],"next":"after-2.%s"}`, key)
		default:
			fmt.Fprintf(w, `{"data":[{"id":3}],"next":"after-1.%s"}`, key) // back to page 2: a loop
		}
	})
	cfg := spec.Config{Name: "echo", BaseURL: srv.URL, Records: ".data", Retry: spec.RetryConfig{MaxAttempts: 1},
		Auth:       spec.AuthConfig{Type: "api_key", Name: "X-Api-Key", In: "header", Value: spec.NewSecret("${K}", echoedToken)},
		Pagination: spec.PaginationConfig{Type: "cursor", CursorPath: ".next"}, Output: spec.OutputConfig{RawPages: true}}
	dir := t.TempDir()
	evs, err := run(t, cfg, ingest.Job{Out: dir, MaxPages: 1})
	if err != nil {
		t.Fatal(err)
	}
	cp, _ := os.ReadFile(filepath.Join(dir, store.CheckpointFile))
	if !strings.Contains(string(cp), "after-1.${K}") {
		t.Errorf("the checkpoint does not keep the cursor by reference:\n%s", cp)
	}
	evs2, err := run(t, cfg, ingest.Job{Out: dir})
	if err == nil || !strings.Contains(err.Error(), "loop") {
		t.Fatalf("got %v, want the loop caught", err)
	}
	if reqs := srv.requests(); len(reqs) < 3 || !strings.Contains(reqs[1].URL, url.QueryEscape(echoedToken)) {
		t.Fatalf("resume did not send the cursor with the real token back: %v", reqs)
	}
	if l := leaks6(err.Error()+eventTexts(t, append(evs, evs2...)), echoedToken); l != "" {
		t.Fatalf("%q of the token survived in %v", l, err)
	}
	assertNoSecretIn(t, dir, echoedToken)
}

// TestSecretInPathAndBody: a ${VAR} in the path or the POST body reaches
// the API but never checkpoint.json, which keeps the reference; a changed
// value is still noticed.
func TestSecretInPathAndBody(t *testing.T) {
	const account, query = "acct-7f3a9c2e11", "qry-Secret-88c1"
	srv := newHostile(t, nil, func(w http.ResponseWriter, r *http.Request) { jsonPage(w, []int{1}, "") })
	cfg := spec.Config{Name: "refs", BaseURL: srv.URL, Path: "/accounts/" + account + "/items", Method: http.MethodPost,
		Body: []byte(fmt.Sprintf(`{"q":%q}`, query)), Records: ".data", SecretBody: true,
		Secrets: []spec.Secret{spec.NewSecret("${ACCOUNT}", account), spec.NewSecret("${Q}", query)}}
	dir := t.TempDir()
	if _, err := run(t, cfg, ingest.Job{Out: dir}); err != nil {
		t.Fatal(err)
	}
	got := srv.requests()[0]
	if !strings.Contains(got.URL, account) || !strings.Contains(got.Body, query) {
		t.Fatalf("the API did not get the values: %+v", got)
	}
	cp, _ := os.ReadFile(filepath.Join(dir, store.CheckpointFile))
	if !strings.Contains(string(cp), "/accounts/${ACCOUNT}/items") || !strings.Contains(string(cp), `${Q}`) {
		t.Errorf("the identity does not show the references:\n%s", cp)
	}
	assertNoSecretIn(t, dir, account, query)
	cfg.Secrets[0] = spec.NewSecret("${ACCOUNT}", "acct-00000000000")
	cfg.Path = "/accounts/acct-00000000000/items"
	var changed *ingest.ProfileChangedError
	if _, err := run(t, cfg, ingest.Job{Out: dir}); !errors.As(err, &changed) {
		t.Fatalf("got %v, want the changed value noticed", err)
	}
}

// TestJSONEscapedSecretInPages: a secret with characters JSON escapes is
// hidden in the archived pages in its escaped spelling too.
func TestJSONEscapedSecretInPages(t *testing.T) {
	const weird = "wei\"rd\tok/<&>"
	srv := newHostile(t, nil, func(w http.ResponseWriter, r *http.Request) {
		b, _ := json.Marshal(map[string]any{"data": []any{map[string]any{"id": 1}}, "echo": r.Header.Get("X-Api-Key")})
		w.Write(b)
	})
	cfg := spec.Config{Name: "weird", BaseURL: srv.URL, Records: ".data", Output: spec.OutputConfig{RawPages: true},
		Auth: spec.AuthConfig{Type: "api_key", Name: "X-Api-Key", In: "header", Value: spec.NewSecret("${K}", weird)}}
	dir := t.TempDir()
	evs, err := run(t, cfg, ingest.Job{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	escaped, _ := json.Marshal(weird)
	inner := string(escaped[1 : len(escaped)-1])
	assertNoSecretIn(t, dir, weird, inner)
	if strings.Contains(eventTexts(t, evs), inner) {
		t.Error("the page preview shows the escaped secret")
	}
}

// TestExposureWarnings: a run starts by saying where its credentials are
// exposed.
func TestExposureWarnings(t *testing.T) {
	files := tlsFiles(t)
	keyFile, tokenFile := files.ClientKeyFile, filepath.Join(t.TempDir(), "refresh.token")
	os.Chmod(keyFile, 0o644)
	os.WriteFile(tokenFile, []byte("tok"), 0o640)
	cases := []struct {
		name string
		cfg  spec.Config
		want []string
	}{
		{"files others can read", spec.Config{BaseURL: "https://127.0.0.1:1", TLS: spec.TLSConfig{CertFile: files.ClientCertFile, KeyFile: keyFile},
			Auth: spec.AuthConfig{Type: "oauth2", Grant: "refresh_token", TokenURL: "https://127.0.0.1:1/token", RefreshToken: spec.NewSecret("file:"+tokenFile, "tok")}},
			[]string{"client key (tls.key_file) " + keyFile + " is readable by others", "refresh-token file " + tokenFile + " is readable by others"}},
		{"plain http beyond this machine", spec.Config{BaseURL: "http://api.example.com", Auth: spec.AuthConfig{Type: "bearer", Token: spec.NewSecret("${T}", "t0ken-value")}},
			[]string{"credentials are sent over plain http to api.example.com"}},
		{"plain http on loopback", spec.Config{BaseURL: "http://127.0.0.1:9", Auth: spec.AuthConfig{Type: "bearer", Token: spec.NewSecret("${T}", "t0ken-value")}}, nil},
		{"insecure_skip_verify on http", spec.Config{BaseURL: "http://127.0.0.1:9", TLS: spec.TLSConfig{InsecureSkipVerify: true}},
			[]string{"insecure_skip_verify is set but base_url is plain http"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Name = "exposed"
			c, err := ingest.New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(c.Exposures(), "\n")
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("warnings %q lack %q", got, w)
				}
			}
			if tc.want == nil && got != "" {
				t.Errorf("unexpected warnings %q", got)
			}
		})
	}
}
