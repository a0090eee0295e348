package ingest

import (
	"context"
	"net/http"

	"github.com/go-resty/resty/v2"

	"siphon/ingest/bodybound"
	"siphon/ingest/transport"
)

// newResty is the run's HTTP client: resty over hc (the guarded,
// bounded, signing transport and its redirect rule). Retries are the
// run's own (they pause, count and report), and bodies are streamed, so
// resty neither retries nor reads them.
func newResty(hc *http.Client) *resty.Client {
	return resty.NewWithClient(hc).SetLogger(quietLogger{}).SetRetryCount(0).SetDoNotParseResponse(true).SetPreRequestHook(askEncodings)
}

// askEncodings asks for the encodings the bounded transport decodes in
// the request resty made, which is the run's own: the transport then
// sends it as it is instead of a copy with the header added.
func askEncodings(_ *resty.Client, r *http.Request) error {
	bodybound.AskEncodings(r.Header)
	return nil
}

// quietLogger keeps resty's own log lines (warnings about a request) off
// the terminal: the run reports through its events.
type quietLogger struct{}

func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Debugf(string, ...any) {}

// do sends a request the guard dressed, through resty. The response's
// body is the caller's to close; sent is the header that went out as the
// request is shown: o's, which resty filled in (User-Agent, Accept) before
// it copied it into the request; the encodings asked for below resty are
// not shown.
func (c *Client) do(ctx context.Context, o transport.Outgoing) (resp *http.Response, sent http.Header, err error) {
	r := c.http.R().SetContext(ctx)
	r.Header = o.Header
	if o.Body != nil {
		r.SetBody(o.Body)
	}
	res, err := r.Execute(o.Method, o.URL)
	if err != nil {
		return nil, nil, err
	}
	return res.RawResponse, r.Header, nil
}
