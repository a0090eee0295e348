package ingest

import (
	"context"
	"net/http"
	"net/url"

	"siphon/ingest/apierror"
	"siphon/ingest/page"
	"siphon/ingest/paginate"
	"siphon/ingest/redact"
	"siphon/ingest/spec"
)

// This file is what the probe (package ingest/probe) needs of a client:
// single requests sent as a run would send them, outside any run.

// Target is one request a profile describes: where it goes, how, with what
// body, and where pagination parameters go (query, body or header).
type Target struct {
	URL    *url.URL
	Method string
	Body   []byte
	In     string
}

// FirstRequest is the profile's first request: the endpoint with the
// profile's params in its query.
func (c *Client) FirstRequest() Target {
	u := *c.endpoint
	q := u.Query()
	for k, v := range c.cfg.Params {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return Target{URL: &u, Method: c.cfg.Method, Body: c.cfg.Body, In: c.cfg.Pagination.In}
}

// FollowUp is the request a pagination.next block describes for follow-up
// pages, filled in from the profile where next leaves a field out; its
// query holds next's params (or the profile's) only.
func (c *Client) FollowUp(next *spec.NextRequest) (Target, error) {
	req, err := c.requestOf(paginate.Request{Next: next})
	if err != nil {
		return Target{}, err
	}
	u := *req.endpoint
	q := url.Values{}
	for k, v := range req.params {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return Target{URL: &u, Method: req.method, Body: req.body, In: req.in}, nil
}

// Response is a 2xx answer that arrived whole and parsed.
type Response struct {
	Status int
	Header http.Header
	Sent   http.Header // the request's headers as they went
	Body   []byte      // as it came (XML, CSV... as sent)
	Page   *page.Page  // the whole body as one page, as the JSON a run reads
	Format string      // what the body was read as: json, ndjson, xml, csv or tsv
}

// SendOnce sends t once with the profile's auth, TLS, origin rules and
// body cap: no retry, no rate budget, no run. The profile's records
// expression is not applied: the page is the whole body. Anything but a
// usable 2xx answer is a *apierror.PageError for page 1.
func (c *Client) SendOnce(ctx context.Context, t Target) (*Response, error) {
	o := c.probeRunner().attempt(ctx, t.URL, "", t.Method, t.Body, nil)
	if o.f == nil {
		return nil, &apierror.PageError{Page: 1, Method: t.Method, URL: c.redact().URL(t.URL.String()), Status: o.status, ContentType: o.ctype, Attempts: 1, Cause: c.redact().String(o.cause), Snippet: c.redact().String(o.snippet), Err: o.err}
	}
	f := o.f
	return &Response{Status: f.status, Header: f.header, Sent: f.sent, Body: f.body, Page: f.page, Format: f.format}, nil
}

// probeRunner sends requests for SendOnce: same client, auth and rate
// limits, but it takes the whole body as the record and keeps no run.
func (c *Client) probeRunner() *runner {
	whole, _ := page.Compile(".")
	return &runner{c: c, run: &Run{events: make(chan Event, eventBuffer)}, records: whole}
}

// Redactor is the redactor now in force. It grows as OAuth2 tokens
// arrive: ask again after a request rather than keeping it.
func (c *Client) Redactor() *redact.Redactor { return c.redact() }
