package ingest_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	"siphon/ingest/spec"
)

func oauthConfig(srv *demoapi.Server, grant string, refresh spec.Secret) spec.Config {
	cfg := styleConfigs(srv.URL)["cursor"]
	cfg.Pagination.Limit = 25
	cfg.Auth = spec.AuthConfig{Type: "oauth2", Grant: grant, TokenURL: srv.URL + demoapi.TokenPath, ClientID: "siphon-test",
		ClientSecret: spec.NewSecret("${CS}", "cs-very-secret-77"), RefreshToken: refresh}
	return cfg
}

// TestOAuthOutlivesTokens: a run several token lifetimes long gets every
// record once, refreshing as it goes. The demo API runs in a synctest
// bubble, so the lifetimes are fake-clock seconds, the same on any machine.
func TestOAuthOutlivesTokens(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := demoapi.New(demoapi.Options{Records: 1000, Latency: 40 * time.Millisecond,
			OAuth: &demoapi.OAuth{ClientID: "siphon-test", ClientSecret: "cs-very-secret-77", TokenTTL: time.Second}})
		cfg := styleConfigs("http://api.test")["cursor"]
		cfg.Pagination.Limit = 25
		cfg.Auth = spec.AuthConfig{Type: "oauth2", Grant: "client_credentials", TokenURL: "http://api.test" + demoapi.TokenPath, ClientID: "siphon-test",
			ClientSecret: spec.NewSecret("${CS}", "cs-very-secret-77")}
		dir := t.TempDir()
		evs, err := run(t, cfg, ingest.Job{Out: dir}, ingest.WithTransport(handlerTransport{api}))
		if err != nil {
			t.Fatal(err)
		}
		exactlyOnce(t, readIDs(t, dir), 1000)
		fin, _ := lastEvent[ingest.Finished](evs)
		// 40 pages of 40ms: the run outlives the first token.
		lifetimes := fin.Elapsed / time.Second
		if got := api.Stats().TokenRequests["client_credentials"]; lifetimes < 1 || got < int64(lifetimes) {
			t.Errorf("%d token requests over %s", got, fin.Elapsed)
		}
		assertNoSecretIn(t, dir, "cs-very-secret-77")
	})
}

// TestOAuthForced401: tokens revoked mid-run; the refused page is retried
// with a fresh token and nothing is lost or doubled.
func TestOAuthForced401(t *testing.T) {
	// Pages of 20 ms: page events reach the reader within 5 ms (they are
	// handed over in batches), so it revokes while the run goes on.
	srv := demoapi.NewServer(demoapi.Options{Records: 500, Latency: 20 * time.Millisecond, OAuth: &demoapi.OAuth{ClientID: "siphon-test", ClientSecret: "cs-very-secret-77"}})
	defer srv.Close()
	c, err := ingest.New(oauthConfig(srv, "client_credentials", spec.Secret{}))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r := c.Start(context.Background(), ingest.Job{Out: dir})
	pages, refreshed := 0, 0
	for ev := range r.Events() {
		switch e := ev.(type) {
		case ingest.PageFetched:
			if pages++; pages == 3 {
				srv.RevokeAccessTokens()
			}
		case ingest.RetryScheduled:
			// the run may be a page or two ahead of this reader when the
			// tokens go: the refused page is whichever came next
			if e.Source == "refreshed-token" && e.Page > 3 {
				refreshed++
			}
		}
	}
	if err := r.Wait(); err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, readIDs(t, dir), 500)
	if refreshed != 1 {
		t.Errorf("%d refreshed-token retries after page 3, want 1", refreshed)
	}
}

