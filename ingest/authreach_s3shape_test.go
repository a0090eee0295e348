package ingest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"siphon/ingest"
	"siphon/ingest/demoapi/shapes"
	"siphon/ingest/spec"
	"siphon/ingest/store"
	"siphon/ingest/transport/sigv4test"
)

// TestSigV4S3ListingEveryKeyOnce: a ListObjectsV2 listing of 2,500 objects
// (XML, 1,000 a page, NextContinuationToken going back as
// continuation-token) from the demo's S3 emulation behind a gate that checks
// each request's SigV4 signature with the AWS SDK's signer, as S3 does
// (service s3, the payload hash header, the session token): every key
// exactly once, no request refused. (The same walk against a real S3
// gateway waits for a test harness that runs one.)
func TestSigV4S3ListingEveryKeyOnce(t *testing.T) {
	const n = 2500
	creds := aws.Credentials{AccessKeyID: "AKIDS3LISTTEST", SecretAccessKey: "sk-s3-never-written-4410", SessionToken: "st-s3-never-written-0921"}
	api, err := shapes.New("s3", shapes.Options{Records: n})
	if err != nil {
		t.Fatal(err)
	}
	var signed, refused atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := sigv4test.Verify(r, body, creds, "s3", "us-east-1"); err != nil {
			refused.Add(1)
			t.Errorf("%s: %v", r.URL, err)
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `<Error><Code>SignatureDoesNotMatch</Code></Error>`)
			return
		}
		signed.Add(1)
		r.Body = io.NopCloser(bytes.NewReader(body))
		api.ServeHTTP(w, r)
	}))
	defer srv.Close()
	cfg := spec.Config{Name: "s3-objects", BaseURL: srv.URL, Path: "/siphon-exports", Params: map[string]string{"list-type": "2"},
		Format: "xml", Records: ".ListBucketResult.Contents", PrimaryKey: []string{"Key"},
		Pagination: spec.PaginationConfig{Type: "cursor", Limit: 1000, LimitParam: "max-keys", CursorParam: "continuation-token", CursorPath: ".ListBucketResult.NextContinuationToken"},
		Output:     spec.OutputConfig{RawPages: true},
		Auth: spec.AuthConfig{Type: spec.AuthSigV4, Service: "s3", Region: "us-east-1",
			AccessKeyID: spec.NewSecret("${AWS_ACCESS_KEY_ID}", creds.AccessKeyID), SecretAccessKey: spec.NewSecret("${AWS_SECRET_ACCESS_KEY}", creds.SecretAccessKey),
			SessionToken: spec.NewSecret("${AWS_SESSION_TOKEN}", creds.SessionToken)}}
	dir := t.TempDir()
	if _, err := run(t, cfg, ingest.Job{Out: dir}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, store.RecordsFile))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	escaped := 0
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var obj struct{ Key string }
		if err := json.Unmarshal([]byte(line), &obj); err != nil || obj.Key == "" {
			t.Fatalf("record %q: %v", line, err)
		}
		if seen[obj.Key]++; seen[obj.Key] == 2 {
			t.Errorf("key %q twice", obj.Key)
		}
		if strings.Contains(obj.Key, "&") {
			escaped++
		}
	}
	if len(seen) != n || escaped == 0 {
		t.Fatalf("%d distinct keys (%d with &), want %d", len(seen), escaped, n)
	}
	if signed.Load() != 3 || refused.Load() != 0 {
		t.Errorf("%d signed requests, %d refused; want 3 and none", signed.Load(), refused.Load())
	}
	assertNoSecretIn(t, dir, creds.SecretAccessKey, creds.SessionToken)
}
