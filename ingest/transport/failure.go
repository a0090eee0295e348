package transport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"siphon/ingest/bodybound"
	"siphon/ingest/spec"
	"siphon/ingest/textbound"
)

// Failure is what an error before or while reading a response says about
// the request: tried again (Retry), given up (Fail: the same request fails
// the same way), or refused for its size (Bounded, permanent too).
type Failure struct {
	Cause   string // not redacted: the caller redacts it
	Retry   bool
	Fail    bool
	Bounded bool
}

// Classify reads err, from a request under ctx with the given timeout to a
// server under tlsCfg, as a Failure with a cause the user can act on.
func Classify(ctx context.Context, err error, timeout time.Duration, tlsCfg spec.TLSConfig) Failure {
	f := Failure{Cause: RootCause(err)}
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recordErr tls.RecordHeaderError
	var limit *bodybound.LimitError
	msg := err.Error()
	switch {
	case errors.As(err, &limit):
		// Permanent: the same request brings the same body again.
		f.Fail, f.Bounded = true, true
		f.Cause = limit.Msg
	case strings.Contains(msg, "server response headers exceeded"):
		f.Fail, f.Bounded = true, true
		f.Cause = fmt.Sprintf("the response headers are larger than %s, the most siphon reads of one response's headers: refused", textbound.Size(bodybound.MaxResponseHeaderBytes))
	case ctx.Err() != nil:
		f.Fail = true
	case strings.Contains(msg, "invalid header field"), strings.Contains(msg, "invalid control character in URL"):
		// Permanent: a value with CR, LF or another control cannot be sent, however often we try.
		f.Fail = true
		f.Cause = "the request cannot be sent: " + f.Cause
	case strings.Contains(msg, "malformed MIME header"), strings.Contains(msg, "malformed HTTP"):
		// Permanent: the server answers with a broken response (a header with
		// control characters), and will again.
		f.Fail = true
		f.Cause = "the server sent a malformed response: " + f.Cause
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr), errors.As(err, &recordErr),
		strings.Contains(msg, "tls: "):
		f.Fail = true
		f.Cause = "TLS: " + f.Cause + tlsHint(err, tlsCfg)
	case errors.Is(err, context.DeadlineExceeded):
		f.Retry = true
		f.Cause = fmt.Sprintf("no answer within the %s timeout", timeout)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED):
		f.Retry = true
	default:
		var netErr net.Error
		var dnsErr *net.DNSError
		switch {
		case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
			f.Fail = true
		case errors.As(err, &netErr):
			f.Retry = true
		case strings.Contains(msg, "redirect"):
			f.Fail = true
		default:
			f.Retry = true
		}
	}
	return f
}

// tlsHint says what to change for the common TLS failures.
func tlsHint(err error, cfg spec.TLSConfig) string {
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	msg := err.Error()
	switch {
	case errors.As(err, &unknownAuth) || strings.Contains(msg, "unknown authority"):
		if cfg.CAFile != "" {
			return fmt.Sprintf(" (the server's certificate is not signed by the CA in tls.ca_file %s)", cfg.CAFile)
		}
		return " (the server's certificate is not signed by a CA this machine trusts; name its CA in tls.ca_file)"
	case errors.As(err, &hostErr):
		return " (the certificate is for another host name than base_url's)"
	case strings.Contains(msg, "certificate required") || strings.Contains(msg, "bad certificate") || strings.Contains(msg, "unknown certificate authority"):
		if cfg.CertFile == "" {
			return " (the server wants a client certificate: set tls.cert_file and tls.key_file)"
		}
		return fmt.Sprintf(" (the server did not accept the client certificate in tls.cert_file %s: it must be signed by a CA the server trusts)", cfg.CertFile)
	}
	return ""
}
