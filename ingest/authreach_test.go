package ingest_test

import (
	"strings"
	"testing"
	"time"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	"siphon/ingest/spec"
)

const sessionPassword = "pw-never-written-9431"

func loginConfig(base string) spec.Config {
	cfg := styleConfigs(base)["cursor"]
	cfg.Pagination.Limit = 50
	cfg.Auth = spec.AuthConfig{Type: spec.AuthLogin, TokenPath: ".token", Prefix: "Bearer ",
		Login: spec.LoginRequest{Path: demoapi.LoginPath,
			Body:    []byte(`{"username":"demo","password":"` + sessionPassword + `"}`),
			Secrets: []spec.Secret{spec.NewSecret("${DEMO_PASSWORD}", sessionPassword)}}}
	return cfg
}

// TestSessionLoginOutlivesTokens: the demo's session tokens die after three
// requests; the run logs in again on each 401, gets every record once,
// counts every login in an event, and writes neither the password nor a
// session token anywhere in its folder.
func TestSessionLoginOutlivesTokens(t *testing.T) {
	const n = 1000 // 20 pages of 50
	srv := demoapi.NewServer(demoapi.Options{Records: n, Session: &demoapi.Session{Username: "demo", Password: sessionPassword, Uses: 3}})
	defer srv.Close()
	dir := t.TempDir()
	evs, err := run(t, loginConfig(srv.URL), ingest.Job{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, readIDs(t, dir), n)
	var logins []ingest.LoggedIn
	for _, ev := range evs {
		if e, ok := ev.(ingest.LoggedIn); ok {
			logins = append(logins, e)
		}
	}
	// 20 pages at 3 uses a token: 7 logins, the first and 6 after a 401.
	if got := srv.Logins(); got != 7 || len(logins) != 7 {
		t.Fatalf("the API saw %d logins, the run reported %d; want 7", got, len(logins))
	}
	for i, e := range logins {
		if e.Count != i+1 {
			t.Errorf("login event %d counts %d", i, e.Count)
		}
		if i > 0 && !strings.Contains(e.Reason, "401") {
			t.Errorf("login %d: reason %q, want the 401", e.Count, e.Reason)
		}
	}
	assertNoSecretIn(t, dir, sessionPassword, "sess-")
}

// TestSessionLoginExpiresIn: with expires_in_path the run logs in again
// before the token runs out, without waiting for a 401.
func TestSessionLoginExpiresIn(t *testing.T) {
	// Tokens live a second (renewed 0.1s early); 8 pages at 200ms each
	// take at least 1.6s, so at least one login comes from expiry.
	srv := demoapi.NewServer(demoapi.Options{Records: 400, Latency: 200 * time.Millisecond,
		Session: &demoapi.Session{Username: "demo", Password: sessionPassword, Uses: 1000, ExpiresIn: 1}})
	defer srv.Close()
	cfg := loginConfig(srv.URL)
	cfg.Auth.ExpiresInPath = ".expires_in"
	dir := t.TempDir()
	evs, err := run(t, cfg, ingest.Job{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, readIDs(t, dir), 400)
	expired := 0
	for _, ev := range evs {
		switch e := ev.(type) {
		case ingest.RetryScheduled:
			t.Errorf("retry: %s", e.Cause)
		case ingest.LoggedIn:
			if strings.Contains(e.Reason, "expired") {
				expired++
			}
		}
	}
	if expired == 0 || srv.Stats().AuthFailures != 0 {
		t.Errorf("%d logins on expiry, %d 401s; want some and none", expired, srv.Stats().AuthFailures)
	}
}

// TestSessionLoginFailures: a wrong password, an answer without a token,
// and a token the API keeps refusing each end the run with a message
// that says so, after a bounded number of logins, without the password.
func TestSessionLoginFailures(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 100, Session: &demoapi.Session{Username: "demo", Password: sessionPassword}})
	defer srv.Close()
	for _, tc := range []struct {
		name string
		edit func(*spec.Config)
		want string
	}{
		{"wrong password", func(c *spec.Config) {
			c.Auth.Login.Body = []byte(`{"username":"demo","password":"nope-wrong-2231"}`)
			c.Auth.Login.Secrets = []spec.Secret{spec.NewSecret("${DEMO_PASSWORD}", "nope-wrong-2231")}
		}, "login request to"},
		{"no token", func(c *spec.Config) { c.Auth.TokenPath = ".nothing" }, "holds no token"},
		{"token refused", func(c *spec.Config) { c.Auth.Header = "X-Not-Read"; c.Auth.Prefix = "" }, "refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := loginConfig(srv.URL)
			tc.edit(&cfg)
			before := srv.Logins()
			dir := t.TempDir()
			_, err := run(t, cfg, ingest.Job{Out: dir})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), sessionPassword) || strings.Contains(err.Error(), "nope-wrong-2231") {
				t.Fatalf("the error shows the password: %v", err)
			}
			if n := srv.Logins() - before; n > 2 {
				t.Errorf("%d logins for one failing page; want at most 2", n)
			}
			assertNoSecretIn(t, dir, sessionPassword, "nope-wrong-2231", "sess-")
		})
	}
}

// TestHMACSignedRun: every request to the demo's HMAC-checking API is
// signed (a retried one again, with its own timestamp) and every record
// arrives once; the key is written nowhere.
func TestHMACSignedRun(t *testing.T) {
	const key = "hmac-key-never-written-5521"
	srv := demoapi.NewServer(demoapi.Options{Records: 500, Faults: demoapi.Faults{ServerErrorRate: 0.2}, HMAC: &demoapi.HMAC{Key: key}})
	defer srv.Close()
	cfg := styleConfigs(srv.URL)["cursor"]
	cfg.Retry.MaxAttempts = 20
	cfg.Auth = spec.AuthConfig{Type: spec.AuthHMAC, Key: spec.NewSecret("${HMAC_KEY}", key), Header: "X-Signature", TimestampHeader: "X-Timestamp"}
	dir := t.TempDir()
	evs, err := run(t, cfg, ingest.Job{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, readIDs(t, dir), 500)
	retries := 0
	for _, ev := range evs {
		if _, ok := ev.(ingest.RetryScheduled); ok {
			retries++
		}
	}
	if retries == 0 {
		t.Error("no retry: the faults did not test re-signing")
	}
	if st := srv.Stats(); st.AuthFailures != 0 {
		t.Errorf("%d requests refused", st.AuthFailures)
	}
	assertNoSecretIn(t, dir, key)

	// The wrong key: refused, named as the signature.
	cfg.Auth.Key = spec.NewSecret("${HMAC_KEY}", "wrong-key-000000")
	_, err = run(t, cfg, ingest.Job{Out: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "signature was refused") {
		t.Fatalf("wrong key: %v", err)
	}
}

// TestHMACClockSkew: a signature the server refuses for its time says
// clock skew, not "wrong credentials".
func TestHMACClockSkew(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 10, HMAC: &demoapi.HMAC{Key: "k-skew-1234567"},
		Now: func() time.Time { return time.Now().Add(time.Hour) }})
	defer srv.Close()
	cfg := styleConfigs(srv.URL)["cursor"]
	cfg.Auth = spec.AuthConfig{Type: spec.AuthHMAC, Key: spec.NewSecret("${K}", "k-skew-1234567"), Header: "X-Signature", TimestampHeader: "X-Timestamp"}
	_, err := run(t, cfg, ingest.Job{Out: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "clock skew") {
		t.Fatalf("err %v, want clock skew named", err)
	}
}
