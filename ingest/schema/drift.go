package schema

import "encoding/json"

// Kinds of drift, the values of Drift.Change.
const (
	ChangeNew      = "new field"
	ChangeVanished = "vanished"
	ChangeType     = "type changed"
)

// The baseline is the first pages of a run: until both this many records
// and this many pages have been seen.
const (
	baselineRecords = 200
	baselinePages   = 3
)

// maxFields bounds the fields a Tracker remembers. Records keyed by data
// (ids or dates as keys) would otherwise grow it, and the drift list, forever;
// past the bound, further new fields go unreported.
const maxFields = 5000

// Drift is one change in the records' shape compared with the baseline.
type Drift struct {
	Field   string // dotted path for nested object fields, e.g. "customer.country"; arrays are a type, not descended
	Change  string // ChangeNew, ChangeVanished or ChangeType
	Was     string // JSON type(s) in the baseline, e.g. "number" or "string|null"; "" for a new field
	Now     string // JSON type now; "" for vanished
	Example string // the value's raw JSON, cut to at most maxExample bytes; "" for vanished
}

// fieldStat is what the Tracker knows about one field path.
type fieldStat struct {
	name       string
	inBaseline bool    // seen while learning; fields first seen later are only reported as new
	types      typeSet // types seen in the baseline
	records    int     // baseline records holding the field
	lastRecord int     // record stamp, so a key repeated in one record counts once
	lastPage   int     // page stamp: seen on the page being observed
	reported   uint8   // reportedNew | reportedVanished | reportedType
}

const (
	reportedNew uint8 = 1 << iota
	reportedVanished
	reportedType
)

// Tracker detects schema drift over the pages of one run. It is not safe for
// concurrent use: the run loop calls it once per page.
type Tracker struct {
	fields   map[string]*fieldStat
	learned  []*fieldStat // baseline fields in first-seen order, for stable output
	always   []*fieldStat // baseline fields present in every baseline record
	records  int          // well-formed records seen while learning
	pages    int
	recordNo int
	learning bool
	scanner  recordScanner
}

// NewTracker returns a Tracker that has seen nothing yet.
func NewTracker() *Tracker {
	return &Tracker{fields: make(map[string]*fieldStat), learning: true}
}

// Observe looks at one page's records. The first pages (until 200 records
// and 3 pages have been seen) build the baseline: each field's JSON types and
// whether it was in every record. After that it reports, once per field and
// kind of change: fields not in the baseline, baseline types not seen before
// (null included), and fields that were in every baseline record but are
// missing from every record of a page. Records that are not JSON objects are
// skipped. It returns nil when nothing changed.
func (t *Tracker) Observe(recs []json.RawMessage) []Drift {
	t.pages++
	var drifts []Drift
	wellFormed := 0
	for _, rec := range recs {
		if !t.scanner.scan(rec) {
			continue
		}
		wellFormed++
		t.recordNo++
		if t.learning {
			t.learn()
		} else {
			drifts = t.compare(drifts)
		}
	}
	t.scanner.data = nil // do not pin the page until the next call
	if t.learning {
		t.records += wellFormed
		if t.records >= baselineRecords && t.pages >= baselinePages {
			t.finishBaseline()
		}
		return nil
	}
	if wellFormed > 0 {
		drifts = t.vanished(drifts)
	}
	return drifts
}

// learn adds the scanned record to the baseline.
func (t *Tracker) learn() {
	s := &t.scanner
	for _, f := range s.fields {
		st := t.fields[string(s.pathOf(f))]
		if st == nil {
			st = &fieldStat{name: string(s.pathOf(f)), inBaseline: true}
			t.fields[st.name] = st
			t.learned = append(t.learned, st)
		}
		st.types = st.types.with(f.typ)
		if st.lastRecord != t.recordNo {
			st.lastRecord = t.recordNo
			st.records++
		}
	}
}

func (t *Tracker) finishBaseline() {
	t.learning = false
	for _, st := range t.learned {
		if st.records == t.records {
			t.always = append(t.always, st)
		}
	}
}

// compare checks the scanned record against the baseline.
func (t *Tracker) compare(drifts []Drift) []Drift {
	s := &t.scanner
	for _, f := range s.fields {
		st := t.fields[string(s.pathOf(f))]
		if st == nil {
			if len(t.fields) >= maxFields {
				continue
			}
			st = &fieldStat{name: string(s.pathOf(f)), reported: reportedNew}
			t.fields[st.name] = st
			drifts = append(drifts, Drift{
				Field: st.name, Change: ChangeNew,
				Now: f.typ.String(), Example: shortExample(s.valueOf(f)),
			})
			continue
		}
		if !st.inBaseline {
			continue
		}
		st.lastPage = t.pages
		if !st.types.has(f.typ) && st.reported&reportedType == 0 {
			st.reported |= reportedType
			drifts = append(drifts, Drift{
				Field: st.name, Change: ChangeType,
				Was: st.types.String(), Now: f.typ.String(), Example: shortExample(s.valueOf(f)),
			})
		}
	}
	return drifts
}

// vanished reports always-present baseline fields missing from the whole page.
func (t *Tracker) vanished(drifts []Drift) []Drift {
	for _, st := range t.always {
		if st.lastPage == t.pages || st.reported&reportedVanished != 0 {
			continue
		}
		st.reported |= reportedVanished
		drifts = append(drifts, Drift{Field: st.name, Change: ChangeVanished, Was: st.types.String()})
	}
	return drifts
}
