package ingest

import (
	"fmt"
	"strconv"

	"siphon/ingest/page"
	"siphon/ingest/spec"
)

// A run must not pass for complete when it is not: these checks turn the
// quiet signs of a partial fetch into failures (exit 1) with the anomaly as
// their cause, unless the profile downgrades the named anomaly to a
// warning (anomalies: {total_mismatch: warn}) for an API known to
// misreport.

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
	hint := page.ObjectArrays(pg)
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
