package ingest

import (
	"fmt"

	"siphon/ingest/paginate"
	"siphon/ingest/textbound"
)

// The run bounds what it keeps and shows (events, errors, the page index)
// the same way the output store bounds what it writes.
var (
	keepText    = textbound.Keep
	keepHeaders = textbound.Headers
	humanSize   = textbound.Size
)

// maxResumeText bounds a cursor, next URL or high-water mark the
// checkpoint keeps: those are kept whole, since resuming needs them
// exactly, and one past this bound fails its page instead. No server
// takes a URL this long; a cursor this long is a broken API.
const maxResumeText = 64 << 10

// checkResumable fails a page whose position (cursor, next URL, high-water
// mark) is too long to keep whole in the checkpoint.
func checkResumable(pos paginate.Position, pageNo int) error {
	for _, f := range []struct{ what, v string }{{"next cursor", pos.Cursor}, {"next URL", pos.NextURL}, {"high-water mark", pos.HighWater}} {
		if len(f.v) > maxResumeText {
			return fmt.Errorf("page %d: the %s is %s long, more than the %s siphon keeps in the checkpoint to resume from; the page was not saved (the API's pagination is broken, or pagination points at the wrong field)", pageNo, f.what, humanSize(int64(len(f.v))), humanSize(maxResumeText))
		}
	}
	return nil
}
