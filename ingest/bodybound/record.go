package bodybound

import (
	"fmt"

	"siphon/ingest/spec"
)

// RecordTooLarge says that record index (0-based; -1: a value the profile
// reads) of a page, starting at byte offset of the body (-1: not known),
// is over max_record, and how to raise it.
func RecordTooLarge(index int, offset, maxRecord int64) string {
	what := fmt.Sprintf("record %d of the page (index %d)", index+1, index)
	if index < 0 {
		what = "a value the profile reads (cursor, next URL, total)"
	}
	if offset >= 0 {
		what += fmt.Sprintf(", starting at byte %d of the body,", offset)
	}
	return fmt.Sprintf("%s is larger than max_record (%s); raise max_record in the profile (e.g. max_record: %s) if the API's records really are this large", what, spec.FormatSize(maxRecord), spec.FormatSize(nextPow2(maxRecord)*4))
}

// nextPow2 is the smallest power of two at least n.
func nextPow2(n int64) int64 {
	p := int64(1)
	for p < n && p < 1<<62 {
		p <<= 1
	}
	return p
}

// TooLargeToHold says a body that had to be held whole was over max_body.
func TooLargeToHold(maxBody int64) string {
	return fmt.Sprintf("response body larger than the max_body cap (%s); a body is held whole only for a jq expression that is not a plain path (records, pagination paths): raise max_body or use a plain path, which streams", spec.FormatSize(maxBody))
}
