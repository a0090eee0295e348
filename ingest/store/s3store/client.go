// Package s3store is an output store in an S3-compatible bucket:
// --out s3://BUCKET/PREFIX. It serves the scheme s3:// to store.At
// (imported for that effect by the command).
//
// Objects under PREFIX (see docs/object-storage.md):
//
//	.siphon-output              marks the prefix as siphon's (and the shard count)
//	.lock                       the lease of the one run that owns the prefix
//	checkpoint.json             vouches for segments 1..Segments
//	records-NNNNNN.jsonl        closed record segments, one JSON object a line
//	rejected-NNNNNN.jsonl       records a JSON Schema refused
//	pages/pages-NNNNNN.bin      page bodies, one after another
//	pages/index-NNNNNN.jsonl    their index lines (file, offset, length)
//	history/STAMP-ID.json       one object per run
//	run.json, runstate/...      a partitioned run's state
//	partitions/KEY/, shard-K-of-N/, aside/
//
// S3 cannot append, so each object of the open segment is built up as
// it fills: in memory while small, then as a multipart upload a part at a
// time (writer.go). The segment closes by size or by age, or when the run
// ends; only when its objects are complete is the checkpoint advanced, so
// it vouches for closed segments only and a crash loses at most the open
// segment, which the next run fetches again (aborting its uploads).
// Every object siphon creates is written with If-None-Match: * and the
// checkpoint with If-Match: its last ETag, so that two writers can never
// both succeed; the lease in .lock keeps one owner per prefix across
// machines.
//
// The client is the AWS SDK for Go v2: it reads the standard AWS settings
// (environment, shared config and credentials files, SSO, instance and
// container roles) exactly as the aws CLI does. A request the store fails
// (5xx, throttling, resets, answers cut short) is retried by the API's
// retry policy, and the run is told while it waits (retrying.go); writes
// go only while the lease is fresh, and wait for its renewal when it is
// not (lease.go).
package s3store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"

	"siphon/ingest/store"
	"siphon/ingest/textbound"
)

func init() { store.RegisterScheme("s3", Parse) }

var (
	clientMu sync.Mutex
	clients  = map[string]*conn{} // by the settings they were made from
)

// conn is the process's client for one set of AWS settings. Every call
// goes through a client made from it with rules (retrying.go): how it is
// retried, who is told, which lease holds its writes back.
type conn struct {
	base *s3.Client
	key  string // the settings it was made from
}

// settingsKey is what the AWS settings in the environment are now: a
// client made from other settings is not reused (tests start servers on
// new ports; a process keeps one client).
func settingsKey() string {
	var b strings.Builder
	for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"} {
		b.WriteString(os.Getenv(k))
		b.WriteByte(0)
	}
	return b.String()
}

// opTimeout bounds one S3 call beyond its retrying (SIPHON_S3_MAX_ELAPSED):
// the attempt after the last wait still gets its time.
const opTimeout = 5 * time.Minute

// bucket is name through c with the rules that location's calls follow:
// retried by the store's policy, telling w. A write under a lease gets
// the lease's own rules (see Location.hold).
func (c *conn) bucket(name string, w *warner, ls *lease) bucket {
	r := &rules{policy: storePolicy, warn: w, lease: ls, health: healthOf(c.key, name), givesUpForAll: true}
	return bucket{c: r.client(c.base), name: name}
}

// leaseBucket is name through c with the rules of a lease's renewals:
// quick retries (its ticker tries again soon), and a renewal that gives
// up leaves the other calls their own time.
func (c *conn) leaseBucket(name string, d time.Duration) bucket {
	r := &rules{policy: leasePolicy(d), health: healthOf(c.key, name)} // the writes waiting for it tell the run
	return bucket{c: r.client(c.base), name: name}
}

// s3Client is the process's client, made on first use from the standard
// AWS settings. AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_S3 (a MinIO, Ceph or
// gateway endpoint) implies path-style addressing.
func s3Client() (*conn, error) {
	clientMu.Lock()
	defer clientMu.Unlock()
	key := settingsKey()
	if c := clients[key]; c != nil {
		return c, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// The SDK's own log (a body it could not drain...) would land on the
	// terminal, under the console: what matters is in the errors.
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRetryer(newRetryer), config.WithLogger(logging.Nop{}))
	if err != nil {
		return nil, fmt.Errorf("s3: reading the AWS settings: %v", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1" // S3-compatible stores accept it; AWS redirects
	}
	endpoint := cmp.Or(os.Getenv("AWS_ENDPOINT_URL_S3"), os.Getenv("AWS_ENDPOINT_URL"))
	custom := endpoint != ""
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if custom {
			o.UsePathStyle = true
			// Checksums only where S3 requires them: many compatible
			// stores refuse the SDK's newer trailing checksums.
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
			if bodyNeedsNoSignature(endpoint) {
				o.APIOptions = append(o.APIOptions, v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
			}
		}
	})
	c := &conn{base: client, key: key}
	clients[key] = c
	return c, nil
}

