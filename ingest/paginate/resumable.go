package paginate

import (
	"fmt"
	"strings"

	"siphon/ingest/page"
	"siphon/ingest/spec"
	"siphon/ingest/textbound"
)

// MaxResumeText bounds a cursor, next URL or high-water mark the
// checkpoint keeps: those are kept whole, since resuming needs them
// exactly, and one past this bound fails its page instead. No server
// takes a URL this long; a cursor this long is a broken API.
const MaxResumeText = 64 << 10

// CheckResumable fails a page whose position (cursor, next URL, high-water
// mark) is too long to keep whole in the checkpoint.
func CheckResumable(pos Position, pageNo int) error {
	for _, f := range []struct{ what, v string }{{"next cursor", pos.Cursor}, {"next URL", pos.NextURL}, {"high-water mark", pos.HighWater}} {
		if len(f.v) > MaxResumeText {
			return fmt.Errorf("page %d: the %s is %s long, more than the %s siphon keeps in the checkpoint to resume from; the page was not saved (the API's pagination is broken, or pagination points at the wrong field)", pageNo, f.what, textbound.Size(int64(len(f.v))), textbound.Size(MaxResumeText))
		}
	}
	return nil
}

// RunsJQ reports whether one of the expressions ExprNames names goes
// through gojq: plain paths are read from the body's bytes, so a walk
// whose expressions are all plain has no jq to watch (see jqguard).
func RunsJQ(p spec.PaginationConfig) bool {
	for _, src := range []string{p.CursorPath, p.NextURLPath, p.TotalPath, p.TotalPagesPath, p.StopWhen} {
		if src == "" {
			continue
		}
		if e, err := page.Compile(src); err != nil || !e.Plain() {
			return true
		}
	}
	return false
}

// ExprNames names the jq expressions a paginator runs, for messages.
func ExprNames(p spec.PaginationConfig) string {
	var names []string
	for _, e := range []struct{ key, src string }{{"cursor_path", p.CursorPath}, {"next_url_path", p.NextURLPath}, {"total_path", p.TotalPath}, {"total_pages_path", p.TotalPagesPath}, {"stop_when", p.StopWhen}} {
		if e.src != "" {
			names = append(names, e.key+" "+e.src)
		}
	}
	if len(names) == 0 {
		return "pagination"
	}
	return strings.Join(names, ", ")
}
