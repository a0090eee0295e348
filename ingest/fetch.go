package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"siphon/ingest/apierror"
	"siphon/ingest/bodybound"
	"siphon/ingest/bodyformat"
	"siphon/ingest/jqguard"
	"siphon/ingest/page"
	"siphon/ingest/pagescan"
	"siphon/ingest/paginate"
	"siphon/ingest/redact"
	"siphon/ingest/retry"
	"siphon/ingest/store"
	"siphon/ingest/textbound"
	"siphon/ingest/transport"
)

// fetched is a page that arrived and parsed.
type fetched struct {
	url         *url.URL
	method      string
	status      int
	header      http.Header
	redactedURL string
	body        []byte // nil when it streamed
	json        []byte // a held body as JSON, when it was converted (XML, CSV...)
	format      string // what the body was read as (bodyformat's names)
	head        []byte // the body's start (all of it when held)
	size        int64
	sum         uint64 // fingerprint of the body
	page        *page.Page
	records     []json.RawMessage // unless direct
	found       int               // records on the page
	direct      bool              // the records went to the page sink as they were read
	attempts    int
	duration    time.Duration
	sent        http.Header         // the request's headers as sent
	sentBody    []byte              // the request's body as sent, if any
	arch        *store.StreamedBody // a streamed body for the archive
}

// outcome is one attempt's verdict: done (f set), retry (cause, wait), or fail.
type outcome struct {
	f           *fetched
	retry       bool
	fail        bool
	cause       string
	wait        time.Duration // from Retry-After; zero: back off
	status      int
	ctype       string
	snippet     string
	err         error
	refreshAuth bool // a 401 with OAuth2: get a new token and try again, once a page
	bounded     bool // refused for its size (bodybound.LimitError, headers too large)
}

