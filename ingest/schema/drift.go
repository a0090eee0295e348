package schema

import (
	"encoding/json"

	"siphon/ingest/pagescan"
)

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
	reader   *recordReader // Observe's

	// the page being fed record by record
	pageRecords int
	drifts      []Drift

	// prev is the last compared record's fields' stats, in its order:
	// an API's records mostly list the same fields in the same order, and
	// a field found at its place there needs no map lookup.
	prev []*fieldStat
}

// NewTracker returns a Tracker that has seen nothing yet.
func NewTracker() *Tracker {
	return &Tracker{fields: make(map[string]*fieldStat), learning: true, reader: newRecordReader()}
}

// Observe looks at one page's records. The first pages (until 200 records
// and 3 pages have been seen) build the baseline: each field's JSON types and
// whether it was in every record. After that it reports, once per field and
// kind of change: fields not in the baseline, baseline types not seen before
// (null included), and fields that were in every baseline record but are
// missing from every record of a page. Records that are not JSON objects are
// skipped. It returns nil when nothing changed.
func (t *Tracker) Observe(recs []json.RawMessage) []Drift {
	t.BeginPage()
	for _, rec := range recs {
		if fields, ok := t.reader.fieldsOf(rec); ok {
			t.Record(fields)
		}
	}
	return t.EndPage()
}

// BeginPage starts a page whose records are fed one by one to Record, as a
// one-pass reader of the body finds them (fields to depth 3, in document
// order, parents before children). EndPage ends it.
func (t *Tracker) BeginPage() {
	t.pages++
	t.pageRecords = 0
	t.drifts = nil
}

// Record feeds one well-formed record of the page: its fields as a one-pass
// reader lists them. The slices need only be valid during the call.
func (t *Tracker) Record(fields []pagescan.Field) {
	t.pageRecords++
	t.recordNo++
	if t.learning {
		t.learn(fields)
	} else {
		t.drifts = t.compare(t.drifts, fields)
	}
}

// EndPage ends the page BeginPage started and returns what changed (nil
// when nothing did); see Observe.
func (t *Tracker) EndPage() []Drift {
	drifts := t.drifts
	t.drifts = nil
	if t.learning {
		t.records += t.pageRecords
		if t.records >= baselineRecords && t.pages >= baselinePages {
			t.finishBaseline()
		}
		return nil
	}
	if t.pageRecords > 0 {
		drifts = t.vanished(drifts)
	}
	return drifts
}

// learn adds the scanned record to the baseline.
func (t *Tracker) learn(fields []pagescan.Field) {
	for _, f := range fields {
		st := t.fields[string(f.Path)]
		if st == nil {
			st = &fieldStat{name: string(f.Path), inBaseline: true}
			t.fields[st.name] = st
			t.learned = append(t.learned, st)
		}
		st.types = st.types.with(f.Kind)
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
func (t *Tracker) compare(drifts []Drift, fields []pagescan.Field) []Drift {
	if cap(t.prev) < len(fields) {
		t.prev = append(t.prev[:cap(t.prev)], make([]*fieldStat, len(fields)-cap(t.prev))...)
	}
	t.prev = t.prev[:len(fields)]
	for i, f := range fields {
		st := t.prev[i]
		if st == nil || st.name != string(f.Path) {
			st = t.fields[string(f.Path)]
			t.prev[i] = st
		}
		if st == nil {
			if len(t.fields) >= maxFields {
				continue
			}
			st = &fieldStat{name: string(f.Path), reported: reportedNew}
			t.fields[st.name] = st
			t.prev[i] = st
			drifts = append(drifts, Drift{
				Field: st.name, Change: ChangeNew,
				Now: f.Kind.String(), Example: shortExample(f.Value),
			})
			continue
		}
		if !st.inBaseline {
			continue
		}
		st.lastPage = t.pages
		if !st.types.has(f.Kind) && st.reported&reportedType == 0 {
			st.reported |= reportedType
			drifts = append(drifts, Drift{
				Field: st.name, Change: ChangeType,
				Was: st.types.String(), Now: f.Kind.String(), Example: shortExample(f.Value),
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
