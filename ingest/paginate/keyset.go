package paginate

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"

	"siphon/ingest/page"
	"siphon/ingest/spec"
)

// keyset asks for the records after a mark: ?since_id=<the largest id
// seen>. The walk ends when a page brings nothing newer. Timestamp paging
// (timestamp.go) is the same walk over a time field. Its defaults
// (since_id, id) are in package styles.
type keyset struct {
	cfg        spec.PaginationConfig
	primaryKey []string
	timestamp  bool // warn about ties (see timestamp.go)
	tieWarned  bool
}

func newKeyset(cfg spec.PaginationConfig, primaryKey []string) (Style, error) {
	return &keyset{cfg: cfg, primaryKey: primaryKey}, nil
}

func (s *keyset) Start() Position { return Position{HighWater: s.cfg.Start} }

func (s *keyset) Request(pos Position, q url.Values) Request {
	if pos.HighWater != "" {
		q.Set(s.cfg.Param, pos.HighWater)
	}
	return Request{Query: q}
}

func (s *keyset) Next(pos *Position, r *Response) (Next, error) {
	var next Next
	n := r.Fetched
	if n == 0 {
		return Next{Stop: StopNoNewer}, nil
	}
	mark, keys, err := s.highWater(r.Records)
	if err != nil {
		return next, err
	}
	c := 1
	if mark == "" {
		c = -1
	} else if pos.HighWater != "" {
		c = CompareMarks(mark, pos.HighWater)
	}
	full := n >= max(r.Largest, s.cfg.Limit)
	if c > 0 && full && s.timestamp {
		next.Notes = s.tieNotes(r)
	}
	switch {
	case c > 0:
		pos.HighWater, pos.BoundaryKeys = mark, keys
	case c == 0:
		// New records at the old mark: remember them too, so that the
		// next request, which sends them again, skips them.
		pos.BoundaryKeys = appendNew(pos.BoundaryKeys, keys)
	}
	if c <= 0 && full {
		return next, &AnomalyError{fmt.Sprintf("%s paging cannot advance past %s=%s: a full page brought no newer value (more records share it than fit in a page; raise pagination.limit)", s.cfg.Type, s.cfg.Field, pos.HighWater)}
	}
	if c <= 0 {
		next.Stop = StopNoNewer
	} else if r.Short {
		next.Stop = StopShortPage
	}
	return next, nil
}

func (s *keyset) Describe(pos Position) string { return pos.HighWater }

func (s *keyset) Param() string { return s.cfg.Param }

func (s *keyset) Seek(pos *Position, value string) { pos.HighWater = value }

// highWater is the largest field value on the page and, for inclusive
// timestamp paging, the primary keys of the records that carry it.
func (s *keyset) highWater(recs []json.RawMessage) (string, []string, error) {
	var mark string
	var keys []string
	for i, rec := range recs {
		v, err := page.Field(rec, s.cfg.Field)
		if err != nil {
			return "", nil, fmt.Errorf("record %d: %w", i+1, err)
		}
		text, err := page.ScalarText(v)
		if err != nil || text == "" {
			return "", nil, fmt.Errorf("record %d has no usable %s for %s paging: %s", i+1, s.cfg.Field, s.cfg.Type, page.Snippet(rec, 80))
		}
		c := 1
		if mark != "" {
			c = CompareMarks(text, mark)
		}
		if c > 0 {
			mark, keys = text, keys[:0]
		}
		if c >= 0 && s.cfg.Inclusive {
			keys = append(keys, recordKey(rec, s.primaryKey))
		}
	}
	return mark, keys, nil
}

func appendNew(have, more []string) []string {
	for _, k := range more {
		if !slices.Contains(have, k) {
			have = append(have, k)
		}
	}
	return have
}