// fetchPage gets one page, waiting for the rate budget and retrying what is
// worth retrying (package retry says what is).
func (rn *runner) fetchPage(ctx context.Context, pageNo int, req request) (*fetched, error) {
	t, err := rn.target(req)
	if err != nil {
		return nil, &apierror.PageError{Page: pageNo, Method: rn.c.cfg.Method, URL: textbound.Keep(rn.c.redact().URL(req.url)), Cause: textbound.Keep(rn.c.redact().String(err.Error())), Err: err}
	}
	red := rn.c.redact()
	text := t.u.String()
	p := &pageFetch{pageNo: pageNo, t: t, text: text, redacted: textbound.Keep(red.URL(text)), red: red}
	if rn.ahead != nil {
		rn.flush() // claim may wait for the page in flight
		p.held = rn.ahead.claim(ctx, t.key())
	}
	refreshed := false
	for attempt := 1; ; attempt++ {
		o, sentAt, err := rn.send(ctx, p, attempt)
		if err != nil {
			return nil, err
		}
		if o.f != nil {
			rn.noteLearned(rn.c.budget.Succeeded())
			return o.f, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		d := retry.Decide(failureOf(o), attempt, time.Since(p.started), refreshed, rn.c.cfg.Retry, rand.Int64N)
		rn.tellBudget(d, o.status)
		pe := p.pageError(rn.c, o, attempt, d)
		switch {
		case d.Stop:
			return nil, pe
		case d.Refresh:
			refreshed = true
			before := rn.c.Logins()
			if _, err := rn.c.renew.RefreshSince(ctx, sentAt); err != nil {
				pe.Cause, pe.Err = rn.c.redact().String(err.Error()), err
				return nil, pe
			}
			if n := rn.c.Logins(); n > before {
				rn.emit(LoggedIn{At: now(), Page: pageNo, Count: n, Reason: "the API refused the session token (HTTP 401)"})
			}
			rn.noteRetry()
			rn.emit(RetryScheduled{At: now(), Page: pageNo, Attempt: attempt, MaxAttempts: rn.c.cfg.Retry.MaxAttempts, Cause: "HTTP 401: " + o.cause, Source: d.Source})
		default:
			if err := rn.waitRetry(ctx, pageNo, attempt, d, pe); err != nil {
				return nil, err
			}
		}
	}
}

// pageFetch is one page's request across its attempts.
type pageFetch struct {
	pageNo   int
	t        target
	text     string           // t.u as a string
	redacted string           // the URL as events and errors show it
	red      *redact.Redactor // the redactor redacted was made with
	held     *heldResponse    // the page fetched ahead, taken as the first attempt; nil: none
	started  time.Time        // when the first attempt went out
}

// send makes one attempt: the page fetched ahead on the first, otherwise
// a request under the rate budget. It reports when the request went out;
// an error is the budget's (cancelled, or refused) and ends the page.
func (rn *runner) send(ctx context.Context, p *pageFetch, attempt int) (outcome, time.Time, error) {
	actx, replay := ctx, attempt == 1 && p.held != nil
	if replay {
		// Fetched ahead, under the budget then: it is taken as it came.
		actx = transport.WithHeld(ctx, p.held)
	} else if err := rn.waitBudget(ctx); err != nil {
		if ctx.Err() != nil {
			return outcome{}, time.Time{}, err
		}
		return outcome{}, time.Time{}, &apierror.PageError{Page: p.pageNo, Method: p.t.method, URL: p.redacted, Attempts: attempt - 1, Cause: err.Error(), Err: err}
	}
	if attempt == 1 {
		p.started = time.Now() // a page's duration leaves out the wait for the rate budget
	}
	rn.setState(StateRunning, "", time.Time{})
	rn.emitAs(RequestSent{At: now(), Page: p.pageNo, Attempt: attempt, Method: p.t.method, URL: p.redacted}, p.red)
	rn.flushSoon() // the page's events, and this one, while waiting for the answer
	sentAt := time.Now()
	o := rn.attempt(actx, p.t.u, p.text, p.t.method, p.t.body, p.t.headers)
	if !replay {
		rn.c.budget.Release(rn.ticket)
	}
	if o.f != nil {
		o.f.redactedURL, o.f.attempts, o.f.duration = p.redacted, attempt, time.Since(p.started)
		if replay {
			o.f.duration = p.held.Took // the request's, not the wait for it
		}
	}
	return o, sentAt, nil
}

// pageError is the error a failed attempt ends the page with, if it does.
func (p *pageFetch) pageError(c *Client, o outcome, attempt int, d retry.Decision) *apierror.PageError {
	pe := &apierror.PageError{Page: p.pageNo, Method: p.t.method, URL: p.redacted, Status: o.status, ContentType: o.ctype,
		Attempts: attempt, Cause: textbound.Keep(c.redact().String(o.cause)), Snippet: c.redact().String(o.snippet), Retryable: o.retry && !d.Final, Err: o.err}
	if d.Replace {
		pe.Cause = d.Why
	} else {
		pe.Cause += d.Why
	}
	return pe
}

// tellBudget passes on what a failed attempt says about the budget every
// request shares: a Retry-After holds them all, a 429 without one slows
// them (and halves the learned rate). Fetching ahead says it too.
func (rn *runner) tellBudget(d retry.Decision, status int) {
	switch {
	case d.Hold > 0:
		rn.c.budget.Hold(time.Now().Add(d.Hold), fmt.Sprintf("the server asked every request to wait (HTTP %d, Retry-After)", status))
	case d.Throttled:
		rn.noteLearned(rn.c.budget.Throttled(time.Now()))
	}
}

// waitRetry says a retry is coming and waits for it.
func (rn *runner) waitRetry(ctx context.Context, pageNo, attempt int, d retry.Decision, pe *apierror.PageError) error {
	rn.noteRetry()
	cause := pe.Cause
	if pe.Status != 0 {
		cause = fmt.Sprintf("HTTP %d: %s", pe.Status, pe.Cause)
	}
	maxAttempts := rn.c.cfg.Retry.MaxAttempts
	rn.emit(RetryScheduled{At: now(), Page: pageNo, Attempt: attempt, MaxAttempts: maxAttempts, Cause: cause, Wait: d.Wait, Source: d.Source})
	rn.setState(StateRetrying, fmt.Sprintf("%s — %s", attemptText(attempt+1, maxAttempts), cause), time.Now().Add(d.Wait))
	rn.flush()
	return retry.Sleep(ctx, d.Wait)
}

// target is a request made concrete: where it goes and what it sends.
type target struct {
	u       *url.URL
	method  string
	body    []byte
	headers map[string]string
}

// key tells requests apart: the same key is the same request.
func (t target) key() string {
	return t.method + " " + t.u.String() + "\n" + string(t.body)
}

// target puts a request's pagination parameters where the profile says
// (query, body or header) and resolves its URL.
func (rn *runner) target(req request) (target, error) {
	body := req.body
	switch {
	case req.in == "body" && req.url == "":
		var err error
		if body, err = paginate.BodyWith(req.body, req.query); err != nil {
			return target{}, err
		}
		req.query = nil
	case req.in == "header":
		req.headers = headersWith(req.headers, req.query)
		req.query = nil
	}
	u, err := rn.pageURL(req)
	if err != nil {
		return target{}, err
	}
	return target{u: u, method: req.method, body: body, headers: req.headers}, nil
}

// pageURL is the absolute URL a request goes to.
func (rn *runner) pageURL(req request) (*url.URL, error) {
	if req.url != "" {
		return rn.c.guard.NextURL(req.url)
	}
	u := *req.endpoint
	u.RawQuery = rn.query.encode(req.endpoint, req.params, req.query)
	return &u, nil
}

// attempt sends one request and classifies what came back, once. text is
// u as a string, when the caller has it ("": none).
func (rn *runner) attempt(ctx context.Context, u *url.URL, text, method string, reqBody []byte, headers map[string]string) outcome {
	actx, cancel := rn.attemptContext(ctx)
	defer cancel()
	req, ok, reqBody, o := rn.prepare(ctx, actx, u, text, method, reqBody, headers)
	if !ok {
		return o
	}
	resp, sent, err := rn.c.do(actx, req)
	if err != nil {
		return rn.transportOutcome(ctx, err)
	}
	raw := resp.Body
	defer raw.Close()
	status := resp.StatusCode
	header := resp.Header
	ctype := header.Get("Content-Type")
	if !transport.Replayed(ctx) {
		rn.noteRateLimit(header) // a page fetched ahead was noted when it came
	}
	if status >= 200 && status <= 299 && rn.recs != nil && rn.recs.stream {
		if rd := rn.pageReader(); rd != nil && !rd.NeedsBody() {
			return rn.stream(actx, u, method, sent, resp, rd, reqBody)
		}
	}
	body, err := io.ReadAll(io.LimitReader(raw, rn.c.maxBody+1))
	var limit *bodybound.LimitError
	if errors.As(err, &limit) && (status < 200 || status > 299) {
		err = nil // the status decides; the start of the body is enough for its message
	}
	if err != nil {
		o := rn.transportOutcome(ctx, err)
		o.status, o.ctype = status, ctype
		if !o.bounded {
			o.cause = "body cut short: " + o.cause
		}
		return o
	}
	if int64(len(body)) > rn.c.maxBody {
		return outcome{fail: true, status: status, ctype: ctype, cause: bodybound.TooLargeToHold(rn.c.maxBody), snippet: rn.c.snippet(body, 200)}
	}
	if status < 200 || status > 299 {
		return rn.statusOutcome(status, header, ctype, body)
	}
	data, format, converted, err := rn.convertHeld(body, ctype)
	if err != nil {
		return rn.conversionOutcome(err, status, ctype, body)
	}
	data, bad := page.Usable(data)
	if bad >= 0 {
		return outcome{fail: true, status: status, ctype: ctype, cause: fmt.Sprintf("the body is not valid UTF-8 (first bad byte at offset %d)", bad), snippet: rn.c.snippet(data[bad:], 100)}
	}
	if !converted {
		body = data
	}
	// Extraction counts against the request's timeout.
	f := &fetched{url: u, method: method, status: status, header: header, body: body, head: body, size: int64(len(body)), sum: maphash.Bytes(bodySeed, body), sentBody: reqBody, format: format}
	if converted {
		f.json = data
	}
	f.sent = sent
	if rd := rn.pageReader(); rd != nil {
		return rn.scanHeld(ctx, actx, rd, f, ctype)
	}
	return rn.extractWithJQ(actx, f, ctype)
}

// attemptContext bounds one attempt by the profile's timeout: through the
// walk's clock (attemptclock.go), or, outside a walk (the probe's single
// requests), a timer of its own.
func (rn *runner) attemptContext(ctx context.Context) (context.Context, func()) {
	if rn.clock == nil {
		return context.WithTimeout(ctx, rn.c.cfg.Timeout)
	}
	return rn.clock.begin(ctx, rn.c.cfg.Timeout)
}

// prepare builds an attempt's request: the origin rule decides what it may
// carry, then credentials, follow-up headers and the body go on. Without
// ok the attempt ends with the outcome returned.
func (rn *runner) prepare(ctx, actx context.Context, u *url.URL, text, method string, reqBody []byte, headers map[string]string) (req transport.Outgoing, ok bool, _ []byte, _ outcome) {
	secrets, err := rn.c.guard.Destination(u)
	if err == nil && !secrets && method == http.MethodPost && (rn.c.guard.SecretBody() || rn.c.guard.HoldsSecret(string(reqBody))) {
		err = fmt.Errorf("%s is on another origin than base_url, and the POST body holds a secret: refused", rn.c.redact().URL(u.String()))
	}
	if err != nil {
		return req, false, nil, outcome{fail: true, cause: err.Error(), err: err}
	}
	if method != http.MethodPost {
		reqBody = nil
	}
	if !secrets {
		headers = nil // pagination.next.headers may hold ${VAR}s: base_url's origin only
	}
	before := rn.c.Logins()
	req, err = rn.c.guard.Dress(actx, method, u, text, reqBody, headers, secrets)
	if n := rn.c.Logins(); n > before {
		why := "the session token expired (auth.expires_in_path)"
		if n == 1 {
			why = "first login"
		}
		rn.emit(LoggedIn{At: now(), Count: n, Reason: why})
	}
	if err != nil {
		var ce *transport.CredentialError
		if errors.As(err, &ce) {
			return req, false, nil, outcome{fail: true, cause: ce.Msg, err: err}
		}
		if ctx.Err() != nil {
			return req, false, nil, outcome{fail: true, cause: "canceled", err: err}
		}
		return req, false, nil, outcome{retry: true, cause: err.Error(), err: err}
	}
	return req, true, reqBody, outcome{}
}

// statusOutcome classifies a response that is not a 2xx (see
// transport.ClassifyStatus).
func (rn *runner) statusOutcome(status int, header http.Header, ctype string, body []byte) outcome {
	cfg := &rn.c.cfg
	sf := transport.ClassifyStatus(status, header, body, transport.StatusRules{RetryOn: cfg.Retry.OnStatus, IgnoreRetryAfter: cfg.RateLimit.IgnoreHeaders,
		AuthType: cfg.Auth.Type, Renews: rn.c.renew != nil, Session: rn.c.session != nil}, time.Now())
	return outcome{status: status, ctype: ctype, snippet: rn.c.snippet(body, 200), cause: sf.Cause, retry: sf.Retry, fail: sf.Fail, refreshAuth: sf.Refresh, wait: sf.Wait}
}

// scanHeld reads a held body in one pass: records to the page sink, the
// paginator's values, the checks' fields.
func (rn *runner) scanHeld(ctx, actx context.Context, rd *page.Reader, f *fetched, ctype string) outcome {
	status, body := f.status, f.jsonBody()
	sink := rn.recs
	if sink == nil {
		sink = &pageSink{}
	}
	lines := f.format == bodyformat.FormatNDJSON
	sink.begin()
	var err error
	f.page, err = rd.Scan(actx, body, lines, sink.recorder())
	if _, trailing := page.ScanError(err); trailing && !lines && f.json == nil {
		// NDJSON that did not say so: read it again as lines.
		if err = sink.abort(); err == nil {
			sink.begin()
			lines = true
			f.page, err = rd.Scan(actx, body, true, sink.recorder())
		}
	}
	if err != nil {
		return rn.scanOutcome(ctx, err, sink, status, ctype, body)
	}
	if lines {
		if arr, ok := page.JSONLines(body, "application/x-ndjson"); ok {
			f.page.Keep(arr) // gojq (and the probe) see NDJSON as the array of its lines
		}
	}
	f.found, f.direct = sink.found, sink.out != nil
	if !f.direct {
		f.records = sink.collected()
	}
	if msg, retry, err := rn.checkBody(actx, f.page, f.found); err != nil || msg != "" {
		if aerr := sink.abort(); aerr != nil {
			err = errors.Join(err, aerr)
		}
		return rn.bodyErrorOutcome(status, ctype, body, msg, retry, err)
	}
	return outcome{f: f}
}

// extractWithJQ reads a held body through gojq, for a records expression
// that is not a plain path.
func (rn *runner) extractWithJQ(actx context.Context, f *fetched, ctype string) outcome {
	status, body := f.status, f.jsonBody()
	f.page = page.Parse(actx, body)
	if lines, ok := page.JSONLines(body, f.linesType(ctype)); ok {
		// NDJSON / JSON Lines: the records expression sees an array of the lines.
		f.page = page.Parse(actx, lines)
	}
	records := rn.records
	if records == nil {
		records = rn.c.records
	}
	gctx, stop := rn.c.guardJQ(actx, "records "+records.String())
	f.page.SetContext(gctx)
	var err error
	f.records, err = f.page.Records(records)
	stop()
	f.page.SetContext(actx)
	err = jqguard.Stopped(gctx, err)
	if err != nil && !errors.Is(err, page.ErrNotJSON) && !errors.Is(err, jqguard.ErrMemory) {
		// A records path that breaks on an error body ({"data": null,
		// "errors": [...]}) must report the API's message, not jq's.
		if msg, retry, cerr := rn.checkBody(actx, f.page, 0); cerr == nil && msg != "" {
			return rn.bodyErrorOutcome(status, ctype, body, msg, retry, nil)
		}
	}
	if err != nil {
		o := outcome{status: status, ctype: ctype, snippet: rn.c.snippet(body, 200), err: err}
		switch {
		case errors.Is(err, page.ErrNotJSON):
			o.retry, o.cause = true, page.NotJSON(ctype)
		case errors.Is(err, jqguard.ErrMemory):
			o.fail = true
			o.cause = err.Error()
		default:
			o.fail = true
			o.cause = fmt.Sprintf("records %s: %v", rn.c.cfg.Records, err)
		}
		return o
	}
	f.found = len(f.records)
	for i, rec := range f.records {
		if int64(len(rec)) > rn.c.maxRecord {
			return outcome{fail: true, bounded: true, status: status, ctype: ctype, cause: bodybound.RecordTooLarge(i, -1, rn.c.maxRecord)}
		}
	}
	if msg, retry, err := rn.checkBody(actx, f.page, f.found); err != nil || msg != "" {
		return rn.bodyErrorOutcome(status, ctype, body, msg, retry, err)
	}
	return outcome{f: f}
}

// checkBody looks for an error the API put in a 2xx body (package
// apierror), with the jq memory bound.
func (rn *runner) checkBody(ctx context.Context, pg *page.Page, records int) (string, bool, error) {
	return rn.c.bodyErrs.CheckGuarded(ctx, pg, records, rn.c.cfg.Retry.OnStatus, rn.c.jqMemory)
}

// bodyErrorOutcome is an attempt's verdict on an error in a 2xx body.
func (rn *runner) bodyErrorOutcome(status int, ctype string, body []byte, msg string, retry bool, err error) outcome {
	o := outcome{status: status, ctype: ctype, snippet: rn.c.snippet(body, 200), retry: retry, fail: !retry, err: err}
	if err != nil {
		o.cause, o.fail, o.retry = err.Error(), true, false
		return o
	}
	// Redact, then cut: a secret cut in two would not be recognised.
	o.cause = "the API reported an error in the body: " + rn.c.redact().Cut(msg, 300)
	return o
}

// stream reads a 2xx body in one pass as it arrives, never holding it: the
// records go to the walk's page sink, which writes them provisionally.
func (rn *runner) stream(ctx context.Context, u *url.URL, method string, sent http.Header, resp *http.Response, rd *page.Reader, reqBody []byte) outcome {
	status, header, raw := resp.StatusCode, resp.Header, resp.Body
	ctype := header.Get("Content-Type")
	sink := rn.recs
	tap := sink.newTap(raw) // its head is f.head, read before the next page
	if sink.out.RawPages() {
		sink.arch = *store.NewStreamedBody(sink.out, sink.pageNo, rn.c.redact())
		tap.arch = &sink.arch
	}
	body, err := rn.openBody(sink, tap, ctype) // after the archive's tee: the archive keeps the body as it came
	if err != nil {
		if tap.arch != nil {
			tap.arch.Discard()
		}
		return rn.conversionOutcome(err, status, ctype, tap.head)
	}
	defer body.Close()
	lines := body.Lines()
	sink.begin()
	pg, err := rd.ScanReader(ctx, body, lines, sink.recorder())
	if _, trailing := page.ScanError(err); trailing && !lines && !body.Converted && tap.whole() {
		// NDJSON that did not say so: read it again as lines, from the
		// start kept so far and the rest still to come.
		if err = sink.abort(); err == nil {
			sink.begin()
			pg, err = rd.ScanReader(ctx, tap.again(), true, sink.recorder())
		}
	}
	if err != nil {
		if tap.arch != nil {
			tap.arch.Discard()
		}
		return rn.scanOutcome(ctx, err, sink, status, ctype, tap.head)
	}
	if kept, ok := body.Kept(); ok {
		pg.Keep(kept) // small enough to have been kept: the checks that read a body whole may
	} else if tap.whole() && !body.Converted {
		pg.Keep(tap.head)
	}
	if msg, retry, err := rn.checkBody(ctx, pg, sink.found); err != nil || msg != "" {
		if tap.arch != nil {
			tap.arch.Discard()
		}
		if aerr := sink.abort(); aerr != nil {
			err = errors.Join(err, aerr)
		}
		return rn.bodyErrorOutcome(status, ctype, tap.head, msg, retry, err)
	}
	f := &sink.page // the walk is done with the page before
	*f = fetched{url: u, method: method, status: status, header: header, head: tap.head, size: tap.n, sum: tap.hash.Sum64(), page: pg, found: sink.found, direct: true, sentBody: reqBody, arch: tap.arch, format: body.Format, sent: sent}
	return outcome{f: f}
}

// scanOutcome classifies a failed one-pass read; the records it handed
// over are taken back.
func (rn *runner) scanOutcome(ctx context.Context, err error, sink *pageSink, status int, ctype string, head []byte) outcome {
	if aerr := sink.abort(); aerr != nil {
		return outcome{fail: true, status: status, ctype: ctype, cause: aerr.Error(), err: aerr}
	}
	var conv *bodyformat.Error
	var limit *bodybound.LimitError
	if errors.As(err, &conv) || errors.As(err, &limit) {
		if conv == nil {
			err = limit // not the scanner's wrapping
		} else {
			err = conv
		}
		return rn.conversionOutcome(err, status, ctype, head)
	}
	var syn *pagescan.SyntaxError
	if errors.As(err, &syn) && syn.Err != nil {
		// The connection broke or timed out while the body streamed.
		o := rn.transportOutcome(ctx, syn.Err)
		o.status, o.ctype = status, ctype
		if !o.bounded {
			o.cause = "body cut short: " + o.cause
		}
		return o
	}
	wrapped, _ := page.ScanError(err)
	o := outcome{status: status, ctype: ctype, snippet: rn.c.snippet(head, 200), err: wrapped}
	var tooLarge *pagescan.TooLargeError
	switch {
	case errors.As(err, &tooLarge):
		o.fail, o.bounded, o.snippet = true, true, ""
		o.cause = bodybound.RecordTooLarge(tooLarge.Record, tooLarge.Offset, rn.c.maxRecord)
	case syn != nil && syn.Msg == "invalid UTF-8":
		o.fail = true
		o.cause = fmt.Sprintf("the body is not valid UTF-8 (first bad byte at offset %d)", syn.Offset)
		if at := int(syn.Offset); at <= len(head) {
			o.snippet = rn.c.snippet(head[at:], 100)
		}
	case syn != nil && strings.Contains(syn.Msg, "nests deeper"):
		o.fail = true
		o.cause = syn.Msg
	case syn != nil:
		o.retry, o.cause = true, page.NotJSON(ctype)
	default:
		o.fail = true
		o.cause = fmt.Sprintf("records %s: %v", rn.c.cfg.Records, wrapped)
	}
	return o
}

// snippet is the start of a body for an error message: redacted, then cut
// to n bytes on one line.
func (c *Client) snippet(body []byte, n int) string {
	return page.Snippet([]byte(c.redact().Cut(string(body), 4*n)), n)
}

// transportOutcome classifies an error before or while reading a response.
func (rn *runner) transportOutcome(ctx context.Context, err error) outcome {
	f := transport.Classify(ctx, err, rn.c.cfg.Timeout, rn.c.cfg.TLS)
	return outcome{err: err, cause: rn.c.redact().String(f.Cause), retry: f.Retry, fail: f.Fail, bounded: f.Bounded}
}

// waitBudget waits until the origin's budget lets a request go (see
// package budget) and keeps the request's ticket for noteRateLimit and
// release.
func (rn *runner) waitBudget(ctx context.Context) error {
	t, err := rn.c.budget.Acquire(ctx, rn.listener())
	rn.ticket = t
	return err
}

func now() At { return At{T: time.Now()} }
