package ingest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	"siphon/ingest/probe"
	"siphon/ingest/spec"
	"siphon/ingest/transport/sigv4test"
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

// sigV4Server is an API that checks every request's SigV4 signature with
// the AWS SDK's signer (sigv4test), pages through n records by cursor,
// fails every fifth request with a 503 (so retries are signed again), and
// answers RequestTimeTooSkewed, as AWS does, when the signature's time is
// more than five minutes off its clock (shifted by skew).
func sigV4Server(t *testing.T, n int, creds aws.Credentials, skew time.Duration) (*httptest.Server, *atomic.Int64) {
	var requests, refused atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		if when, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date")); err == nil {
			if d := time.Now().Add(skew).Sub(when); d > 5*time.Minute || d < -5*time.Minute {
				w.WriteHeader(http.StatusForbidden)
				io.WriteString(w, `{"error":{"code":"RequestTimeTooSkewed","message":"The difference between the request time and the current time is too large."}}`)
				return
			}
		}
		if err := sigv4test.Verify(r, body, creds, "execute-api", "eu-west-1"); err != nil {
			refused.Add(1)
			t.Errorf("request %s: %v", r.URL, err)
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"message":"The request signature we calculated does not match the signature you provided."}`)
			return
		}
		if requests.Add(1)%5 == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		from, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
		var recs []string
		for id := from + 1; id <= min(from+100, n); id++ {
			recs = append(recs, fmt.Sprintf(`{"id":%d}`, id))
		}
		next := "null"
		if from+100 < n {
			next = strconv.Quote(strconv.Itoa(from + 100))
		}
		fmt.Fprintf(w, `{"data":[%s],"pagination":{"next_cursor":%s}}`, strings.Join(recs, ","), next)
	}))
	t.Cleanup(srv.Close)
	return srv, &refused
}

func sigV4Config(base string, creds aws.Credentials) spec.Config {
	cfg := styleConfigs(base)["cursor"]
	cfg.Path = "/v1/items"
	cfg.Retry.MaxAttempts = 5
	cfg.Auth = spec.AuthConfig{Type: spec.AuthSigV4, Service: "execute-api", Region: "eu-west-1",
		AccessKeyID: spec.NewSecret("${AWS_ACCESS_KEY_ID}", creds.AccessKeyID), SecretAccessKey: spec.NewSecret("${AWS_SECRET_ACCESS_KEY}", creds.SecretAccessKey),
		SessionToken: spec.NewSecret("${AWS_SESSION_TOKEN}", creds.SessionToken)}
	return cfg
}

// TestSigV4SignedRun: every request of a run, retries included, carries a
// signature the AWS SDK's signer agrees with (session token included), and
// every record arrives once; no key is written anywhere.
func TestSigV4SignedRun(t *testing.T) {
	creds := aws.Credentials{AccessKeyID: "AKIDSIPHONTEST01", SecretAccessKey: "sk-sigv4-never-written-7781", SessionToken: "st-sigv4-never-written-3310"}
	srv, refused := sigV4Server(t, 1050, creds, 0)
	dir := t.TempDir()
	evs, err := run(t, sigV4Config(srv.URL, creds), ingest.Job{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, readIDs(t, dir), 1050)
	retries := 0
	for _, ev := range evs {
		if _, ok := ev.(ingest.RetryScheduled); ok {
			retries++
		}
	}
	if retries == 0 || refused.Load() != 0 {
		t.Errorf("%d retries, %d refused signatures; want some and none", retries, refused.Load())
	}
	assertNoSecretIn(t, dir, creds.SecretAccessKey, creds.SessionToken)
}

// TestSigV4ClockSkew: a signature refused for its time names clock skew.
func TestSigV4ClockSkew(t *testing.T) {
	creds := aws.Credentials{AccessKeyID: "AKIDSIPHONTEST01", SecretAccessKey: "sk-sigv4-skew-7781"}
	srv, _ := sigV4Server(t, 10, creds, time.Hour)
	_, err := run(t, sigV4Config(srv.URL, creds), ingest.Job{Out: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "clock skew") || !strings.Contains(err.Error(), "RequestTimeTooSkewed") {
		t.Fatalf("err %v, want clock skew named", err)
	}
}

// TestProbeWithNewAuthTypes: the probe logs in (or signs) as a run does,
// and a refusal of a profile without auth names the types that may help:
// aws_sigv4 when the answer looks like AWS's.
func TestProbeWithNewAuthTypes(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 30, Session: &demoapi.Session{Username: "demo", Password: sessionPassword}})
	defer srv.Close()
	c, err := ingest.New(loginConfig(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := probe.Run(context.Background(), c)
	if err != nil || rep.Status != 200 || rep.RecordCount == 0 {
		t.Fatalf("probe with login: %v (status %d, %d records)", err, rep.Status, rep.RecordCount)
	}

	aws := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amz-Request-Id", "4442587FB7D0A2F9")
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`)
	}))
	defer aws.Close()
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer plain.Close()
	for _, tc := range []struct{ url, want string }{{aws.URL, "aws_sigv4"}, {plain.URL, "login (a session token"}} {
		c, err := ingest.New(spec.Config{Name: "p", BaseURL: tc.url})
		if err != nil {
			t.Fatal(err)
		}
		_, err = probe.Run(context.Background(), c)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.url, err, tc.want)
		}
	}
}
