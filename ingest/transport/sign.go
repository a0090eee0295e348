package transport

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"siphon/ingest/spec"
)

// Signing is the last thing done to a request, below every header siphon
// and Go's client set, once per attempt: a retried request is signed
// again, with a fresh date. It sits in the round-tripper chain so that no
// path (first page, next page, retry, page fetched ahead) can skip it,
// and it signs only requests bound for base_url's origin: a redirect or a
// next page elsewhere goes unsigned.

// Signer signs requests with the profile's aws_sigv4 or hmac auth.
type Signer struct {
	Next http.RoundTripper
	home *url.URL // base_url: only its origin is signed for
	sign func(req *http.Request, body []byte, now time.Time) error
	now  func() time.Time
}

// maxSignedBody bounds a request body read for its hash: a profile's JSON
// body, not an upload.
const maxSignedBody = 16 << 20

// NewSigner wraps next with cfg's signing; it returns next as it is for
// auth types that do not sign.
func NewSigner(cfg *spec.Config, next http.RoundTripper) (http.RoundTripper, error) {
	home, err := url.Parse(cfg.BaseURL)
	if err != nil || home.Host == "" {
		return nil, fmt.Errorf("base_url %q is not an absolute http(s) URL", cfg.BaseURL)
	}
	s := &Signer{Next: next, home: home, now: time.Now}
	switch cfg.Auth.Type {
	case spec.AuthSigV4:
		sv, err := newSigV4(cfg.Auth)
		if err != nil {
			return nil, err
		}
		s.sign = sv.sign
	case spec.AuthHMAC:
		hs, err := newHMAC(cfg.Auth)
		if err != nil {
			return nil, err
		}
		s.sign = hs.sign
	default:
		return next, nil
	}
	return s, nil
}

// RoundTrip signs a copy of req (a RoundTripper must not change the
// caller's request) and sends it.
func (s *Signer) RoundTrip(req *http.Request) (*http.Response, error) {
	if origin(req.URL) != origin(s.home) {
		return s.Next.RoundTrip(req)
	}
	body, err := requestBody(req)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	out := req.Clone(req.Context())
	if body != nil {
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		out.ContentLength = int64(len(body))
	}
	if err := s.sign(out, body, s.now()); err != nil {
		return nil, err
	}
	return s.Next.RoundTrip(out)
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// requestBody reads the request's body (nil for none), leaving req's own
// as it was when GetBody can give it again.
func requestBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	rc := req.Body
	if req.GetBody != nil {
		var err error
		if rc, err = req.GetBody(); err != nil {
			return nil, err
		}
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxSignedBody+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxSignedBody {
		return nil, fmt.Errorf("the request body is larger than %d MiB: too large to sign", maxSignedBody>>20)
	}
	return data, nil
}

// sigV4 signs with the AWS SDK's signer.
type sigV4 struct {
	service, region string
	creds           aws.CredentialsProvider
	signer          *v4.Signer
}

func newSigV4(a spec.AuthConfig) (*sigV4, error) {
	if a.Service == "" {
		return nil, errors.New("auth: aws_sigv4 needs service (s3, execute-api, ...)")
	}
	sv := &sigV4{service: a.Service, region: a.Region, signer: v4.NewSigner(func(o *v4.SignerOptions) {
		// S3 signs the path as sent, escaped once; every other service
		// escapes it again (as the SDK's own clients do).
		o.DisableURIPathEscaping = a.Service == "s3"
	})}
	if a.AccessKeyID.Reveal() != "" || a.SecretAccessKey.Reveal() != "" {
		if a.AccessKeyID.Reveal() == "" || a.SecretAccessKey.Reveal() == "" {
			return nil, errors.New("auth: aws_sigv4 needs both access_key_id and secret_access_key, or neither (the standard AWS chain)")
		}
		static := aws.Credentials{AccessKeyID: a.AccessKeyID.Reveal(), SecretAccessKey: a.SecretAccessKey.Reveal(), SessionToken: a.SessionToken.Reveal(), Source: "profile"}
		sv.creds = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return static, nil })
		if sv.region == "" {
			return nil, errors.New("auth: aws_sigv4 needs region")
		}
		return sv, nil
	}
	// The standard chain: environment, shared config and credentials
	// files, SSO, web identity, container and instance roles.
	var opts []func(*awsconfig.LoadOptions) error
	if sv.region != "" {
		opts = append(opts, awsconfig.WithRegion(sv.region))
	}
	ac, err := awsconfig.LoadDefaultConfig(context.Background(), opts...)
	if err != nil {
		return nil, fmt.Errorf("auth: aws_sigv4: the standard AWS credential chain: %v", err)
	}
	if sv.region == "" {
		sv.region = ac.Region
	}
	if sv.region == "" {
		return nil, errors.New("auth: aws_sigv4 needs region (or AWS_REGION, or a region in the shared AWS config)")
	}
	sv.creds = ac.Credentials
	return sv, nil
}

