package probe

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"siphon/ingest/spec"
)

// Detectors for counted paging: an offset, or a page number.

var limitKey = regexp.MustCompile(`(?i)^\$?(limit|per_?page|page_?size|size|count|max_?results|top|first)$`)

// offsetPairs are offset paging's names: the position and the page size.
var offsetPairs = []struct{ offset, limit string }{
	{"offset", "limit"}, {"startAt", "maxResults"}, {"start", "limit"}, {"skip", "top"}, {"skip", "limit"},
	{"$skip", "$top"}, {"from", "size"}, {"start_index", "count"}, {"startIndex", "count"},
}

// offsetPaging recognises offset paging under its common names, by a
// number in the body or the query, and confirms it with a request at the
// next offset. (An offset that is a string is a token: bodyCursor's.)
func offsetPaging(s *session) (f finding) {
	n := len(s.recs)
	for _, pair := range offsetPairs {
		if !s.hasOffset(pair.offset) || n == 0 {
			continue
		}
		start, _ := strconv.ParseInt(s.q.Get(pair.offset), 10, 64)
		at := start + int64(n)
		r, err := s.fetch(url.Values{pair.offset: {strconv.FormatInt(at, 10)}})
		if err != nil || !s.fresh(r.records) {
			f.saw("%s looks like an offset, but a request at %s=%d brought nothing new", pair.offset, pair.offset, at)
			continue
		}
		p := spec.PaginationConfig{Type: spec.PageOffset, OffsetParam: pair.offset}
		if s.body != nil {
			p.In = "body"
		}
		if _, ok := s.top[pair.limit]; ok || s.q.Has(pair.limit) {
			p.LimitParam = pair.limit
			p.Limit, _ = strconv.Atoi(s.q.Get(pair.limit))
		} else {
			p.LimitParam, p.Limit = limitOf(s.top, s.q)
		}
		if total := firstKey(s.top, "total", "total_count", "totalCount", "total_results", "totalResults", "totalSize"); total != "" {
			p.TotalPath = "." + total
		}
		f.saw("offset paging by %s (%s)", pair.offset, strings.Join(present(s.top, s.q, pair.offset, pair.limit, p.TotalPath), ", "))
		f.confirmed = fmt.Sprintf("a second request at %s=%d brought %d different records", pair.offset, at, len(r.records))
		if p.TotalPath == "" && !s.declaresMore() {
			p.EndOn = s.endOnEvidence(&f, pair.offset, strconv.FormatInt(at+int64(len(r.records)), 10), p.Limit, len(r.records))
		}
		return f.propose(p)
	}
	return f
}

// hasOffset reports an offset under name: a number in the body, or an
// integer in the probed query.
func (s *session) hasOffset(name string) bool {
	_, inBody := number(s.top[name])
	_, inQuery := s.q[name]
	if inQuery {
		_, err := strconv.ParseInt(s.q.Get(name), 10, 64)
		return err == nil
	}
	return inBody
}

// pageNumber recognises page-number paging, which is proposed without a
// confirming request: so not when the page is not an object, nor when a
// cursor was found on it (and refused).
func pageNumber(s *session) (f finding) {
	if s.top == nil || s.cursorSeen {
		return f
	}
	pageKey := firstKey(s.top, "page", "current_page", "page_number", "pageNumber")
	if pageKey == "" && !s.q.Has("page") {
		return f
	}
	p := spec.PaginationConfig{Type: spec.PagePage, PageParam: "page"}
	pages := firstKey(s.top, "total_pages", "totalPages", "last_page", "pages", "page_count", "pageCount")
	total := firstKey(s.top, "total", "total_count", "totalCount", "count", "total_results", "totalResults")
	if pages != "" {
		p.TotalPagesPath = "." + pages
	} else if total != "" {
		p.TotalPath = "." + total
	}
	p.LimitParam, p.Limit = limitOf(s.top, s.q)
	if n, err := strconv.Atoi(s.q.Get("page")); err == nil {
		p.StartPage = n
	}
	f.saw("page-number paging (%s%s)", strings.Join(present(s.top, s.q, "page", pageKey, pages), ", "), orTotal(total))
	return f.propose(p)
}

// limitOf finds the page size parameter: from the query, else a field.
func limitOf(top map[string]any, q url.Values) (string, int) {
	for name := range q {
		if limitKey.MatchString(name) {
			n, _ := strconv.Atoi(q.Get(name))
			return name, n
		}
	}
	for k := range top {
		if limitKey.MatchString(k) && k != "count" {
			return k, 0
		}
	}
	return "", 0
}

// present says where each of names was seen, for evidence: in the body,
// or in the query.
func present(m map[string]any, q url.Values, names ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		if _, ok := m[n]; ok {
			out = append(out, n+" in the body")
		} else if q.Has(n) {
			out = append(out, "?"+n+"=")
		}
	}
	return out
}

func orTotal(total string) string {
	if total == "" {
		return ""
	}
	return ", total at ." + total
}
