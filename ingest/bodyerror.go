package ingest

import (
	"context"

	"siphon/ingest/jqguard"
	"siphon/ingest/page"
)

// An error in a 2xx body (package apierror finds it) is an attempt's
// outcome like a failed status.

// checkBody runs check with the jq memory bound.
func (rn *runner) checkBody(ctx context.Context, pg *page.Page, records int) (string, bool, error) {
	if rn.c.cfg.ErrorWhen == "" && rn.c.cfg.ErrorMessage == "" {
		return rn.c.bodyErrs.Check(pg, records, rn.c.cfg.Retry.OnStatus) // no user jq to bound
	}
	gctx, stop := rn.c.guardJQ(ctx, "error_when "+rn.c.cfg.ErrorWhen)
	pg.SetContext(gctx)
	msg, retry, err := rn.c.bodyErrs.Check(pg, records, rn.c.cfg.Retry.OnStatus)
	stop()
	pg.SetContext(ctx)
	return msg, retry, jqguard.Stopped(gctx, err)
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
