package apierror

import (
	"context"

	"siphon/ingest/jqguard"
	"siphon/ingest/page"
)

// CheckGuarded is Check with the profile's jq expressions stopped once the
// heap passes jqMemory bytes (see package jqguard); the common shapes run
// no user jq and are not watched.
func (b *Rules) CheckGuarded(ctx context.Context, pg *page.Page, records int, retryStatuses []int, jqMemory int64) (msg string, retry bool, err error) {
	if b.when == nil && b.message == nil {
		return b.Check(pg, records, retryStatuses)
	}
	what := "error_when "
	if b.when != nil {
		what += b.when.String()
	}
	gctx, stop := jqguard.Guard(ctx, jqMemory, what)
	pg.SetContext(gctx)
	msg, retry, err = b.Check(pg, records, retryStatuses)
	stop()
	pg.SetContext(ctx)
	return msg, retry, jqguard.Stopped(gctx, err)
}
