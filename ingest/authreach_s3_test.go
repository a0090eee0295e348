package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"siphon/ingest"
	"siphon/ingest/spec"
	"siphon/ingest/store"
	"siphon/ingest/store/s3store/s3test"
)

// TestSigV4RealS3ListingEveryKeyOnce: a bucket of 2,345 objects on a real
// S3 server (the Versity gateway on loopback), listed with ListObjectsV2:
// SigV4-signed requests, XML pages of 1,000 keys, NextContinuationToken
// sent back as continuation-token. Every key arrives exactly once, with
// the keys in the profile as references, and again with none (the
// standard AWS chain); neither run writes the secret key anywhere.
func TestSigV4RealS3ListingEveryKeyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an S3 server")
	}
	const n, bucket = 2345, "siphon-list"
	srv := s3test.Start(t)
	cl := srv.Client()
	ctx := context.Background()
	if _, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("exports/%05d-part.json", i)
		if i%9 == 4 {
			keys[i] = fmt.Sprintf("exports/%05d r&d <draft> café.json", i) // escaped in XML and in the query
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	work := make(chan string)
	for range 8 {
		wg.Go(func() {
			for k := range work {
				if _, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: strings.NewReader("{}")}); err != nil {
					errs <- err
				}
			}
		})
	}
	for _, k := range keys {
		work <- k
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	cfg := spec.Config{Name: "bucket", BaseURL: srv.URL, Path: "/" + bucket, Params: map[string]string{"list-type": "2", "prefix": "exports/"},
		Format: "xml", Records: ".ListBucketResult.Contents", PrimaryKey: []string{"Key"},
		Pagination: spec.PaginationConfig{Type: "cursor", Limit: 1000, LimitParam: "max-keys", CursorParam: "continuation-token", CursorPath: ".ListBucketResult.NextContinuationToken"},
		Output:     spec.OutputConfig{RawPages: true},
		Auth: spec.AuthConfig{Type: spec.AuthSigV4, Service: "s3", Region: srv.Region,
			AccessKeyID: spec.NewSecret("${AWS_ACCESS_KEY_ID}", srv.Access), SecretAccessKey: spec.NewSecret("${AWS_SECRET_ACCESS_KEY}", srv.Secret)}}
	chain := cfg
	chain.Auth.AccessKeyID, chain.Auth.SecretAccessKey, chain.Auth.Region = spec.Secret{}, spec.Secret{}, ""
	for name, c := range map[string]spec.Config{"keys in the profile": cfg, "standard chain": chain} {
		t.Run(name, func(t *testing.T) {
			if name == "standard chain" {
				srv.Setenv(t)
			}
			dir := t.TempDir()
			if _, err := run(t, c, ingest.Job{Out: dir}); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(filepath.Join(dir, store.RecordsFile))
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
				var obj struct{ Key string }
				if err := json.Unmarshal([]byte(line), &obj); err != nil {
					t.Fatalf("record %q: %v", line, err)
				}
				seen[obj.Key]++
			}
			for _, k := range keys {
				if seen[k] != 1 {
					t.Errorf("key %q listed %d times", k, seen[k])
				}
			}
			if len(seen) != n {
				t.Errorf("%d distinct keys, want %d", len(seen), n)
			}
			assertNoSecretIn(t, dir, srv.Secret)
		})
	}
}
