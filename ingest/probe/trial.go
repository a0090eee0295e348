package probe

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"siphon/ingest/paginate"
	"siphon/ingest/spec"
)

// Counted paging that the page does not name: an API that takes ?offset=
// or ?page= but says nothing of it in its body (no total, no page field)
// can only be found by asking. Where a page may have a next one (it is
// full, or declares more), the usual parameters are tried one by one.

// trialParams are the usual counting parameters, in the order tried.
var trialParams = []struct {
	name   string
	offset bool // counts records; else pages, from 1
}{
	{"offset", true}, {"skip", true}, {"start", true}, {"startAt", true}, {"page", false}, {"p", false},
}

// counterTrial asks for the next page under each usual parameter and
// proposes the first whose records advance. It tries nothing when the
// page is known to be the last (shorter than the limit asked for).
func counterTrial(s *session) (f finding) {
	n := len(s.recs)
	if n == 0 || s.top == nil && s.doc == nil {
		return f
	}
	limitParam, limit := limitOf(s.top, s.q)
	if limit > 0 && n < limit && !s.declaresMore() {
		return f // a short page with nothing declared beyond it: all there is
	}
	var tried []string
	for _, tp := range trialParams {
		if s.q.Has(tp.name) || s.body != nil && s.body[tp.name] != nil {
			continue // the probed request set it already: another detector's
		}
		value := "2"
		if tp.offset {
			value = strconv.Itoa(n)
		}
		tried = append(tried, tp.name+"="+value)
		r, err := s.fetch(url.Values{tp.name: {value}})
		if err != nil || !s.fresh(r.records) || s.anyOld(r.records) {
			continue
		}
		p := spec.PaginationConfig{Type: spec.PagePage, PageParam: tp.name, StartPage: 1}
		if tp.offset {
			p = spec.PaginationConfig{Type: spec.PageOffset, OffsetParam: tp.name}
		}
		if s.body != nil {
			p.In = "body"
		}
		p.LimitParam, p.Limit = limitParam, limit
		f.saw("the page names no way to the next; tried %s", strings.Join(tried, ", "))
		f.confirmed = fmt.Sprintf("a second request with %s brought %d different records", s.where(tp.name)+value, len(r.records))
		third := "3"
		if tp.offset {
			third = strconv.Itoa(n + len(r.records))
		}
		p.EndOn = s.endOnEvidence(&f, tp.name, third, limit, len(r.records))
		return f.propose(p)
	}
	if len(tried) > 0 {
		s.triedCounters = "tried " + strings.Join(tried, ", ") + ": none brought new records"
	}
	return f
}

// declaresMore reports whether the page declares more records than it has.
func (s *session) declaresMore() bool {
	total, _ := s.declaredTotal()
	return total.N > int64(len(s.recs))
}

// declaredTotal is the total the page declares at the usual places, and
// where (see paginate.DeclaredTotalFields).
func (s *session) declaredTotal() (paginate.Count, string) {
	if s.top == nil {
		return paginate.Count{}, ""
	}
	for _, k := range paginate.DeclaredTotalFields {
		if c, ok := countOf(s.top[k]); ok && c.N > 0 {
			return c, "." + k
		}
	}
	if hits, ok := s.top["hits"].(map[string]any); ok {
		if c, ok := countOf(hits["total"]); ok && c.N > 0 {
			return c, ".hits.total"
		}
	}
	return paginate.Count{}, ""
}

// countOf reads a decoded count: a number, or {value, relation}.
func countOf(v any) (paginate.Count, bool) {
	if n, ok := number(v); ok {
		return paginate.Count{N: int64(n)}, true
	}
	if m, ok := v.(map[string]any); ok {
		if n, ok := number(m["value"]); ok {
			rel, _ := m["relation"].(string)
			return paginate.Count{N: int64(n), AtLeast: rel == "gte"}, true
		}
	}
	return paginate.Count{}, false
}

// endOnEvidence is the end_on a counted walk without a total is proposed
// with, and says why. Only the default, empty_page, is safe without
// evidence: an API may hide records on some pages. short_page is proposed
// when the second page came back short of limit and the request after it
// (param=next) came back empty: the end coincided with the short page.
func (s *session) endOnEvidence(f *finding, param, next string, limit, second int) string {
	switch {
	case limit <= 0:
		f.saw("end_on: empty_page (the default): no page size was asked for, so a short page cannot be told")
		return ""
	case second >= limit:
		f.saw("end_on: empty_page (the default): the second page was full too, so where the end falls was not seen")
		return ""
	}
	r, err := s.fetch(url.Values{param: {next}})
	if err != nil || len(r.records) > 0 {
		f.saw("end_on: empty_page (the default): the second page had %d of %d records, but %s did not come back empty, so a short page is no end", second, limit, s.where(param)+next)
		return ""
	}
	f.saw("end_on: short_page: the second page had %d of %d records and %s came back empty, so the end came on a short page (set empty_page if the API hides records on some pages)", second, limit, s.where(param)+next)
	return spec.EndOnShortPage
}
