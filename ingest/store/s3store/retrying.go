package s3store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"siphon/ingest/retry"
	"siphon/ingest/spec"
	"siphon/ingest/textbound"
)

// A request to the store is retried as a page of the API is: by the same
// policy (retry.Decide) with the API's defaults. A 5xx, a throttle, a
// reset or an answer cut short is tried again after a random wait up to
// 1 s, doubled per attempt up to 60 s, for at most SIPHON_S3_MAX_ELAPSED
// (5 minutes, as retry.max_elapsed), waits included. The SDK runs the
// attempts; the rules of the client decide after each failed one whether
// to go on and how long to wait (retryIn, which the retryer reads) or to
// give up (gaveUp, which it does not retry), and tell the run meanwhile.

// retryPolicy is how one request is retried.
type retryPolicy struct {
	initial, max time.Duration // backoff: the first wait's ceiling, doubled up to max
	elapsed      time.Duration // how long one request may spend retrying
	attempt      time.Duration // how long one attempt may take; 0: the default
}

// storePolicy is the policy of a request to the store.
func storePolicy() retryPolicy {
	return retryPolicy{initial: spec.DefaultInitialBackoff, max: spec.DefaultMaxBackoff, elapsed: maxElapsed()}
}

// maxElapsed is how long one request may spend retrying.
func maxElapsed() time.Duration { return envDuration("SIPHON_S3_MAX_ELAPSED", spec.DefaultMaxElapsed) }

func (p retryPolicy) config() spec.RetryConfig {
	return spec.RetryConfig{MaxElapsed: p.elapsed, InitialBackoff: p.initial, MaxBackoff: p.max}
}

// newRetryer is the SDK's retryer of every client of the store: it
// retries what the rules let through, after the wait they chose.
func newRetryer() aws.Retryer {
	return awsretry.NewStandard(func(o *awsretry.StandardOptions) {
		o.MaxAttempts = 1 << 20 // the rules give up (by time), not the SDK (by count)
		o.RateLimiter = ratelimit.None
		o.Backoff = awsretry.BackoffDelayerFunc(func(attempt int, err error) (time.Duration, error) {
			var r *retryIn
			if errors.As(err, &r) {
				return r.wait, nil
			}
			// A client without the rules: the same backoff, bounded by
			// the call's deadline alone.
			return retry.Decide(retry.Failure{}, attempt, 0, false, storePolicy().config(), rand.Int64N).Wait, nil
		})
	})
}

// transient reports whether a failed attempt is worth another: what the
// SDK retries (5xx, throttles, resets, timeouts), and an answer cut
// short (its XML ends early), which it does not.
func transient(err error) bool {
	if awsretry.IsErrorRetryables(awsretry.DefaultRetryables).IsErrorRetryable(err) == aws.TrueTernary {
		return true
	}
	var canceled interface{ CanceledError() bool }
	if errors.As(err, &canceled) && canceled.CanceledError() {
		return false
	}
	return errors.Is(err, io.ErrUnexpectedEOF)
}

// retryIn is a failed attempt to be tried again after wait.
type retryIn struct {
	err  error
	wait time.Duration
}

func (e *retryIn) Error() string        { return e.err.Error() }
func (e *retryIn) Unwrap() error        { return e.err }
func (e *retryIn) RetryableError() bool { return true }

// gaveUp is a request that failed for as long as the policy allows.
type gaveUp struct {
	err      error
	attempts int
	elapsed  time.Duration
	again    bool // not retried: another request gave up before it
}

func (e *gaveUp) Error() string        { return e.err.Error() }
func (e *gaveUp) Unwrap() error        { return e.err }
func (e *gaveUp) RetryableError() bool { return false }

// rules is what one client adds to every request it sends.
type rules struct {
	policy func() retryPolicy
	warn   *warner // told while a request is retried; nil: nobody
	// lease: writes go only while it holds, and stop where it may have
	// run out (see lease.hold); nil: writes are not the lease's.
	lease  *lease
	health *health
	// givesUpForAll: a request of this client that gives up marks the
	// bucket failing, and every request after it tries once (until one
	// succeeds): a run whose output failed for five minutes stops at
	// once rather than retrying its release and history as long again.
	givesUpForAll bool
}

// client is base with r's rules.
func (r *rules) client(base *s3.Client) *s3.Client {
	return s3.New(base.Options(), func(o *s3.Options) {
		o.APIOptions = append(slices.Clip(o.APIOptions), r.install)
	})
}

func (r *rules) install(st *middleware.Stack) error {
	if err := st.Initialize.Add(middleware.InitializeMiddlewareFunc("siphon.Request", r.begin), middleware.After); err != nil {
		return err
	}
	if err := st.Deserialize.Add(middleware.DeserializeMiddlewareFunc("siphon.ReadWhole", readWhole), middleware.Before); err != nil {
		return err
	}
	return st.Finalize.Insert(middleware.FinalizeMiddlewareFunc("siphon.Attempt", r.attempt), "Retry", middleware.After)
}