// TestOAuthRotatedRefreshToken: a rotated refresh token is written back to
// its file (0600) and used for the rest of the run; with a ${VAR} reference
// the run warns that the stored one is stale.
func TestOAuthRotatedRefreshToken(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 300, Latency: 20 * time.Millisecond,
		OAuth: &demoapi.OAuth{ClientID: "siphon-test", ClientSecret: "cs-very-secret-77", TokenTTL: 100 * time.Millisecond, RotateRefresh: true, RefreshToken: "rt-initial-0001"}})
	defer srv.Close()

	file := filepath.Join(t.TempDir(), "refresh-token")
	os.WriteFile(file, []byte("rt-initial-0001\n"), 0o600)
	dir := t.TempDir()
	if _, err := run(t, oauthConfig(srv, "refresh_token", spec.NewSecret("file:"+file, "rt-initial-0001")), ingest.Job{Out: dir}); err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, readIDs(t, dir), 300)
	if srv.Stats().Refreshes < 2 {
		t.Errorf("only %d refreshes", srv.Stats().Refreshes)
	}
	b, _ := os.ReadFile(file)
	st, _ := os.Stat(file)
	if strings.TrimSpace(string(b)) != srv.CurrentRefreshToken() || st.Mode().Perm() != 0o600 {
		t.Errorf("stored refresh token %q (mode %v), server's current is %q", b, st.Mode().Perm(), srv.CurrentRefreshToken())
	}
	assertNoSecretIn(t, dir, srv.CurrentRefreshToken(), "rt-initial-0001")

	// Now from an environment variable: the run works, then warns.
	evs, err := run(t, oauthConfig(srv, "refresh_token", spec.NewSecret("${RT}", srv.CurrentRefreshToken())), ingest.Job{Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	w, ok := lastEvent[ingest.Warning](evs)
	if !ok || !strings.Contains(w.What, "${RT} still holds the old one") {
		t.Errorf("no stale-token warning: %+v", w)
	}
}

// TestOAuthRefusedGrantStops: a refused refresh token stops the run at once
// with a message naming the credential, not a retry storm.
func TestOAuthRefusedGrantStops(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 100, OAuth: &demoapi.OAuth{ClientID: "siphon-test", ClientSecret: "cs-very-secret-77", RefreshToken: "rt-good"}})
	defer srv.Close()
	_, err := run(t, oauthConfig(srv, "refresh_token", spec.NewSecret("${ORDERS_RT}", "rt-revoked-xyz")), ingest.Job{Out: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "invalid_grant") || !strings.Contains(err.Error(), "${ORDERS_RT}") || strings.Contains(err.Error(), "rt-revoked-xyz") {
		t.Fatalf("got %v", err)
	}
	// x/oauth2 tries the other client-authentication style once when the
	// first fails; beyond that, nothing.
	if n := srv.Stats().TokenRequests["refresh_token"]; n > 2 {
		t.Errorf("%d token requests, want at most 2", n)
	}
	cfg := oauthConfig(srv, "client_credentials", spec.Secret{})
	cfg.Auth.ClientSecret = spec.NewSecret("${CS}", "wrong-secret-55")
	_, err = run(t, cfg, ingest.Job{Out: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "invalid_client") || !strings.Contains(err.Error(), "${CS}") || strings.Contains(err.Error(), "wrong-secret-55") {
		t.Fatalf("got %v", err)
	}
}

// TestMutualTLS: the right client certificate works; a wrong one or none
// fails clearly after a single attempt.
func TestMutualTLS(t *testing.T) {
	files, err := demoapi.WriteTLSFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv := demoapi.NewTLSServer(demoapi.Options{Records: 120}, files, true)
	defer srv.Close()
	cfg := styleConfigs(srv.URL)["next_url"]
	cfg.TLS = spec.TLSConfig{CAFile: files.CAFile, CertFile: files.ClientCertFile, KeyFile: files.ClientKeyFile}
	dir := t.TempDir()
	if _, err := run(t, cfg, ingest.Job{Out: dir}); err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, readIDs(t, dir), 120)

	cases := map[string]struct {
		tls  spec.TLSConfig
		hint string
	}{
		"wrong client certificate": {spec.TLSConfig{CAFile: files.CAFile, CertFile: files.WrongClientCertFile, KeyFile: files.WrongClientKeyFile}, "did not accept the client certificate"},
		"no client certificate":    {spec.TLSConfig{CAFile: files.CAFile}, "set tls.cert_file and tls.key_file"},
		"unknown server CA":        {spec.TLSConfig{CertFile: files.ClientCertFile, KeyFile: files.ClientKeyFile}, "name its CA in tls.ca_file"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			before := srv.Stats().Requests
			c := cfg
			c.TLS = tc.tls
			c.Retry = spec.RetryConfig{MaxAttempts: 5, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond}
			evs, err := run(t, c, ingest.Job{Out: t.TempDir()})
			if err == nil || !strings.Contains(err.Error(), "TLS") || !strings.Contains(err.Error(), tc.hint) {
				t.Fatalf("got %v, want a TLS error saying %q", err, tc.hint)
			}
			for _, ev := range evs {
				if _, ok := ev.(ingest.RetryScheduled); ok {
					t.Fatalf("a TLS error was retried: %v", err)
				}
			}
			if srv.Stats().Requests != before {
				t.Error("a request reached the API")
			}
		})
	}
}
