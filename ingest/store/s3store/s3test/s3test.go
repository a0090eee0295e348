// Package s3test starts a real S3 server on loopback for tests: the Versity
// S3 gateway (github.com/versity/versitygw, Apache-2.0) over a temporary
// folder. The gateway is built once with `go install` into a cache folder
// outside the repository (about 90 s on two cores), so that the tests run
// on a fresh machine with nothing preinstalled; .ci/run builds it before
// the tests. SIPHON_VERSITYGW names a binary to use instead.
package s3test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Version is the gateway's version the tests run against.
const Version = "v1.8.0"

// module is what `go install` builds.
const module = "github.com/versity/versitygw/cmd/versitygw@" + Version

// CacheDir is where the gateway's binary is kept between test runs:
// $XDG_CACHE_HOME/siphon-versitygw/VERSION (~/.cache/...), beside Go's
// own caches, never in the repository.
func CacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache folder for the S3 test server: %w", err)
	}
	return filepath.Join(base, "siphon-versitygw", Version), nil
}

var (
	buildOnce sync.Once
	built     string
	buildErr  error
)

// Binary is the gateway's binary, built into CacheDir the first time (one
// build at a time across processes: a lock file beside it).
func Binary() (string, error) {
	buildOnce.Do(func() { built, buildErr = build() })
	return built, buildErr
}

func build() (string, error) {
	if p := os.Getenv("SIPHON_VERSITYGW"); p != "" {
		return p, nil
	}
	dir, err := CacheDir()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "versitygw")
	if isExec(bin) {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".build.lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	// Test packages run in parallel: one builds, the others wait for it.
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if isExec(bin) {
		return bin, nil
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("building the S3 test server needs the go command: %w", err)
	}
	cmd := exec.Command(goBin, "install", module)
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=-buildvcs=false", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install %s: %v\n%s", module, err, out)
	}
	if !isExec(bin) {
		return "", fmt.Errorf("go install %s made no %s", module, bin)
	}
	return bin, nil
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// Server is a running gateway.
type Server struct {
	URL    string // http://127.0.0.1:PORT
	Access string
	Secret string
	Region string
	Dir    string // the folder it serves buckets from

	cmd  *exec.Cmd
	done chan struct{}
}

// Pid is the gateway's process id (a benchmark reads its CPU time).
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Start starts a gateway on a free loopback port over a temporary folder,
// stopped when the test ends. A build or start that fails fails the test.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatalf("S3 test server: %v", err)
	}
	s, err := start(bin, t.TempDir())
	if err != nil {
		t.Fatalf("S3 test server: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

func start(bin, root string) (*Server, error) {
	var lastErr error
	for range 3 { // a port taken between choosing it and the bind: another
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s := &Server{URL: "http://127.0.0.1:" + port, Access: "siphontestaccess", Secret: "siphontestsecret0123456789", Region: "us-east-1", Dir: root, done: make(chan struct{})}
		s.cmd = exec.Command(bin, "--access", s.Access, "--secret", s.Secret, "--port", "127.0.0.1:"+port, "posix", root)
		var out strings.Builder
		s.cmd.Stdout, s.cmd.Stderr = &out, &out
		if err := s.cmd.Start(); err != nil {
			return nil, err
		}
		go func() { s.cmd.Wait(); close(s.done) }()
		if err := s.waitReady(); err != nil {
			s.Stop()
			lastErr = fmt.Errorf("%v\n%s", err, out.String())
			continue
		}
		return s, nil
	}
	return nil, lastErr
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port, nil
}

// waitReady polls the server until it answers HTTP (or exits).
func (s *Server) waitReady() error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return errors.New("versitygw exited at start")
		default:
		}
		resp, err := http.Get(s.URL + "/")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond) // polling a process's readiness, not synchronising tests
	}
	return errors.New("versitygw did not answer within 30 s")
}

// Stop stops the server.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Kill()
	<-s.done
}

// Env is the environment a siphon process needs to reach the server:
// the standard AWS settings and AWS_ENDPOINT_URL.
func (s *Server) Env() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + s.Access,
		"AWS_SECRET_ACCESS_KEY=" + s.Secret,
		"AWS_REGION=" + s.Region,
		"AWS_ENDPOINT_URL=" + s.URL,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull,
	}
}

// Setenv sets Env in this test's process (t.Setenv: not with t.Parallel).
func (s *Server) Setenv(t testing.TB) {
	t.Helper()
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// Client is an S3 client of the server, path-style.
func (s *Server) Client() *s3.Client {
	return s3.New(s3.Options{
		Region:       s.Region,
		BaseEndpoint: aws.String(s.URL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s.Access, s.Secret, ""),
	})
}

// Bucket creates a bucket and returns its name.
func (s *Server) Bucket(t testing.TB, name string) string {
	t.Helper()
	if _, err := s.Client().CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("creating bucket %s: %v", name, err)
	}
	return name
}

// Objects lists every key under prefix with its size.
func (s *Server) Objects(t testing.TB, bucket, prefix string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	p := s3.NewListObjectsV2Paginator(s.Client(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("listing s3://%s/%s: %v", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			out[aws.ToString(o.Key)] = aws.ToInt64(o.Size)
		}
	}
	return out
}

// Get reads one object whole.
func (s *Server) Get(t testing.TB, bucket, key string) []byte {
	t.Helper()
	out, err := s.Client().GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("reading s3://%s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("reading s3://%s/%s: %v", bucket, key, err)
	}
	return b
}
