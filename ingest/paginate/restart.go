package paginate

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"siphon/ingest/page"
	"siphon/ingest/paginate/lastref"
	"siphon/ingest/spec"
)

// Many APIs that page by offset stop serving past a depth (Zendesk's
// 10,000 records, Elasticsearch's max_result_window). pagination.restart
// gets past it: before a request would reach past `after` records, or when
// the API answers with its cap error, the walk starts again from its first
// page with params added, filled from the last record written
// (id_gte=${last.id}). The records at the boundary come again and are
// dropped by primary key. All of it lives in Position.Restart, so a
// checkpoint taken anywhere (before, at, or after a restart) resumes.

// RestartState is a walk's restart bookkeeping, in the checkpoint.
// Positions share it by pointer: it is replaced, never changed in place.
type RestartState struct {
	N      int               `json:"n,omitempty"`      // restarts so far
	Params map[string]string `json:"params,omitempty"` // what the current walk adds to each request
	// Skip are the primary keys of the records the restarted walk fetches
	// again (those at the boundary); they are dropped until a page brings
	// a record past them.
	Skip []string `json:"skip,omitempty"`
	// Last holds the ${last.FIELD} values of the last record written, from
	// page LastPage; Bad, when set, says why one cannot be sent.
	Last     map[string]string `json:"last,omitempty"`
	LastPage int               `json:"last_page,omitempty"`
	Bad      string            `json:"bad,omitempty"`
	// Tail are the primary keys of the records at the end of LastPage that
	// share Last's values: the records a restart fetches again.
	Tail []string `json:"tail,omitempty"`
	// Fresh is set until the restarted walk's first records: they must not
	// come before Last, or the API ignored the params.
	Fresh bool `json:"fresh,omitempty"`
}

// Restarted is a restart that happened, for the run's event.
type Restarted struct {
	N      int    // 1 for the first
	Page   int    // the last page before it
	From   string // where the walk stood: offset=400
	Params string // what the new walk adds: id_gte=401
	Cause  string // the cap (after) or the API's error
}

func (r Restarted) String() string {
	return fmt.Sprintf("restart %d after %s: %s (%s)", r.N, r.From, r.Params, r.Cause)
}

// maxLastValue bounds a ${last.FIELD} value: it is sent as a parameter and
// kept in the checkpoint.
const maxLastValue = 1024

// maxTail bounds the boundary keys kept: more records than this sharing
// one value cannot be restarted past.
const maxTail = 10000

// restarter is pagination.restart, checked.
type restarter struct {
	cfg        spec.Restart
	typ        string
	limit      int64
	startPage  int
	primaryKey []string
	refs       []string // the FIELDs of ${last.FIELD}, sorted
}

func newRestarter(cfg spec.PaginationConfig, primaryKey []string) (*restarter, error) {
	rc := cfg.Restart
	if !rc.IsSet() {
		return nil, nil
	}
	if cfg.Type != spec.PageOffset && cfg.Type != spec.PagePage {
		return nil, fmt.Errorf("pagination.restart: only offset and page walks restart, not %s", cfg.Type)
	}
	if rc.After <= 0 {
		return nil, fmt.Errorf("pagination.restart.after: must be a positive record count, got %d", rc.After)
	}
	if cfg.Limit <= 0 {
		return nil, fmt.Errorf("pagination.restart needs pagination.limit (the page size) to tell where the cap falls")
	}
	if rc.After < cfg.Limit {
		return nil, fmt.Errorf("pagination.restart.after (%d) is less than pagination.limit (%d): no page fits under the cap", rc.After, cfg.Limit)
	}
	if len(primaryKey) == 0 {
		return nil, fmt.Errorf("pagination.restart needs primary_key: the records at the boundary come again and are dropped by it")
	}
	if s := rc.OnError.Status; s != 0 && (s < 400 || s > 599) {
		return nil, fmt.Errorf("pagination.restart.on_error.status %d: must be 400 to 599 (an answer with status %d is a page, not a cap error; error_when reads errors in such bodies)", s, s)
	}
	refs, err := RestartRefs(rc.Params)
	if err != nil {
		return nil, err
	}
	return &restarter{cfg: rc, typ: cfg.Type, limit: int64(cfg.Limit), startPage: cfg.StartPage, primaryKey: primaryKey, refs: refs}, nil
}