// readWholeMax bounds the object a GET reads whole within its attempt.
const readWholeMax = 16 << 20

// readWhole reads a GET's body within the attempt, so that an answer cut
// short is an attempt that failed, retried, rather than a body that
// fails its reader once the call returned. Objects siphon reads whole are
// small (checkpoint, lease, history, run state); a larger one streams.
func readWhole(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
	out, md, err := next.HandleDeserialize(ctx, in)
	got, ok := out.Result.(*s3.GetObjectOutput)
	if err != nil || !ok || got.Body == nil || got.ContentLength == nil || *got.ContentLength > readWholeMax || *got.ContentLength < 0 {
		return out, md, err
	}
	if req, ok := in.Request.(*smithyhttp.Request); ok && req.Header.Get("Range") != "" {
		return out, md, nil // a ranged read streams: its reader takes a broken one up again
	}
	body := make([]byte, *got.ContentLength)
	_, err = io.ReadFull(got.Body, body)
	got.Body.Close()
	if err != nil {
		return out, md, fmt.Errorf("reading the answer: %w", io.ErrUnexpectedEOF)
	}
	got.Body = wholeBody{bytes.NewReader(body)}
	return out, md, nil
}

// wholeBody is a body readWhole read within the attempt.
type wholeBody struct{ *bytes.Reader }

func (wholeBody) Close() error { return nil }

func isWhole(b io.ReadCloser) bool {
	_, ok := b.(wholeBody)
	return ok
}

// request is one call, across its attempts (they run one after another).
type request struct {
	start    time.Time
	what     string // "writing s3://bucket/key"
	attempts int
	told     bool // the run was told it is being retried
}

type requestKey struct{}

func (r *rules) begin(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	req := &request{start: time.Now(), what: describe(awsmiddleware.GetOperationName(ctx), in.Parameters)}
	return next.HandleInitialize(context.WithValue(ctx, requestKey{}, req), in)
}

// describe says what a call does, as messages name it.
func describe(op string, params any) string {
	at := func(b, k *string) string { return "s3://" + aws.ToString(b) + "/" + aws.ToString(k) }
	switch v := params.(type) {
	case *s3.PutObjectInput:
		return "writing " + at(v.Bucket, v.Key)
	case *s3.GetObjectInput:
		return "reading " + at(v.Bucket, v.Key)
	case *s3.HeadObjectInput:
		return "reading " + at(v.Bucket, v.Key)
	case *s3.CopyObjectInput:
		return "copying to " + at(v.Bucket, v.Key)
	case *s3.DeleteObjectInput:
		return "deleting " + at(v.Bucket, v.Key)
	case *s3.ListObjectsV2Input:
		return "listing " + at(v.Bucket, v.Prefix)
	case *s3.CreateMultipartUploadInput:
		return "starting an upload of " + at(v.Bucket, v.Key)
	case *s3.UploadPartInput:
		return fmt.Sprintf("uploading part %d of %s", aws.ToInt32(v.PartNumber), at(v.Bucket, v.Key))
	case *s3.CompleteMultipartUploadInput:
		return "completing the upload of " + at(v.Bucket, v.Key)
	case *s3.ListMultipartUploadsInput:
		return "listing the uploads of " + at(v.Bucket, v.Prefix)
	}
	return op
}

// writes are the calls that change what readers or a successor see:
// under a lease, they go only while it holds.
var writes = map[string]bool{"PutObject": true, "CopyObject": true, "DeleteObject": true, "DeleteObjects": true, "CompleteMultipartUpload": true}

// attempt runs one attempt and decides what its failure leads to.
func (r *rules) attempt(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	req, _ := ctx.Value(requestKey{}).(*request)
	if req == nil {
		req = &request{start: time.Now(), what: awsmiddleware.GetOperationName(ctx)}
	}
	req.attempts++
	// A store that takes a request and never answers fails the attempt
	// after a while, as one that answers 503 does. The bound ends with
	// the call: a body that streams on after it is its reader's.
	timed, cancel := context.WithCancelCause(ctx)
	limit := r.attemptTimeout()
	timer := time.AfterFunc(limit, func() { cancel(errHung) })
	out, md, err := r.send(timed, in, next)
	timer.Stop()
	if err != nil && errors.Is(context.Cause(timed), errHung) && ctx.Err() == nil {
		err = &hung{after: limit}
	}
	if got, ok := out.Result.(*s3.GetObjectOutput); ok && got.Body != nil && !isWhole(got.Body) {
		got.Body = closeCancels{got.Body, func() { cancel(nil) }}
	} else {
		cancel(nil)
	}
	return out, md, r.decide(req, err)
}

// closeCancels is a body that ends its attempt's context when closed.
type closeCancels struct {
	io.ReadCloser
	cancel func()
}

func (c closeCancels) Close() error {
	defer c.cancel()
	return c.ReadCloser.Close()
}

