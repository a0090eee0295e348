// Package probe sends one request with a profile's auth and reports what
// came back: status, timing, redacted headers, rate-limit headers, where
// the records are and what identifies them. It then proposes how the API
// paginates, asking an ordered list of detectors (detectors.go), each
// looking for one kind of evidence; a detector may send another request
// to confirm what it saw, and proposes only what it confirmed.
package probe

import (
	"context"
	"net/http"
	"sort"
	"time"

	"siphon/ingest"
	"siphon/ingest/apierror"
	"siphon/ingest/httphdr"
	"siphon/ingest/page"
	"siphon/ingest/spec"
)

// Report is what one request (more, when pagination needs confirming)
// says about an API: enough to write a profile that runs.
type Report struct {
	Method          string
	URL             string // redacted
	Status          int
	Duration        time.Duration
	RequestHeaders  map[string]string // redacted
	ResponseHeaders map[string]string // redacted
	ContentType     string
	Format          string // what the body was read as: json, ndjson, xml, csv or tsv
	Bytes           int
	RateLimit       *httphdr.RateLimit
	Arrays          []ArrayCandidate // largest array of objects first
	Records         string           // the records expression chosen
	RecordCount     int
	PrimaryKey      string // "" when no field identifies every record
	Pagination      spec.PaginationConfig
	// Unknown, when set, says why no pagination is proposed though the page
	// shows there is more (Pagination is then none only as a placeholder).
	Unknown   string
	Evidence  []string // why that pagination style, in words
	Confirmed string   // what the confirming request showed, if one was sent
	Warnings  []string // what the proposal will not do (a declared total it cannot reach)
	// ErrorWhen and ErrorMessage, proposed when the body has the fields by
	// which its API reports errors in a 200 (ok, errors).
	ErrorWhen, ErrorMessage string
	Params                  map[string]string

	// The first page as received, for trying selectors on it.
	Body   []byte
	Header http.Header
}

// Run sends the profile's first request and reports what came back,
// guessing where the records are and how the API paginates. The profile's
// own records and pagination are ignored: probing is for finding them.
// Further requests are sent only to confirm a guess. The report is
// returned, as far as it got, with the error.
func Run(ctx context.Context, c *ingest.Client) (*Report, error) {
	cfg := c.Config()
	first := c.FirstRequest()
	start := time.Now()
	resp, err := c.SendOnce(ctx, first)
	rep := &Report{Method: cfg.Method, URL: c.Redactor().URL(first.URL.String()), Duration: time.Since(start), Params: map[string]string{}}
	for k, v := range cfg.Params {
		rep.Params[k] = v
	}
	if err != nil {
		return rep, err
	}
	rep.read(c, resp)
	doc, err := resp.Page.Decoded()
	if err != nil {
		return rep, rep.refuse(c, resp, "the body is not JSON (for XML, CSV or TSV sent under another Content-Type, say which with --format)")
	}
	rep.Arrays = findArrays(doc, ".", 0)
	if msg, ok := bodyError(resp.Page, rep.Arrays); ok {
		return rep, rep.refuse(c, resp, "the API reported an error in the body: "+c.Redactor().Cut(msg, 300))
	}
	recs := rep.chooseRecords(doc)
	newSession(ctx, c, rep, first, resp.Header, doc, recs).propose()
	return rep, nil
}

// read fills in what the response says before its body is read.
func (rep *Report) read(c *ingest.Client, resp *ingest.Response) {
	red := c.Redactor()
	rep.Status, rep.Bytes = resp.Status, len(resp.Body)
	rep.Body, rep.Header = resp.Body, resp.Header
	rep.ContentType = resp.Header.Get("Content-Type")
	rep.Format = resp.Format
	rep.ResponseHeaders = httphdr.Joined(red.Header(resp.Header))
	rep.RequestHeaders = httphdr.Joined(red.Header(resp.Sent))
	if rl, ok := httphdr.ParseRateLimit(resp.Header, time.Now()); ok {
		rep.RateLimit = &rl
	}
}

// refuse is the error for a 2xx page the probe cannot read records from.
func (rep *Report) refuse(c *ingest.Client, resp *ingest.Response, cause string) error {
	snippet := page.Snippet([]byte(c.Redactor().Cut(string(resp.Body), 4*200)), 200)
	return &apierror.PageError{Page: 1, Method: rep.Method, URL: rep.URL, Status: resp.Status, ContentType: rep.ContentType, Cause: cause, Snippet: snippet}
}

// chooseRecords takes the largest array of objects as the records (the
// body itself when it is one object) and the field that identifies them.
func (rep *Report) chooseRecords(doc any) []map[string]any {
	sort.SliceStable(rep.Arrays, func(i, j int) bool {
		a, b := rep.Arrays[i], rep.Arrays[j]
		if a.Objects != b.Objects {
			return a.Objects
		}
		return a.Count > b.Count
	})
	var records []map[string]any
	if len(rep.Arrays) > 0 && rep.Arrays[0].Objects {
		rep.Records = rep.Arrays[0].Path
		records = objectsAt(doc, rep.Records)
	} else if m, ok := doc.(map[string]any); ok {
		rep.Records = "."
		records = []map[string]any{m}
	} else {
		rep.Records = "."
	}
	rep.RecordCount = len(records)
	rep.PrimaryKey = primaryKeyOf(records)
	return records
}

// bodyError is the API's message when a 200 body is a common error shape
// with no records elsewhere (ok: false, errors with data: null).
func bodyError(pg *page.Page, arrays []ArrayCandidate) (string, bool) {
	for _, a := range arrays {
		if a.Objects && a.Path != ".errors" {
			return "", false
		}
	}
	if !apierror.CommonShape(pg) {
		return "", false
	}
	return apierror.CommonMessage(pg), true
}
