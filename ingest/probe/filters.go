package probe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"siphon/ingest/page"
	"siphon/ingest/paginate"
	"siphon/ingest/spec"
)

// Detectors for keyset and timestamp paging: a filter that, given the last
// id or time seen, brings the records after it.

var timeField = regexp.MustCompile(`(?i)^(updated|modified|changed)_?(at|on|time)?$|^(updated|modified)$|^last_?modified$`)

// Filter names tried for keyset and timestamp paging.
var (
	keysetParams    = []string{"since_id", "after_id", "min_id", "id_gt", "starting_after", "after"}
	timestampParams = []string{"updated_after", "updated_since", "modified_since", "since", "updated_at_gt", "start_time"}
)

// queryFilter reads a filter the probed query already has: on an update
// time (timestamp paging) or on an id (keyset paging).
func queryFilter(s *session) (f finding) {
	for name := range s.q {
		lower := strings.ToLower(name)
		switch {
		case strings.Contains(lower, "updated") || strings.Contains(lower, "modified") || strings.HasSuffix(lower, "_since") || lower == "since":
			field := ascendingField(s.recs, timeField)
			if field == "" {
				field = "updated_at"
			}
			f.saw("the query filters on ?%s= and records come in ascending %s", name, field)
			return f.propose(spec.PaginationConfig{Type: spec.PageTimestamp, Param: name, Field: field, Inclusive: !strings.Contains(lower, "after")})
		case strings.Contains(lower, "since_id") || strings.HasPrefix(lower, "after_id") || lower == "min_id" || strings.HasSuffix(lower, "_gt"):
			p := spec.PaginationConfig{Type: spec.PageKeyset, Param: name, Field: orDefault(s.rep.PrimaryKey, "id")}
			f.saw("the query filters on ?%s= and records come in ascending %s", name, p.Field)
			return f.propose(p)
		}
	}
	return f
}

// keysetTrial tries the common id filters when records come in ascending
// primary key: one must bring only records newer than the page's.
func keysetTrial(s *session) (f finding) {
	pk := s.rep.PrimaryKey
	if len(s.recs) < 2 || pk == "" || !ascending(s.recs, pk) {
		return f
	}
	last := fmt.Sprint(s.recs[len(s.recs)-1][pk])
	for _, name := range keysetParams {
		r, err := s.fetch(url.Values{name: {last}})
		if err == nil && len(r.records) > 0 && s.fresh(r.records) && !s.anyOld(r.records) {
			f.saw("records come in ascending %s and ?%s=<last %s> brought only newer ones", pk, name, pk)
			f.confirmed = fmt.Sprintf("a second request with ?%s= brought %d newer records", name, len(r.records))
			return f.propose(spec.PaginationConfig{Type: spec.PageKeyset, Param: name, Field: pk})
		}
	}
	return f
}

// timestampTrial tries the common update-time filters when records come
// in ascending update time: one must bring records the page did not have.
func timestampTrial(s *session) (f finding) {
	if len(s.recs) < 2 {
		return f
	}
	field := ascendingField(s.recs, timeField)
	if field == "" {
		return f
	}
	last := fmt.Sprint(s.recs[len(s.recs)-1][field])
	for _, name := range timestampParams {
		r, err := s.fetch(url.Values{name: {last}})
		if err == nil && len(r.records) > 0 && s.fresh(r.records) {
			f.saw("records come in ascending %s and ?%s=<last %s> brought newer ones", field, name, field)
			f.confirmed = fmt.Sprintf("a second request with ?%s= brought %d records", name, len(r.records))
			return f.propose(spec.PaginationConfig{Type: spec.PageTimestamp, Param: name, Field: field, Inclusive: true})
		}
	}
	return f
}

// ascendingField finds a field matching re whose values ascend.
func ascendingField(recs []map[string]any, re *regexp.Regexp) string {
	if len(recs) == 0 {
		return ""
	}
	for _, k := range sortedKeys(recs[0]) {
		if re.MatchString(k) && ascending(recs, k) {
			return k
		}
	}
	return ""
}

// ascending reports whether a field never decreases across the records.
func ascending(recs []map[string]any, field string) bool {
	var prev string
	for i, r := range recs {
		v, ok := r[field]
		if !ok {
			return false
		}
		b, _ := json.Marshal(v)
		text, err := page.ScalarText(bytes.TrimSpace(b))
		if err != nil {
			return false
		}
		if i > 0 && paginate.CompareMarks(text, prev) < 0 {
			return false
		}
		prev = text
	}
	return true
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
