package ingest_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	"siphon/ingest/spec"
)

func TestStaticAuthModes(t *testing.T) {
	const key, token, user, pass = "k-3f9a8c77d1", "t-77aa0c9e51", "alice", "p-a55w0rd-9x"
	srv := demoapi.NewServer(demoapi.Options{Records: 250, Auth: demoapi.Auth{APIKey: key, BearerToken: token, BasicUser: user, BasicPass: pass}})
	defer srv.Close()
	modes := map[string]spec.AuthConfig{
		"api_key header": {Type: "api_key", Name: "X-API-Key", In: "header", Value: spec.NewSecret("${K}", key)},
		"api_key query":  {Type: "api_key", Name: "api_key", In: "query", Value: spec.NewSecret("${K}", key)},
		"bearer":         {Type: "bearer", Token: spec.NewSecret("${T}", token)},
		"basic":          {Type: "basic", Username: user, Password: spec.NewSecret("${P}", pass)},
	}
	for name, auth := range modes {
		for _, style := range []string{"cursor", "next_url", "link_header"} {
			t.Run(name+"/"+style, func(t *testing.T) {
				cfg := styleConfigs(srv.URL)[style]
				cfg.Auth = auth
				dir := t.TempDir()
				if _, err := run(t, cfg, ingest.Job{Out: dir}); err != nil {
					t.Fatal(err)
				}
				exactlyOnce(t, readIDs(t, dir), 250)
				assertNoSecretIn(t, dir, key, token, pass, base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
			})
		}
		t.Run(name+"/wrong", func(t *testing.T) {
			cfg := styleConfigs(srv.URL)["cursor"]
			cfg.Auth = auth
			cfg.Auth.Value = spec.NewSecret("${K}", "wrong-value-1")
			cfg.Auth.Token = spec.NewSecret("${T}", "wrong-value-1")
			cfg.Auth.Password = spec.NewSecret("${P}", "wrong-value-1")
			_, err := run(t, cfg, ingest.Job{Out: t.TempDir()})
			if err == nil || !strings.Contains(err.Error(), "HTTP 401") || strings.Contains(err.Error(), "wrong-value-1") {
				t.Fatalf("got %v", err)
			}
		})
	}
}

// assertNoSecretIn searches every file under dir for each secret.
func assertNoSecretIn(t *testing.T, dir string, secrets ...string) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if strings.Contains(string(b), s) {
				t.Errorf("%s contains a secret", path)
			}
		}
		return nil
	})
}

// TestCredentialsStayHome: a next URL or a redirect to another host is
// refused unless allowed, and an allowed one never sees a credential.
func TestCredentialsStayHome(t *testing.T) {
	const key = "k-home-only-42"
	var mu sync.Mutex
	var leaked []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		for name, vs := range r.Header {
			for _, v := range vs {
				if strings.Contains(v, key) {
					leaked = append(leaked, name)
				}
			}
		}
		if strings.Contains(r.URL.RawQuery, key) {
			leaked = append(leaked, "query")
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"data": [{"id": 2}], "next": null}`)
	}))
	defer other.Close()
	home := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-API-Key") != key && r.URL.Query().Get("api_key") != key {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, other.URL+"/page2", http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"data": [{"id": 1}], "next": %q}`, other.URL+"/page2")
	}))
	defer home.Close()

	for _, in := range []string{"header", "query"} {
		for _, path := range []string{"/next", "/redirect"} {
			t.Run(in+path, func(t *testing.T) {
				cfg := spec.Config{Name: "home", BaseURL: home.URL, Path: path, Records: ".data",
					Auth:       spec.AuthConfig{Type: "api_key", Name: map[string]string{"header": "X-API-Key", "query": "api_key"}[in], In: in, Value: spec.NewSecret("${K}", key)},
					Pagination: spec.PaginationConfig{Type: "next_url", NextURLPath: ".next"},
					Retry:      spec.RetryConfig{MaxAttempts: 1}}
				_, err := run(t, cfg, ingest.Job{Out: t.TempDir()})
				if err == nil || !strings.Contains(err.Error(), "allowed_hosts") {
					t.Fatalf("got %v, want a refusal that names allowed_hosts", err)
				}
				cfg.AllowedHosts = []string{strings.TrimPrefix(other.URL, "http://")}
				if _, err := run(t, cfg, ingest.Job{Out: t.TempDir()}); err != nil {
					t.Fatal(err)
				}
				mu.Lock()
				defer mu.Unlock()
				if len(leaked) > 0 {
					t.Fatalf("the other host saw the credential in %v", leaked)
				}
			})
		}
	}
}

// TestEchoedTokenStaysOutOfTheOutput: an API that echoes the access token
// in its next links (as the Facebook Graph API does) leaves it nowhere in
// the output folder: not in the checkpoint, the page index or the archive.
func TestEchoedTokenStaysOutOfTheOutput(t *testing.T) {
	const token = "EAAB-echoed-token-7788"
	var srvURL string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("access_token") != token {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		after := r.URL.Query().Get("after")
		switch after {
		case "":
			fmt.Fprintf(w, `{"data":[{"id":1},{"id":2}],"paging":{"next":"%s/me/posts?access_token=%s&after=c2"}}`, srvURL, token)
		case "c2":
			fmt.Fprintf(w, `{"data":[{"id":3}],"paging":{"next":"%s/me/posts?access_token=%s&after=c3"}}`, srvURL, token)
		default:
			fmt.Fprint(w, `{"data":[],"paging":{}}`)
		}
	}))
	defer srv.Close()
	srvURL = srv.URL
	cfg := spec.Config{Name: "fb", BaseURL: srv.URL, Path: "/me/posts", Records: ".data",
		Auth:       spec.AuthConfig{Type: "api_key", Name: "access_token", In: "query", Value: spec.NewSecret("${FB_TOKEN}", token)},
		Pagination: spec.PaginationConfig{Type: "next_url", NextURLPath: ".paging.next"}, Output: spec.OutputConfig{RawPages: true},
		Retry: spec.RetryConfig{MaxAttempts: 1}}
	dir := t.TempDir()
	if _, err := run(t, cfg, ingest.Job{Out: dir, MaxPages: 2}); err != nil {
		t.Fatal(err)
	}
	assertNoSecretIn(t, dir, token)
	// the checkpoint's next URL still works: resume to the end
	if _, err := run(t, cfg, ingest.Job{Out: dir}); err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, readIDs(t, dir), 3)
	assertNoSecretIn(t, dir, token)
}
