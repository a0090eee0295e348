package ingest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"siphon/ingest/page"
	"siphon/ingest/paginate"
	"siphon/ingest/spec"
)

// A run must not pass for complete when it is not: these checks turn the
// quiet signs of a partial fetch into failures (exit 1) with the anomaly as
// their cause, unless the profile downgrades the named anomaly to a
// warning (anomalies: {total_mismatch: warn}) for an API known to
// misreport.

// declaredTotal is the record count page 1 declares, and where: a top-level
// field (paginate.DeclaredTotalFields) or Elasticsearch's hits.total, a
// number or {value, relation} (a lower bound when relation is gte).
func declaredTotal(pg *page.Page) (paginate.Count, string) {
	for _, e := range declaredTotalExprs {
		raw, err := pg.Value(e)
		if err != nil {
			continue
		}
		if c, ok := paginate.ReadCount(raw); ok && c.N > 0 {
			return c, e.String()
		}
	}
	return paginate.Count{}, ""
}

// declaredTotalExprs are the plain paths declaredTotal reads. The one pass
// over a streamed page answers the top-level ones too (pageReader lists
// declaredTotalTop), so a page too large to hold is checked like any other;
// hitsTotal only where .hits is sure to be an object (records under .hits).
var declaredTotalExprs, declaredTotalTop, hitsTotal = declaredTotalPaths()

func declaredTotalPaths() (all, top []*page.Expr, hits *page.Expr) {
	for _, k := range paginate.DeclaredTotalFields {
		top = append(top, mustCompile("."+k))
	}
	hits = mustCompile(".hits.total")
	return append(append(all, top...), hits), top, hits
}

func mustCompile(src string) *page.Expr {
	e, err := page.Compile(src)
	if err != nil {
		panic(err) // a constant path
	}
	return e
}

// anomalyAction is what the profile says to do on a named anomaly.
func (w *walk) anomalyAction(name string) string {
	if w.cfg.Anomalies[name] == "warn" {
		return "continued"
	}
	return "stopped"
}

// finalChecks runs when the API said the data ended: fewer records than
// it declared is a failure.
func (w *walk) finalChecks() error {
	total, where := w.pag.DeclaredRecords(), "total_path "+w.cfg.Pagination.TotalPath
	if total.N == 0 {
		total, where = w.declared, w.declaredAt
		if where == ".count" && total.N == int64(w.cfg.Pagination.Limit) {
			total.N = 0 // some APIs echo the page size they were asked for as count
		}
	}
	if total.N <= 0 {
		return nil
	}
	if w.cfg.Pagination.Type == spec.PageOffset && w.cfg.Pagination.Start != "" {
		if start, err := strconv.ParseInt(w.cfg.Pagination.Start, 10, 64); err == nil {
			total.N -= start
		}
	}
	got := w.state.Records + w.state.Rejected
	if got >= total.N {
		return nil
	}
	what := fmt.Sprintf("%s: the run ended with %d records but the API declared %s (at %s)", spec.AnomalyTotalMismatch, got, total, where)
	action := w.anomalyAction(spec.AnomalyTotalMismatch)
	w.rn.noteAnomaly(Anomaly{At: now(), Page: w.state.Pages, What: what, Action: action})
	if action == "continued" {
		return nil
	}
	return fmt.Errorf("%s; the records written are kept. If the API is known to misreport its total, set anomalies: {%s: warn}", what, spec.AnomalyTotalMismatch)
}

// recordsElsewhere is page 1 finding no records at the records path while
// its body holds arrays of objects elsewhere: the path is likely wrong.
func (w *walk) recordsElsewhere(pg *page.Page, size int64, pageNo int) error {
	hint := objectArrays(pg)
	what := fmt.Sprintf("records %s found nothing on page 1; the body has arrays at %s", w.cfg.Records, hint)
	switch {
	case hint != "":
	case size > headBytes:
		// Too large to hold, so not looked into: a body this size with
		// nothing in it is no empty result.
		what = fmt.Sprintf("records %s found nothing on page 1, a body of %s", w.cfg.Records, spec.FormatSize(size))
	default:
		return nil
	}
	action := w.anomalyAction(spec.AnomalyRecordsElsewhere)
	w.rn.noteAnomaly(Anomaly{At: now(), Page: pageNo, What: what, Action: action})
	if action == "continued" {
		return nil
	}
	return fmt.Errorf("page %d: %s: %s; fix records, or set anomalies: {%s: warn} if an empty result is right (the page was not saved)", pageNo, spec.AnomalyRecordsElsewhere, what, spec.AnomalyRecordsElsewhere)
}

// objectArrays lists the non-empty top-level arrays of objects of a body,
// and those one level down: ".items (100), .data.rows (5)".
func objectArrays(p *page.Page) string {
	obj, err := p.Object()
	if err != nil {
		return ""
	}
	var hints []string
	var walkObj func(prefix string, o map[string]json.RawMessage, depth int)
	walkObj = func(prefix string, o map[string]json.RawMessage, depth int) {
		for _, k := range sortedKeys(o) {
			v := o[k]
			if len(v) == 0 {
				continue
			}
			switch v[0] {
			case '[':
				var arr []json.RawMessage
				if json.Unmarshal(v, &arr) == nil && len(arr) > 0 && len(arr[0]) > 0 && arr[0][0] == '{' {
					hints = append(hints, fmt.Sprintf("%s.%s (%d)", prefix, k, len(arr)))
				}
			case '{':
				if depth > 0 {
					var sub map[string]json.RawMessage
					if json.Unmarshal(v, &sub) == nil {
						walkObj(prefix+"."+k, sub, depth-1)
					}
				}
			}
		}
	}
	walkObj("", obj, 1)
	return joinHints(hints)
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func joinHints(h []string) string { return strings.Join(h, ", ") }
