package s3store

import (
	"testing"

	"siphon/ingest/store"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func putInput(bucket, key, body string) *s3.PutObjectInput {
	return &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)}
}

// claimWriter claims loc and opens a writer on it for a fresh run; the
// writer is closed and the prefix released when the test ends.
func claimWriter(t *testing.T, loc store.Location, opt store.Options) (store.Store, store.Writer) {
	t.Helper()
	st, w := claimOpen(t, loc, opt)
	t.Cleanup(st.Release)
	t.Cleanup(func() { w.Close() })
	return st, w
}

// claimOpen claims loc and opens a writer on it for a fresh run, for a
// test that closes the writer and releases the prefix itself (or, as a
// killed run, never does).
func claimOpen(t *testing.T, loc store.Location, opt store.Options) (store.Store, store.Writer) {
	t.Helper()
	st, err := loc.Claim(false)
	if err != nil {
		t.Fatal(err)
	}
	w, err := st.Open(nil, opt)
	if err != nil {
		st.Release()
		t.Fatal(err)
	}
	return st, w
}