// send sends the attempt; a write under a lease only while it holds.
func (r *rules) send(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	if r.lease == nil || !writes[awsmiddleware.GetOperationName(ctx)] {
		return next.HandleFinalize(ctx, in)
	}
	held, done, err := r.lease.hold(ctx)
	if err != nil {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, err
	}
	out, md, err := next.HandleFinalize(held, in)
	cause := context.Cause(held)
	done()
	if err != nil && cause != nil && ctx.Err() == nil {
		err = cause // cut where the lease stopped being fresh: the lease says why
	}
	return out, md, err
}

// attemptTimeout bounds one attempt: the policy's, else two minutes (an
// upload of a 5 MiB part at 40 KB/s).
func (r *rules) attemptTimeout() time.Duration {
	if d := r.policy().attempt; d > 0 {
		return d
	}
	return 2 * time.Minute
}

var errHung = errors.New("no answer in time")

// hung is an attempt the store did not answer in time: retried.
type hung struct{ after time.Duration }

func (e *hung) Error() string        { return fmt.Sprintf("the store did not answer within %s", e.after) }
func (e *hung) RetryableError() bool { return true }

// decide turns an attempt's error into what the retryer does with it.
func (r *rules) decide(req *request, err error) error {
	if err == nil {
		r.health.up()
		if req.told {
			r.warn.say(fmt.Sprintf("the store answers again: %s succeeded at attempt %d, after %s", req.what, req.attempts, roundDur(time.Since(req.start))), true)
		}
		return nil
	}
	var stop *leaseStop
	if errors.As(err, &stop) || !transient(err) {
		return err
	}
	pol := r.policy()
	cfg := pol.config()
	failing := r.health.failing()
	if failing {
		cfg.MaxElapsed = time.Nanosecond // another request gave up on the store already
	}
	elapsed := time.Since(req.start)
	_, status := apiCode(err)
	d := retry.Decide(retry.Failure{Status: status}, req.attempts, elapsed, false, cfg, rand.Int64N)
	if d.Stop {
		if r.givesUpForAll {
			r.health.down()
		}
		return &gaveUp{err: err, attempts: req.attempts, elapsed: elapsed, again: failing}
	}
	// One failure is a blip, retried within a second; from the second in
	// a row the run is told, or waiting for the store looks like a hang.
	if req.attempts >= 2 {
		req.told = true
		r.warn.say(fmt.Sprintf("the store is failing: %s failed %d times (%s); trying again in %s, for up to %s in all; the run waits and loses nothing",
			req.what, req.attempts, shortCause(err), roundDur(d.Wait), pol.elapsed), false)
	}
	return &retryIn{err: err, wait: d.Wait}
}

func roundDur(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}

// shortCause is the gist of a failed attempt, for a line of the log:
// the status and S3's code and message, or the network's last word.
func shortCause(err error) string {
	var pause *leasePause
	if errors.As(err, &pause) {
		return "the lease could not be renewed: " + shortCause(pause.err)
	}
	if errors.Is(err, errRanOut) {
		return errRanOut.Error()
	}
	code, status := apiCode(err)
	var ae interface{ ErrorMessage() string }
	switch {
	case status > 0 && code != "":
		msg := ""
		if errors.As(err, &ae) && ae.ErrorMessage() != "" {
			msg = ": " + ae.ErrorMessage()
		}
		return textbound.Keep(fmt.Sprintf("%d %s%s", status, code, msg))
	case status > 0:
		return fmt.Sprintf("%d %s", status, http.StatusText(status))
	}
	inner := err
	for {
		next := errors.Unwrap(inner)
		if next == nil {
			break
		}
		inner = next
	}
	return textbound.Keep(inner.Error())
}

// warner tells a run what the store has to say while it retries. Retry
// warnings come one a second at most: a store that fails every request
// fails several at once.
type warner struct {
	fn   func(string)
	mu   sync.Mutex
	last time.Time
}

func (w *warner) say(s string, always bool) {
	if w == nil || w.fn == nil {
		return
	}
	w.mu.Lock()
	quiet := !always && time.Since(w.last) < time.Second
	if !quiet {
		w.last = time.Now()
	}
	w.mu.Unlock()
	if !quiet {
		w.fn(s)
	}
}

// health is whether a bucket, through one set of AWS settings, is failing:
// a request gave up on it and none has succeeded since.
type health struct{ failed atomic.Bool }

var (
	healthMu sync.Mutex
	healths  = map[string]*health{}
)

// healthOf is the health of bucket through the settings key names.
func healthOf(key, bucket string) *health {
	healthMu.Lock()
	defer healthMu.Unlock()
	h := healths[key+"\x00"+bucket]
	if h == nil {
		h = &health{}
		healths[key+"\x00"+bucket] = h
	}
	return h
}

func (h *health) up()           { h.failed.Store(false) }
func (h *health) down()         { h.failed.Store(true) }
func (h *health) failing() bool { return h.failed.Load() }