// RestartRefs checks pagination.restart.params and returns the fields
// their ${last.FIELD} references name: at least one, and no other kind of
// reference.
func RestartRefs(params map[string]string) ([]string, error) {
	if len(params) == 0 {
		return nil, fmt.Errorf("pagination.restart.params: give the parameters that filter past the last record, e.g. {id_gte: \"${last.id}\"}")
	}
	set := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(params)) {
		fields, err := lastref.Refs(params[name])
		if err != nil {
			return nil, fmt.Errorf("pagination.restart.params.%s: %w", name, err)
		}
		for _, f := range fields {
			set[f] = true
		}
	}
	if len(set) == 0 {
		return nil, ErrNoLastRef
	}
	return slices.Sorted(maps.Keys(set)), nil
}

// ErrNoLastRef is restart params that never change: no ${last.FIELD}.
var ErrNoLastRef = errors.New("pagination.restart.params: none refers to the last record (${last.FIELD}); a restart would fetch the same records again")

// due reports whether the request at pos would reach past the cap.
func (rs *restarter) due(pos Position) bool {
	switch rs.typ {
	case spec.PageOffset:
		return pos.Offset+rs.limit > int64(rs.cfg.After)
	case spec.PagePage:
		return int64(pos.Page-rs.startPage+1)*rs.limit > int64(rs.cfg.After)
	}
	return false
}

// capError reports whether an error answer is the API's pagination cap:
// on_error's status and text, or by default a 400 or 422 whose body says
// so in the words common APIs use.
func (rs *restarter) capError(status int, text string) bool {
	lower := strings.ToLower(text)
	if e := rs.cfg.OnError; e.IsSet() {
		if e.Status != 0 && status != e.Status {
			return false
		}
		if e.Status == 0 && status < 400 {
			return false
		}
		return e.Message == "" || strings.Contains(lower, strings.ToLower(e.Message))
	}
	if status != 400 && status != 422 {
		return false
	}
	for _, s := range []string{"pagination limit", "result window is too large", "max_result_window", "too deep"} {
		if strings.Contains(lower, s) {
			return true
		}
	}
	return strings.Contains(lower, "offset") && (strings.Contains(lower, "exceed") || strings.Contains(lower, "too large") || strings.Contains(lower, "limit reached"))
}

// observe notes the last record of a page that is written, for the next
// restart, and ends the skipping of boundary records once a page brings
// others. It replaces pos.Restart. The first records of a restarted walk
// that come before the boundary mean the API ignored the params: an error,
// before they are written twice.
func (rs *restarter) observe(pos *Position, r *Response) error {
	if len(r.Records) == 0 {
		return nil
	}
	st := pos.Restart.clone()
	if st.Fresh {
		if first, bad := rs.values(r.Records[0]); bad == "" {
			for _, f := range rs.refs {
				if CompareMarks(first[f], st.Last[f]) < 0 {
					return &AnomalyError{fmt.Sprintf("restart %d sent %s, yet page %d starts with %s %s, before the last record written (%s %s): the API ignores the restart parameters, or does not order by %s; stopping before writing records twice", st.N, showParams(st.Params), r.PageNo, f, first[f], f, st.Last[f], f)}
				}
			}
		}
	}
	st.Skip, st.Fresh = nil, false
	last := r.Records[len(r.Records)-1]
	vals, bad := rs.values(last)
	st.Last, st.LastPage, st.Bad, st.Tail = vals, r.PageNo, bad, nil
	if bad == "" {
		for i := len(r.Records) - 1; i >= 0 && len(st.Tail) < maxTail; i-- {
			if v, b := rs.values(r.Records[i]); b != "" || !maps.Equal(v, vals) {
				break
			}
			st.Tail = append(st.Tail, recordKey(r.Records[i], rs.primaryKey))
		}
	}
	pos.Restart = st
	return nil
}

