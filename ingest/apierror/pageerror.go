package apierror

import (
	"fmt"
	"net/http"
	"strings"
)

// PageError is why a page could not be fetched. Every text in it is redacted.
type PageError struct {
	Page        int
	Method      string
	URL         string // redacted
	Status      int    // 0 when no response came
	ContentType string
	Attempts    int
	Cause       string
	Snippet     string // start of the body, redacted
	Retryable   bool   // the cause was transient, attempts ran out
	Err         error  // what caused it, for errors.Is and errors.As
}

func (e *PageError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "page %d: %s %s: ", e.Page, e.Method, e.URL)
	if e.Status != 0 {
		fmt.Fprintf(&b, "HTTP %d %s", e.Status, http.StatusText(e.Status))
		if e.ContentType != "" {
			fmt.Fprintf(&b, " (%s)", e.ContentType)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Cause)
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	if e.Snippet != "" {
		fmt.Fprintf(&b, "; body starts: %s", e.Snippet)
	}
	return b.String()
}

func (e *PageError) Unwrap() error { return e.Err }
