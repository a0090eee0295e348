package paginate

import (
	"encoding/json"
	"fmt"

	"siphon/ingest/page"
	"siphon/ingest/spec"
)

// timestamp is keyset paging over a time field: ?updated_after=<the
// latest updated_at seen>. With inclusive: true the API returns records at
// the mark again (field >= param), and those already written are dropped;
// with inclusive: false records that share the mark across a page boundary
// are lost, which the walk warns about once. Its defaults (updated_after,
// updated_at) are in package styles.
func newTimestamp(cfg spec.PaginationConfig, primaryKey []string) (Style, error) {
	return &keyset{cfg: cfg, primaryKey: primaryKey, timestamp: true}, nil
}

// tieNotes warns, once, when records on a full page share a field value
// and the API returns only later ones.
func (s *keyset) tieNotes(r *Response) []string {
	if s.cfg.Inclusive || s.tieWarned {
		return nil
	}
	tie := s.tie(r.Records)
	if tie == "" {
		return nil
	}
	s.tieWarned = true
	return []string{fmt.Sprintf("records share %s values (%s on page %d); with inclusive: false the API returns only later values, so records sharing the last value of a page with the next page are skipped. Set inclusive: true (and the API's >= parameter) to fetch them", s.cfg.Field, tie, r.PageNo)}
}

// tie returns a field value that two records of the page share, or "".
func (s *keyset) tie(recs []json.RawMessage) string {
	seen := make(map[string]bool, len(recs))
	for _, rec := range recs {
		if v, err := page.Field(rec, s.cfg.Field); err == nil {
			if text, err := page.ScalarText(v); err == nil && text != "" {
				if seen[text] {
					return text
				}
				seen[text] = true
			}
		}
	}
	return ""
}

// Dedup drops the records that an inclusive request sent again: those at
// the high-water mark whose keys were written before.
func (s *keyset) Dedup(pos Position, recs []json.RawMessage) []json.RawMessage {
	if !s.cfg.Inclusive || len(pos.BoundaryKeys) == 0 {
		return recs
	}
	seen := make(map[string]bool, len(pos.BoundaryKeys))
	for _, k := range pos.BoundaryKeys {
		seen[k] = true
	}
	kept := recs[:0:0]
	for _, rec := range recs {
		if seen[recordKey(rec, s.primaryKey)] {
			if v, err := page.Field(rec, s.cfg.Field); err == nil {
				if text, err := page.ScalarText(v); err == nil && CompareMarks(text, pos.HighWater) == 0 {
					continue
				}
			}
		}
		kept = append(kept, rec)
	}
	return kept
}