// bodyNeedsNoSignature reports whether bodies sent to a custom endpoint
// may go without their SHA-256 in the signature: the hash guards a body
// in transit, which TLS guards already and a loopback connection never
// leaves the machine for. Hashing every byte twice (here and in the
// store) is most of what an upload costs in CPU. Plain HTTP across a
// network keeps it. (AWS itself gets the SDK's defaults: checksums.)
func bodyNeedsNoSignature(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	if u.Scheme == "https" {
		return true
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return u.Scheme == "http" && ip != nil && ip.IsLoopback()
}

// Errors worth telling apart.
var (
	// ErrNoConditionalWrites is a bucket whose store ignores If-None-Match:
	// siphon cannot keep one owner per prefix there, and will not run.
	ErrNoConditionalWrites = errors.New("the store does not honour conditional writes")
	// ErrLeaseLost is a run that no longer owns its prefix: its lease
	// expired (the process stalled) or another run took it over.
	ErrLeaseLost = errors.New("lease lost")
)

// apiCode is the S3 error code of err ("" when none) and its HTTP status.
func apiCode(err error) (string, int) {
	status := 0
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), status
	}
	return "", status
}

func isNotFound(err error) bool {
	code, status := apiCode(err)
	return code == "NoSuchKey" || code == "NotFound" || status == http.StatusNotFound && code != "NoSuchBucket"
}

// isConflict is a conditional write that lost: the object exists
// (If-None-Match) or changed (If-Match).
func isConflict(err error) bool {
	code, status := apiCode(err)
	return code == "PreconditionFailed" || code == "ConditionalRequestConflict" || status == http.StatusPreconditionFailed || status == http.StatusConflict
}

// explain turns an S3 error into a message that says what to do. The
// SDK's own text holds no secret (never the secret key or a signature).
func explain(what, where string, err error) error {
	var stop *leaseStop
	if errors.As(err, &stop) {
		return stop.err // the lease's own words (ErrLeaseLost)
	}
	var gave *gaveUp
	if errors.As(err, &gave) && gave.again {
		return &storeError{fmt.Sprintf("%s %s: the store still fails (%s); run again once it answers, nothing the checkpoint vouches for is lost", what, where, shortCause(gave.err)), err}
	}
	if errors.As(err, &gave) {
		return &storeError{fmt.Sprintf("%s %s: the store failed or could not be reached for %s, %s (the last: %s); run again once it answers, nothing the checkpoint vouches for is lost",
			what, where, roundDur(gave.elapsed), plural(gave.attempts, "attempt"), shortCause(gave.err)), err}
	}
	code, status := apiCode(err)
	var hint string
	switch {
	case code == "NoSuchBucket":
		hint = "the bucket does not exist (create it, or check the name and AWS_REGION / AWS_ENDPOINT_URL)"
	case code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch" || code == "InvalidToken" || code == "ExpiredToken":
		hint = "the credentials were refused (check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or the session token)"
	case code == "AccessDenied" || status == http.StatusForbidden:
		hint = "access denied (the credentials may not read, write or list this bucket and prefix)"
	case strings.Contains(err.Error(), "failed to retrieve credentials") || strings.Contains(err.Error(), "no EC2 IMDS role"):
		hint = "no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)"
	case status >= 500 || code == "":
		hint = "the store failed or could not be reached, also after retries; resume later, nothing vouched for is lost"
	}
	msg := textbound.Keep(err.Error())
	if hint != "" {
		return &storeError{fmt.Sprintf("%s %s: %s: %s", what, where, hint, msg), err}
	}
	return &storeError{fmt.Sprintf("%s %s: %s", what, where, msg), err}
}

// storeError is an S3 error explained: its text says what to do; it
// wraps the SDK's error, for what reads the cause (shortCause).
type storeError struct {
	msg string
	err error
}

func (e *storeError) Error() string { return e.msg }
func (e *storeError) Unwrap() error { return e.err }

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func ctxOp() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), maxElapsed()+opTimeout)
}

// envDuration reads a duration setting, def when unset or unreadable.
func envDuration(name string, def time.Duration) time.Duration {
	if v := os.Getenv(name); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			return d
		}
	}
	return def
}