// emptySHA256 is the hash of no body.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

func (sv *sigV4) sign(req *http.Request, body []byte, now time.Time) error {
	creds, err := sv.creds.Retrieve(req.Context())
	if err != nil {
		return &CredentialError{Msg: "aws_sigv4: no AWS credentials: " + RootCause(err)}
	}
	hash := emptySHA256
	if len(body) > 0 {
		sum := sha256.Sum256(body)
		hash = hex.EncodeToString(sum[:])
	}
	// S3 requires the payload hash as a header; other services ignore it.
	req.Header.Set("X-Amz-Content-Sha256", hash)
	req.Header.Del("Authorization")
	req.Header.Del("X-Amz-Date")
	req.Header.Del("X-Amz-Security-Token")
	if err := sv.signer.SignHTTP(req.Context(), creds, req, hash, sv.service, sv.region, now); err != nil {
		return fmt.Errorf("aws_sigv4: signing: %v", err)
	}
	return nil
}

// ClockSkewed reports whether an error answer says the request's time is
// too far from the server's clock (a SigV4 or HMAC signature is then
// refused, however right the keys are).
func ClockSkewed(body string) bool {
	for _, s := range []string{"RequestTimeTooSkewed", "Signature expired", "RequestExpired", "clock skew", "timestamp is too old", "timestamp outside"} {
		if strings.Contains(body, s) {
			return true
		}
	}
	return false
}

// ClockSkewHint is the cause a clock-skew refusal is named with.
const ClockSkewHint = "the server refused the signature because this machine's clock is too far from its own (clock skew: RequestTimeTooSkewed / Signature expired); set the clock right (NTP) and resume"

// hmacSigner signs a template of the request with a shared key.
type hmacSigner struct {
	a    spec.AuthConfig
	hash func() hash.Hash
}

func newHMAC(a spec.AuthConfig) (*hmacSigner, error) {
	if a.Key.Reveal() == "" {
		return nil, errors.New("auth: hmac needs key")
	}
	if a.Header == "" {
		return nil, errors.New("auth: hmac needs header (where the signature goes)")
	}
	h := &hmacSigner{a: a}
	switch strings.ToLower(a.Algorithm) {
	case "", "sha256":
		h.hash = sha256.New
	case "sha512":
		h.hash = sha512.New
	case "sha1":
		h.hash = sha1.New
	default:
		return nil, fmt.Errorf("auth: hmac algorithm %q: expected sha256, sha512 or sha1", a.Algorithm)
	}
	switch a.Encoding {
	case "", "hex", "base64":
	default:
		return nil, fmt.Errorf("auth: hmac encoding %q: expected hex or base64", a.Encoding)
	}
	return h, nil
}

// HMACTimestamp formats now as the profile's timestamp_format says.
func HMACTimestamp(format string, now time.Time) string {
	switch format {
	case "unix_ms":
		return strconv.FormatInt(now.UnixMilli(), 10)
	case "rfc3339":
		return now.UTC().Format(time.RFC3339)
	}
	return strconv.FormatInt(now.Unix(), 10)
}

// HMACMessage is what an hmac signature covers: the template with
// {method}, {path}, {query}, {target} (path and ?query), {body} and
// {timestamp} filled in, and \n for a line break.
func HMACMessage(template string, req *http.Request, body []byte, ts string) string {
	path := req.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	target := path
	if req.URL.RawQuery != "" {
		target += "?" + req.URL.RawQuery
	}
	return strings.NewReplacer(
		"{method}", req.Method,
		"{path}", path,
		"{query}", req.URL.RawQuery,
		"{target}", target,
		"{body}", string(body),
		"{timestamp}", ts,
		`\n`, "\n",
	).Replace(template)
}

// HMACSignature is the encoded MAC of msg.
func HMACSignature(newHash func() hash.Hash, key, msg, encoding string) string {
	m := hmac.New(newHash, []byte(key))
	m.Write([]byte(msg))
	sum := m.Sum(nil)
	if encoding == "base64" {
		return base64.StdEncoding.EncodeToString(sum)
	}
	return hex.EncodeToString(sum)
}

func (h *hmacSigner) sign(req *http.Request, body []byte, now time.Time) error {
	a := h.a
	ts := HMACTimestamp(a.TimestampFormat, now)
	tmpl := a.Sign
	if tmpl == "" {
		tmpl = spec.DefaultHMACSign
	}
	sig := HMACSignature(h.hash, a.Key.Reveal(), HMACMessage(tmpl, req, body, ts), a.Encoding)
	if a.TimestampHeader != "" {
		req.Header.Set(a.TimestampHeader, ts)
	}
	req.Header.Set(a.Header, a.Prefix+sig)
	return nil
}
