package s3test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// TestProxyFaults: each fault does to a real client what it says, seen
// from the client and from the store behind the proxy, and the log says
// what was done to which request.
func TestProxyFaults(t *testing.T) {
	srv := Start(t)
	srv.Bucket(t, "lake")
	px := srv.Proxy(t, nil)
	direct := srv.Client()
	// No retries: each call is one request, so each meets its fault.
	c := s3.New(px.Server().Client().Options(), func(o *s3.Options) { o.RetryMaxAttempts = 1 })
	ctx := context.Background()
	put := func(key, body string) error {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("lake"), Key: aws.String(key), Body: strings.NewReader(body)})
		return err
	}
	exists := func(key string) bool {
		_, err := direct.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("lake"), Key: aws.String(key)})
		return err == nil
	}
	if err := put("a/plain", "plain"); err != nil || !exists("a/plain") {
		t.Fatalf("a passed put: %v", err)
	}

	px.SetPolicy(Always(Unavailable))
	err := put("a/503", "x")
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ServiceUnavailable" || exists("a/503") {
		t.Errorf("503: %v", err)
	}
	for _, f := range []Fault{ResetNow, ResetLate} {
		px.SetPolicy(Always(f))
		if err := put("a/"+f.Kind.String(), "x"); err == nil || exists("a/"+f.Kind.String()) {
			t.Errorf("%s: the put %v, or the store has it", f, err)
		}
	}
	px.SetPolicy(Always(ReplyLost))
	if err := put("a/lost", "x"); err == nil || !exists("a/lost") {
		t.Errorf("lost reply: the put %v, or the store has not got it", err)
	}
	px.SetPolicy(Always(CutShort))
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("lake"), Key: aws.String("a/plain")})
	if err != nil {
		t.Fatalf("a truncated get's headers: %v", err)
	}
	got, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err == nil || bytes.Equal(got, []byte("plain")) {
		t.Errorf("a truncated get read %q, %v", got, err)
	}
	if err := put("a/cut", "x"); err == nil {
		t.Error("a put whose reply's headers were cut succeeded")
	}

	// A schedule for one kind of request, the rest delayed.
	px.SetPolicy(First(When(Puts("sched-"), Schedule(Unavailable, Fault{}, Internal)), Always(Fault{Kind: Delay, Delay: time.Millisecond})))
	var errs []bool
	for _, k := range []string{"sched-1", "sched-2", "sched-3", "sched-4"} {
		errs = append(errs, put("b/"+k, "x") != nil)
	}
	if want := []bool{true, false, true, false}; !slices.Equal(errs, want) {
		t.Errorf("schedule: failed %v, want %v", errs, want)
	}
	select {
	case <-px.Seen(func(e Entry) bool { return e.Key == "b/sched-3" && e.Status == 500 }):
	default:
		t.Error("Seen did not see the logged 500")
	}
	log := px.Log()
	last := log[len(log)-1]
	if last.Op != "put" || last.Key != "b/sched-4" || last.Fault.Kind != Delay || last.Status != 200 {
		t.Errorf("last entry: %v", last)
	}
	if n := len(px.Faulted()); n < 8 {
		t.Errorf("%d faulted entries:\n%s", n, px.Summary())
	}
	t.Logf("\n%s", px.Summary())
}

// TestRandomIsSeeded: one seed, one sequence of decisions.
func TestRandomIsSeeded(t *testing.T) {
	draw := func() string {
		p := Random(7, 0.3, Unavailable, ResetNow)
		var b strings.Builder
		for i := range 200 {
			b.WriteString(p(Request{N: i}).String() + ",")
		}
		return b.String()
	}
	a := draw()
	if a != draw() {
		t.Fatal("two runs of one seed differ")
	}
	if n := 200 - strings.Count(a, "pass"); n < 30 || n > 90 {
		t.Errorf("%d faults of 200 at rate 0.3", n)
	}
}