// values reads the referenced fields of a record, or says what is wrong.
func (rs *restarter) values(rec json.RawMessage) (map[string]string, string) {
	out := make(map[string]string, len(rs.refs))
	for _, f := range rs.refs {
		v, err := page.Field(rec, f)
		if err != nil || v == nil || page.IsNull(v) {
			return nil, "has no field " + f
		}
		text, err := page.ScalarText(v)
		if err != nil {
			return nil, fmt.Sprintf("field %s is not a string or number", f)
		}
		if len(text) > maxLastValue {
			return nil, fmt.Sprintf("field %s is %d bytes long, more than the %d a restart sends", f, len(text), maxLastValue)
		}
		out[f] = text
	}
	return out, ""
}

// begin moves pos to the first page of a restarted walk, or says why it
// cannot restart. from is where the walk stood.
func (rs *restarter) begin(pos *Position, start Position, from, cause string) (*Restarted, error) {
	st := pos.Restart
	if st == nil || st.LastPage == 0 {
		return nil, fmt.Errorf("pagination.restart: %s came before any record was written, so there is nothing to restart after", cause)
	}
	if st.Bad != "" {
		return nil, fmt.Errorf("pagination.restart.params: the last record of page %d %s, so the walk cannot restart past it (%s); the records before it are saved, and a run after the profile is fixed goes on from there", st.LastPage, st.Bad, cause)
	}
	params := make(map[string]string, len(rs.cfg.Params))
	for name, tmpl := range rs.cfg.Params {
		v, err := lastref.Fill(tmpl, func(field string) (string, bool) {
			v, ok := st.Last[field]
			return v, ok
		})
		if err != nil {
			return nil, fmt.Errorf("pagination.restart.params.%s: %w", name, err)
		}
		params[name] = v
	}
	shown := showParams(params)
	if st.N > 0 && maps.Equal(params, st.Params) {
		return nil, fmt.Errorf("pagination.restart made no progress: restart %d would send %s again, as restart %d did (no record past the boundary came back before %s); stopping instead of looping", st.N+1, shown, st.N, cause)
	}
	if len(st.Tail) >= maxTail {
		return nil, fmt.Errorf("pagination.restart: more than %d records share the boundary values %s; a restart cannot get past them", maxTail, shown)
	}
	next := &RestartState{N: st.N + 1, Params: params, Skip: st.Tail, Last: st.Last, LastPage: st.LastPage, Tail: st.Tail, Fresh: true}
	start.MaxPageSize = pos.MaxPageSize
	start.Restart = next
	*pos = start
	return &Restarted{N: next.N, Page: st.LastPage, From: from, Params: shown, Cause: cause}, nil
}

// dedup drops the boundary records a restarted walk fetches again.
func (rs *restarter) dedup(pos Position, recs []json.RawMessage) []json.RawMessage {
	if pos.Restart == nil || len(pos.Restart.Skip) == 0 {
		return recs
	}
	skip := make(map[string]bool, len(pos.Restart.Skip))
	for _, k := range pos.Restart.Skip {
		skip[k] = true
	}
	kept := recs[:0:0]
	for _, rec := range recs {
		if !skip[recordKey(rec, rs.primaryKey)] {
			kept = append(kept, rec)
		}
	}
	return kept
}

// addParams adds the current walk's restart parameters to a request.
func addParams(req *Request, pos Position) {
	if pos.Restart == nil || len(pos.Restart.Params) == 0 {
		return
	}
	if req.Query == nil {
		req.Query = url.Values{}
	}
	for k, v := range pos.Restart.Params {
		req.Query.Set(k, v)
	}
}

func (st *RestartState) clone() *RestartState {
	if st == nil {
		return &RestartState{}
	}
	c := *st
	return &c
}

// showParams is params as a query string, sorted: id_gte=401.
func showParams(params map[string]string) string {
	parts := make([]string, 0, len(params))
	for _, k := range slices.Sorted(maps.Keys(params)) {
		parts = append(parts, k+"="+params[k])
	}
	return strings.Join(parts, "&")
}

// describeCap is the cap a walk met before a request, for the event.
func (rs *restarter) describeCap() string {
	return "pagination.restart.after " + strconv.Itoa(rs.cfg.After)
}
