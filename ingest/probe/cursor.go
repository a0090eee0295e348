package probe

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"siphon/ingest/spec"
)

// Detectors for cursors: a token on the page that, sent back, brings the
// next page.

var (
	cursorKey  = regexp.MustCompile(`(?i)^_?(next_?cursor|next_?page_?token|next_?token|cursor|after|after_?cursor|end_?cursor|(next_?)?continuation(_?token)?|next_?key|scroll_?id|starting_?after|next_?marker|marker|offset|next_?offset|next_?page_?info|page_?info)$`)
	hasMoreKey = regexp.MustCompile(`(?i)^(has_?more|has_?next(_?page)?|more)$`)
)

// cursorFamilies are the parameter names to try for a cursor found under a
// key: the key's own family first, then the common names.
var cursorFamilies = map[string][]string{
	"next_cursor":     {"cursor", "start_cursor", "next_cursor", "after"},
	"nextcursor":      {"cursor", "nextCursor", "after"},
	"after_cursor":    {"cursor", "after_cursor", "after"},
	"cursor":          {"cursor", "after"},
	"next_token":      {"pagination_token", "page_token", "next_token", "token"},
	"nexttoken":       {"nextToken", "pagination_token", "page_token"},
	"next_page_token": {"page_token", "pageToken", "next_page_token"},
	"nextpagetoken":   {"pageToken", "page_token", "nextPageToken"},
	"endcursor":       {"after"},
	"end_cursor":      {"after"},
	"after":           {"after", "starting_after"},
	"offset":          {"offset"},
	"next_offset":     {"offset"},
	"page_info":       {"page_info"},
	"next_page_info":  {"page_info"},
	"marker":          {"marker"},
	"next_marker":     {"marker"},
	"continuation":    {"continuation", "continuation_token"},
	// S3's ListObjectsV2 and V1 listings (XML).
	"nextcontinuationtoken": {"continuation-token", "continuationToken", "continuation_token"},
	"nextmarker":            {"marker"},
}

var commonCursorParams = []string{"cursor", "next_token", "pagination_token", "page_token", "starting_after", "start_cursor", "after", "page_info", "offset"}

// afterLastParams are the names tried for "the records after this id".
var afterLastParams = []string{"starting_after", "after", "since_id", "from_id", "cursor"}

// bodyCursor finds a cursor in a field of the body and the parameter that
// takes it back.
func bodyCursor(s *session) (f finding) {
	for _, sp := range s.scalars {
		v, ok := sp.value.(string)
		if !ok || v == "" || !cursorKey.MatchString(sp.key) {
			continue
		}
		// A number under an offset key was offset paging's to take.
		if _, err := strconv.ParseInt(v, 10, 64); err == nil && strings.Contains(strings.ToLower(sp.key), "offset") {
			continue
		}
		f.cursorSeen = true
		for _, param := range s.candidates(sp.key) {
			if s.tryCursor(&f, spec.PaginationConfig{Type: spec.PageCursor, CursorPath: sp.path}, param, v) {
				f.saw("%s looks like a cursor (%q); sent back as %s it brought the next records", sp.path, s.red().Cut(v, 40), s.where(param))
				return f
			}
		}
		f.saw("%s looks like a cursor, but no parameter tried (%s) brought other records", sp.path, strings.Join(s.candidates(sp.key), ", "))
	}
	return f
}

// hasMoreAfterLast reads Stripe-style lists, which say only has_more:
// true: the next page starts after the last record's id.
func hasMoreAfterLast(s *session) (f finding) {
	pk := s.rep.PrimaryKey
	if pk == "" || len(s.recs) == 0 {
		return f
	}
	for _, sp := range s.scalars {
		if more, ok := sp.value.(bool); !ok || !more || !hasMoreKey.MatchString(sp.key) {
			continue
		}
		last := fmt.Sprint(s.recs[len(s.recs)-1][pk])
		f.cursorSeen = true
		for _, param := range afterLastParams {
			base := spec.PaginationConfig{Type: spec.PageCursor, CursorPath: fmt.Sprintf("%s[-1].%s", s.rep.Records, pk)}
			if s.tryCursor(&f, base, param, last) {
				f.saw("%s is true and nothing names the next page: the next page is asked for after the last record's %s (%s)", sp.path, pk, s.where(param))
				return f
			}
		}
		f.saw("%s is true, but asking for the records after the last %s under the usual names brought nothing new", sp.path, pk)
	}
	return f
}

// candidates are the parameter names to try for a cursor under key: those
// in the probed query first, then the key's family, the key without its
// "next", and the common names.
func (s *session) candidates(key string) []string {
	k := strings.ToLower(strings.TrimPrefix(key, "_"))
	var out []string
	for name := range s.q {
		if cursorKey.MatchString(name) {
			out = append(out, name)
		}
	}
	out = append(out, cursorFamilies[k]...)
	if strings.HasPrefix(k, "next_") {
		out = append(out, key[len("next_"):])
	} else if strings.HasPrefix(key, "next") && len(key) > 4 {
		out = append(out, strings.ToLower(key[4:5])+key[5:])
	}
	out = append(out, commonCursorParams...)
	seen := map[string]bool{}
	uniq := out[:0]
	for _, n := range out {
		if !seen[n] {
			seen[n] = true
			uniq = append(uniq, n)
		}
	}
	return uniq
}

// tryCursor confirms a cursor parameter: a request with it must succeed
// and bring records the first page did not have. Confirmed, p with that
// parameter is f's proposal.
func (s *session) tryCursor(f *finding, p spec.PaginationConfig, param, value string) bool {
	r, err := s.fetch(url.Values{param: {value}})
	if err != nil || !s.fresh(r.records) {
		return false
	}
	p.CursorParam = param
	if s.body != nil {
		p.In = "body"
	}
	f.confirmed = fmt.Sprintf("a second request with %s brought %d different records", s.where(param), len(r.records))
	f.pagination = &p
	return true
}
