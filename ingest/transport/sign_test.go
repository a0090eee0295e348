package transport

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"siphon/ingest/spec"
	"siphon/ingest/transport/sigv4test"
)

// TestSignerSignsEachAttemptAfresh: the same request sent twice (a retry)
// is signed twice, each time with the clock's time then, and both verify;
// a request to another origin is not signed at all.
func TestSignerSignsEachAttemptAfresh(t *testing.T) {
	creds := aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "sk-test-123456"}
	var dates []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := sigv4test.Verify(r, body, creds, "s3", "us-east-1"); err != nil {
			t.Errorf("%s: %v", r.URL, err)
		}
		dates = append(dates, r.Header.Get("X-Amz-Date"))
	}))
	defer srv.Close()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" || r.Header.Get("X-Amz-Date") != "" {
			t.Errorf("another origin got a signature")
		}
	}))
	defer other.Close()
	cfg := &spec.Config{BaseURL: srv.URL, Auth: spec.AuthConfig{Type: spec.AuthSigV4, Service: "s3", Region: "us-east-1",
		AccessKeyID: spec.NewSecret("${A}", creds.AccessKeyID), SecretAccessKey: spec.NewSecret("${S}", creds.SecretAccessKey)}}
	rt, err := NewSigner(cfg, http.DefaultTransport)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rt.(*Signer).now = func() time.Time { clock = clock.Add(time.Minute); return clock }
	hc := &http.Client{Transport: rt}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/bucket/a%20key?list-type=2", strings.NewReader(`{"q":1}`))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(`{"q":1}`)), nil }
	for range 2 {
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if len(dates) != 2 || dates[0] == dates[1] {
		t.Errorf("dates %v: want two different", dates)
	}
	if req.Header.Get("Authorization") != "" {
		t.Error("the caller's request was changed")
	}
	resp, err := hc.Get(other.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// TestHMACSignature: the signed text and the signature for a known key and
// request, in hex and base64, with the timestamp header.
func TestHMACSignature(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Clone() }))
	defer srv.Close()
	for _, tc := range []struct {
		algo, enc, sign string
	}{
		{"sha256", "hex", ""},
		{"sha512", "base64", `{method}\n{path}\n{query}\n{timestamp}`},
		{"sha1", "hex", "{timestamp}{target}"},
	} {
		cfg := &spec.Config{BaseURL: srv.URL, Auth: spec.AuthConfig{Type: spec.AuthHMAC, Key: spec.NewSecret("${K}", "key-1"),
			Algorithm: tc.algo, Encoding: tc.enc, Sign: tc.sign, Header: "X-Sig", Prefix: "v1=", TimestampHeader: "X-Ts"}}
		cfg.ApplyDefaults()
		rt, err := NewSigner(cfg, http.DefaultTransport)
		if err != nil {
			t.Fatal(err)
		}
		rt.(*Signer).now = func() time.Time { return time.Unix(1700000000, 0) }
		resp, err := (&http.Client{Transport: rt}).Post(srv.URL+"/v1/x?b=2&a=1", "application/json", strings.NewReader(`{"z":1}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got.Get("X-Ts") != "1700000000" {
			t.Errorf("%s: timestamp %q", tc.algo, got.Get("X-Ts"))
		}
		req := httptest.NewRequest(http.MethodPost, "/v1/x?b=2&a=1", nil)
		msg := HMACMessage(cfg.Auth.Sign, req, []byte(`{"z":1}`), "1700000000")
		switch tc.algo {
		case "sha256":
			if msg != `1700000000POST/v1/x?b=2&a=1{"z":1}` {
				t.Errorf("default signed text %q", msg)
			}
		case "sha512":
			if msg != "POST\n/v1/x\nb=2&a=1\n1700000000" {
				t.Errorf("sha512 signed text %q", msg)
			}
		}
		want := "v1=" + hmacOf(tc.algo, "key-1", msg, tc.enc)
		if got.Get("X-Sig") != want {
			t.Errorf("%s: signature %q, want %q", tc.algo, got.Get("X-Sig"), want)
		}
	}
}

// hmacOf computes the MAC with the standard library alone.
func hmacOf(algo, key, msg, enc string) string {
	h := map[string]func() hash.Hash{"sha256": sha256.New, "sha512": sha512.New, "sha1": sha1.New}[algo]
	m := hmac.New(h, []byte(key))
	m.Write([]byte(msg))
	if enc == "base64" {
		return base64.StdEncoding.EncodeToString(m.Sum(nil))
	}
	return hex.EncodeToString(m.Sum(nil))
}
