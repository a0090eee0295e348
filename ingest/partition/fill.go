package partition

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"siphon/ingest/spec"
)

// Fill is cfg with p's references filled in. A value goes into the path as
// one escaped segment (PathSegment); into params and headers as text (the
// query is escaped when the URL is built); into the body as a JSON string's
// content. A value that cannot be sent safely (a dot segment in the path,
// CR, LF or NUL anywhere) is refused with a *ValueError naming the
// partition: it fails alone, before any request.
func Fill(cfg spec.Config, p Partition) (spec.Config, error) {
	const inText, inPath, inBody = 0, 1, 2
	var bad error
	fill := func(s string, mode int, where string) string {
		return ref.ReplaceAllStringFunc(s, func(r string) string {
			var v string
			switch r {
			case "${partition.start}":
				v = p.Start
			case "${partition.end}":
				v = p.End
			default:
				v = p.Value
			}
			if err := checkRequestValue(v); err != nil {
				if bad == nil {
					bad = valueError(p, r, where, err)
				}
				return ""
			}
			switch mode {
			case inBody: // escaped as a string's content
				b, _ := json.Marshal(v)
				return string(b[1 : len(b)-1])
			case inPath: // one segment: a slash is escaped, never a separator
				seg, err := PathSegment(v)
				if err != nil && bad == nil {
					bad = valueError(p, r, where, err)
				}
				return seg
			}
			return v
		})
	}
	cfg.Path = fill(cfg.Path, inPath, "path")
	if len(cfg.Body) > 0 {
		cfg.Body = json.RawMessage(fill(string(cfg.Body), inBody, "body"))
	}
	cfg.Params = fillMap(cfg.Params, func(k, s string) string { return fill(s, inText, "params."+k) })
	cfg.Headers = fillMap(cfg.Headers, func(k, s string) string { return fill(s, inText, "headers."+k) })
	cfg.Partitions = spec.PartitionsConfig{}
	if bad != nil {
		return spec.Config{}, bad
	}
	return cfg, nil
}

// ValueError is a partition whose value cannot be sent: it fails on its
// own, before any request, and retrying cannot help.
type ValueError struct {
	Index int
	Key   string
	Ref   string // ${partition.value}, ${partition.start} or ${partition.end}
	Where string // path, body, params.NAME, headers.NAME
	Err   error
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("partition %d (%s): %s in %s: %v; this partition is not fetched (retrying cannot help)", e.Index, e.Key, e.Ref, e.Where, e.Err)
}

func (e *ValueError) Unwrap() error { return e.Err }

func valueError(p Partition, ref, where string, err error) error {
	return &ValueError{Index: p.Index, Key: p.Key, Ref: ref, Where: where, Err: err}
}

// ErrUnsafeValue is a value that would change what a request asks for:
// a dot segment in a path, or a line break or NUL anywhere.
var ErrUnsafeValue = errors.New("value refused")

// checkRequestValue refuses CR, LF and NUL, which no header, query or path
// can carry as they are: a header would be split, and the request could
// never succeed however often it was retried.
func checkRequestValue(v string) error {
	if i := strings.IndexAny(v, "\r\n\x00"); i >= 0 {
		return fmt.Errorf("%w: the value %s holds a control character (%q at byte %d); CR, LF and NUL are never sent", ErrUnsafeValue, quoteClip(v), v[i], i)
	}
	return nil
}

// PathSegment is v escaped as exactly one path segment: every byte but
// letters, digits and -._~ (and the few sub-delimiters a segment may hold)
// is percent-encoded, so '/' becomes %2F and '%' becomes %25. A value that
// is, or decodes (once or more) to, "." or ".." is refused, as is an empty
// value or one with CR, LF or NUL: any of them would make the request ask
// for another path than the profile names.
func PathSegment(v string) (string, error) {
	if err := checkRequestValue(v); err != nil {
		return "", err
	}
	if v == "" {
		return "", fmt.Errorf("%w: an empty value would leave an empty path segment", ErrUnsafeValue)
	}
	if isDotSegment(v) {
		return "", fmt.Errorf("%w: the value %s is a dot segment (. or .., possibly percent-encoded) and would move the request to another path", ErrUnsafeValue, quoteClip(v))
	}
	return url.PathEscape(v), nil
}

// isDotSegment reports whether v is "." or "..", as it is or after one or
// more rounds of percent-decoding (a server or proxy may decode twice).
// Each round that changes v shortens it, so the loop ends.
func isDotSegment(v string) bool {
	for {
		if v == "." || v == ".." {
			return true
		}
		u, err := url.PathUnescape(v)
		if err != nil || u == v {
			return false
		}
		v = u
	}
}

// quoteClip quotes a value for a message, clipped to a readable length.
func quoteClip(v string) string {
	if len(v) > 80 {
		v = v[:80] + "…"
	}
	return strconv.Quote(v)
}

func fillMap(m map[string]string, fill func(k, v string) string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = fill(k, v)
	}
	return out
}
