package main

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"siphon/ingest/demoapi"
)

// secretForms are the spellings of a secret that must never appear.
func secretForms(secrets ...string) []string {
	var out []string
	for _, s := range secrets {
		out = append(out, s, base64.StdEncoding.EncodeToString([]byte(s)))
	}
	return out
}

// findSecrets returns the places under dir, and in the extra texts, that
// hold any of the secrets.
func findSecrets(t *testing.T, dir string, texts map[string]string, secrets []string) []string {
	t.Helper()
	var hits []string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(path)
		for _, s := range secrets {
			if strings.Contains(string(b), s) {
				hits = append(hits, path)
			}
		}
		return nil
	})
	for name, text := range texts {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				hits = append(hits, name)
			}
		}
	}
	return hits
}

// TestNoSecretLeaks runs every static auth mode against a faulty server with
// --log json, and searches the output folder and stderr for the secrets.
func TestNoSecretLeaks(t *testing.T) {
	const key, token, user, pass = "LEAKKEY-0a1b2c3d4e", "LEAKTOKEN-5f6a7b8c9d", "leaky", "LEAKPASS-1029384756"
	const clientSecret, refresh = "LEAKCLIENT-77aa88bb", "LEAKREFRESH-3c4d5e6f"
	srv := demoapi.NewServer(demoapi.Options{Records: 300, Seed: 3, Auth: demoapi.Auth{APIKey: key, BearerToken: token, BasicUser: user, BasicPass: pass},
		OAuth:  &demoapi.OAuth{ClientID: "leak-client", ClientSecret: clientSecret, RefreshToken: refresh, RotateRefresh: true, TokenTTL: 200 * time.Millisecond},
		Faults: demoapi.Faults{ServerErrorRate: 0.1, HTMLRate: 0.05, TruncateRate: 0.05, ResetRate: 0.05}})
	defer srv.Close()
	oauth := func(grant string) string {
		rt := ""
		if grant == "refresh_token" {
			rt = ", refresh_token: \"${SIPHON_T_RT}\""
		}
		return fmt.Sprintf("auth: {type: oauth2, grant: %s, token_url: \"%s/oauth/token\", client_id: leak-client, client_secret: \"${SIPHON_T_CS}\"%s}", grant, srv.URL, rt)
	}
	modes := map[string]string{
		"apikey-header":             "auth: {type: api_key, name: X-API-Key, in: header, value: \"${SIPHON_T_KEY}\"}",
		"apikey-query":              "auth: {type: api_key, name: api_key, in: query, value: \"${SIPHON_T_KEY}\"}",
		"bearer":                    "auth: {type: bearer, token: \"${SIPHON_T_TOKEN}\"}",
		"basic":                     "auth: {type: basic, username: " + user + ", password: \"${SIPHON_T_PASS}\"}",
		"oauth2-client-credentials": oauth("client_credentials"),
		"oauth2-refresh-token":      oauth("refresh_token"),
	}
	for name, auth := range modes {
		for _, style := range []struct{ path, records, pagination string }{
			{"/v1/next", ".results", "{type: next_url, limit: 50, next_url_path: .next}"},
			{"/v1/link", ".", "{type: link_header, limit: 50, limit_param: per_page}"},
			{"/v1/nowhere", ".data", "{type: cursor, cursor_path: .next}"}, // fails: error messages too
		} {
			t.Run(name+style.path, func(t *testing.T) {
				dir := t.TempDir()
				writeProfile(t, dir, "leak", fmt.Sprintf("name: leak\nbase_url: %s\npath: %s\nrecords: '%s'\n%s\npagination: %s\nretry: {max_attempts: 12, initial_backoff: 1ms, max_backoff: 5ms}\n",
					srv.URL, style.path, style.records, auth, style.pagination))
				cmd := siphonCmd(t, dir, "run", "leak", "--log", "json")
				cmd.Env = append(cmd.Env, "SIPHON_T_KEY="+key, "SIPHON_T_TOKEN="+token, "SIPHON_T_PASS="+pass, "SIPHON_T_CS="+clientSecret, "SIPHON_T_RT="+srv.CurrentRefreshToken())
				out, _ := cmd.CombinedOutput()
				if style.path != "/v1/nowhere" && !strings.Contains(string(out), `"type":"finished"`) {
					t.Fatalf("run did not finish: %s", out)
				}
				secrets := secretForms(key, token, pass, user+":"+pass, clientSecret, refresh, srv.CurrentRefreshToken())
				if hits := findSecrets(t, dir, map[string]string{"stderr": string(out)}, secrets); len(hits) > 0 {
					t.Fatalf("secrets found in %v", hits)
				}
			})
		}
	}
}
