// Package apierror finds the errors an API puts in a 2xx body (Slack's
// ok: false, GraphQL's errors), by a profile's error_when and
// error_message or else by the common shapes, so that such a page does not
// pass for an empty one; and PageError, why a page could not be fetched,
// whatever the cause.
package apierror

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"siphon/ingest/page"
	"siphon/ingest/spec"
)

// APIs that answer errors with HTTP 200 (Slack's ok: false, GraphQL's
// errors) must not pass for an empty page: a run that "succeeds" with 0
// records is worse than one that fails. A profile's error_when (jq, truthy
// = error) and error_message (jq) say how its API does it; without
// error_when, the common shapes below count on a page without records.

// Rules are a profile's compiled error_when and error_message.
type Rules struct {
	when, message *page.Expr
}

// Compile reads a profile's error_when and error_message.
func Compile(cfg *spec.Config) (*Rules, error) {
	var b Rules
	var err error
	if cfg.ErrorWhen != "" {
		if b.when, err = page.Compile(cfg.ErrorWhen); err != nil {
			return nil, fmt.Errorf("error_when: %w", err)
		}
	}
	if cfg.ErrorMessage != "" {
		if b.message, err = page.Compile(cfg.ErrorMessage); err != nil {
			return nil, fmt.Errorf("error_message: %w", err)
		}
	}
	return &b, nil
}

// Check looks at a 2xx page for an error the API put in its body. It
// returns the API's message and whether the error is worth retrying; ""
// when the page is no error.
func (b *Rules) Check(pg *page.Page, records int, retryStatuses []int) (msg string, retry bool, err error) {
	if b.when != nil {
		v, err := pg.Value(b.when)
		if err != nil {
			return "", false, fmt.Errorf("error_when %s: %w", b.when, err)
		}
		if !truthy(v) {
			return "", false, nil
		}
	} else if records > 0 || !CommonShape(pg) {
		return "", false, nil
	}
	if b.message != nil {
		v, err := pg.Value(b.message)
		if err != nil {
			return "", false, fmt.Errorf("error_message %s: %w", b.message, err)
		}
		msg = valueText(v)
	}
	obj, _ := pg.Object()
	if msg == "" {
		msg = commonMessage(obj)
	}
	if msg == "" {
		msg = string(pg.Body()) // the caller redacts, then cuts, it
	}
	return msg, retryableBodyError(obj, msg, retryStatuses), nil
}

// CommonShape reports whether a body is one of the usual error
// answers: ok: false; a non-empty top-level errors array; a top-level error
// or fault that is an object or a non-empty string.
func CommonShape(pg *page.Page) bool {
	obj, err := pg.Object()
	if err != nil {
		return false
	}
	if v, ok := obj["ok"]; ok && bytes.Equal(bytes.TrimSpace(v), []byte("false")) {
		return true
	}
	if v, ok := obj["errors"]; ok {
		var arr []json.RawMessage
		if json.Unmarshal(v, &arr) == nil && len(arr) > 0 {
			return true
		}
	}
	for _, k := range []string{"error", "fault"} {
		v := bytes.TrimSpace(obj[k])
		if len(v) > 0 && (v[0] == '{' || (v[0] == '"' && len(v) > 2)) {
			return true
		}
	}
	return false
}

// commonMessage is the message of a common error shape: Slack's error
// (with its warning), GraphQL's errors[].message, error.message or
// error.reason, fault.faultstring.
func commonMessage(obj map[string]json.RawMessage) string {
	if obj == nil {
		return ""
	}
	var parts []string
	if v, ok := obj["errors"]; ok {
		var errs []json.RawMessage
		if json.Unmarshal(v, &errs) == nil {
			for _, e := range errs {
				if m := objectMessage(e); m != "" {
					parts = append(parts, m)
				}
				if len(parts) == 3 {
					break
				}
			}
		}
	}
	for _, k := range []string{"error", "fault"} {
		if m := objectMessage(obj[k]); m != "" {
			parts = append(parts, m)
		}
	}
	for _, k := range []string{"error_description", "message", "warning"} {
		if m := valueText(obj[k]); m != "" && len(parts) > 0 {
			parts = append(parts, m)
		}
	}
	return strings.Join(slices.Compact(parts), "; ")
}

// objectMessage is a string's text, or an error object's message.
func objectMessage(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return ""
	}
	if v[0] != '{' {
		return valueText(v)
	}
	var o map[string]json.RawMessage
	if json.Unmarshal(v, &o) != nil {
		return ""
	}
	for _, k := range []string{"message", "reason", "faultstring", "detail", "description", "error_description", "type", "code"} {
		if m := valueText(o[k]); m != "" {
			return m
		}
	}
	return string(v)
}

// valueText is a JSON scalar as text ("" for null, objects and arrays).
func valueText(v json.RawMessage) string {
	s, err := page.ScalarText(v)
	if err != nil {
		return ""
	}
	return s
}

// retryableBodyError classifies an error in a 200 like an HTTP error: a
// status it names (status, code, error.code) among retry.on_status, or a
// message about rate limits or a passing outage, is retried; anything else
// (bad credentials, a bad cursor) stops the run.
func retryableBodyError(obj map[string]json.RawMessage, msg string, retryStatuses []int) bool {
	for _, v := range []json.RawMessage{obj["status"], obj["code"], nested(obj["error"], "code"), nested(obj["error"], "status")} {
		if n, ok := page.Int(v); ok && slices.Contains(retryStatuses, int(n)) {
			return true
		}
	}
	m := strings.ToLower(msg)
	for _, w := range []string{"ratelimit", "rate_limit", "rate limit", "too many", "throttl", "timeout", "timed out", "temporarily", "unavailable", "try again", "internal_error", "overloaded"} {
		if strings.Contains(m, w) {
			return true
		}
	}
	return false
}

func nested(v json.RawMessage, key string) json.RawMessage {
	var o map[string]json.RawMessage
	if json.Unmarshal(v, &o) != nil {
		return nil
	}
	return o[key]
}

// truthy is jq's truth: anything but null and false (and no value at all).
func truthy(v json.RawMessage) bool {
	t := bytes.TrimSpace(v)
	return len(t) > 0 && !bytes.Equal(t, []byte("null")) && !bytes.Equal(t, []byte("false"))
}

// CommonMessage is the message of a body that CommonShape recognises:
// Slack's error, GraphQL's errors[].message, error.message,
// fault.faultstring.
func CommonMessage(pg *page.Page) string {
	obj, _ := pg.Object()
	return commonMessage(obj)
}
