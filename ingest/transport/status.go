package transport

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"siphon/ingest/httphdr"
	"siphon/ingest/spec"
)

// StatusRules is what decides how an answer that is not a 2xx is taken.
type StatusRules struct {
	RetryOn          []int  // retry.on_status
	IgnoreRetryAfter bool   // rate_limit.ignore_headers
	AuthType         string // auth.type
	Renews           bool   // a refused credential can be renewed (OAuth2 or a login)
	Session          bool   // the credential is a login's session token
}

// StatusFailure is what an answer that is not a 2xx says about the
// request: tried again (Retry, after Wait when the server said so), the
// credential renewed and tried again (Refresh), or given up (Fail), with a
// cause that says what to check.
type StatusFailure struct {
	Cause   string // not redacted: the caller redacts it
	Retry   bool
	Fail    bool
	Refresh bool
	Wait    time.Duration // from Retry-After; zero: back off
}

// ClassifyStatus reads an answer that is not a 2xx (its status, headers
// and the start of its body) by the rules, at now.
func ClassifyStatus(status int, header http.Header, body []byte, rules StatusRules, now time.Time) StatusFailure {
	o := StatusFailure{Cause: "unexpected status"}
	if slices.Contains(rules.RetryOn, status) {
		o.Retry = true
		o.Cause = strings.ToLower(http.StatusText(status))
		if o.Cause == "" {
			o.Cause = "retryable status"
		}
		if ra := header.Get("Retry-After"); ra != "" && !rules.IgnoreRetryAfter {
			if wait, ok := httphdr.ParseRetryAfter(ra, now); ok {
				o.Wait = max(wait, time.Millisecond)
				o.Cause += ", Retry-After " + strings.TrimSpace(ra)
			}
		}
		return o
	}
	o.Fail = true
	if status == http.StatusUnauthorized && rules.Renews {
		o.Fail, o.Refresh = false, true
		o.Cause = "the access token was refused; refreshing it"
		if rules.Session {
			o.Cause = "the session token was refused; logging in again"
		}
		return o
	}
	switch {
	case (status == http.StatusForbidden || status == http.StatusUnauthorized || status == http.StatusBadRequest) && signs(rules.AuthType) && ClockSkewed(string(body)):
		o.Cause = ClockSkewHint
		return o
	}
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		o.Cause = "the credentials were refused; check the profile's auth"
		if rules.AuthType == spec.AuthNone {
			o.Cause = "the credentials were refused: the profile sends none; " + authHint(header, body)
		}
		if signs(rules.AuthType) {
			o.Cause = "the signature was refused; check the profile's auth (" + rules.AuthType + ": keys, region and service, or what is signed)"
		}
	case http.StatusNotFound:
		o.Cause = "not found; check base_url and path"
	}
	return o
}

// signs reports whether the auth type signs each request.
func signs(authType string) bool { return authType == spec.AuthSigV4 || authType == spec.AuthHMAC }

// authHint says which auth types a refusal may want: AWS's signature when
// the answer looks like AWS's, else every type there is.
func authHint(header http.Header, body []byte) string {
	b := string(body)
	if header.Get("X-Amz-Request-Id") != "" || header.Get("X-Amzn-Requestid") != "" ||
		strings.Contains(b, "Missing Authentication Token") || strings.Contains(b, "AWS4-HMAC-SHA256") ||
		strings.Contains(b, "<Code>AccessDenied</Code>") || strings.Contains(b, "SignatureDoesNotMatch") {
		return "this looks like an AWS API (or an S3-compatible store): use auth type aws_sigv4 (service, region, and keys or the standard AWS chain)"
	}
	return "give it an auth: api_key, bearer, basic, oauth2, aws_sigv4 (AWS and S3-compatible APIs), login (a session token from a login request) or hmac (a signature over each request); see docs/auth.md"
}
