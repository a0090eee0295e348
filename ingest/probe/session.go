package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"siphon/ingest"
	"siphon/ingest/paginate"
	"siphon/ingest/redact"
	"siphon/ingest/spec"
)

// session is what the detectors know of the first page, and how they ask
// the API for another.
type session struct {
	ctx     context.Context
	c       *ingest.Client
	rep     *Report
	first   ingest.Target // the probed request
	q       url.Values    // its query
	header  http.Header   // the first response's headers
	doc     any
	top     map[string]any // the body, when it is an object
	scalars []scalarPath   // the body's scalar fields outside arrays
	recs    []map[string]any
	seen    map[string]bool // the first page's records, by text
	body    map[string]any  // the probed POST's JSON body, nil for none

	// cursorSeen: a detector found a cursor on the page and tried it.
	cursorSeen bool
	// triedCounters says which counting parameters counterTrial tried in
	// vain, for the verdict.
	triedCounters string
}

func newSession(ctx context.Context, c *ingest.Client, rep *Report, first ingest.Target, header http.Header, doc any, recs []map[string]any) *session {
	s := &session{ctx: ctx, c: c, rep: rep, first: first, q: first.URL.Query(), header: header, doc: doc, scalars: scalarPaths(doc, ".", 0)}
	s.top, _ = doc.(map[string]any)
	s.recs, s.seen = recs, textsOf(recs)
	if cfg := c.Config(); len(cfg.Body) > 0 && cfg.Method == "POST" {
		_ = json.Unmarshal(cfg.Body, &s.body)
	}
	return s
}

// textsOf is a set of records by their text, to compare later pages' with.
func textsOf(recs []map[string]any) map[string]bool {
	seen := make(map[string]bool, len(recs))
	for _, r := range recs {
		seen[recordText(r)] = true
	}
	return seen
}

// propose asks the detectors for pagination, then proposes what the page
// also says: an end flag for stop_when, the fields errors come in, and a
// warning when a declared total is out of the proposal's reach.
func (s *session) propose() {
	p := s.guess()
	if p.StopWhen == "" && p.Type != spec.PageNone {
		p.StopWhen = stopWhen(s.scalars)
	}
	s.rep.Pagination = p
	s.proposeErrors()
	s.checkTotal()
}

// guess asks each detector in turn; the first to propose decides.
func (s *session) guess() spec.PaginationConfig {
	for _, detect := range detectors {
		f := detect(s)
		s.rep.Evidence = append(s.rep.Evidence, f.evidence...)
		s.cursorSeen = s.cursorSeen || f.cursorSeen
		if f.pagination != nil {
			s.rep.Confirmed = f.confirmed
			return *f.pagination
		}
	}
	return spec.PaginationConfig{Type: spec.PageNone}
}

// red is the client's redactor now: it grows as tokens arrive.
func (s *session) red() *redact.Redactor { return s.c.Redactor() }

// say adds evidence outside any detector.
func (s *session) say(format string, args ...any) {
	s.rep.Evidence = append(s.rep.Evidence, fmt.Sprintf(format, args...))
}

// reply is what a further request brought.
type reply struct {
	*ingest.Response
	records []map[string]any // at the records path
}

// fetch sends the probed request again with extra parameters: in the JSON
// body of a probed POST, else in the query.
func (s *session) fetch(extra url.Values) (*reply, error) {
	t := s.first
	t.In = "query"
	if s.body != nil {
		t.In = "body"
	}
	return s.send(t, extra)
}

// fetchFollowUp sends the follow-up request a pagination.next describes,
// with extra parameters where next puts them.
func (s *session) fetchFollowUp(next *spec.NextRequest, extra url.Values) (*reply, error) {
	t, err := s.c.FollowUp(next)
	if err != nil {
		return nil, err
	}
	return s.send(t, extra)
}

// send sends t with extra parameters (in its JSON body, for in: body; in
// its query otherwise) and reads the records at the records path.
func (s *session) send(t ingest.Target, extra url.Values) (*reply, error) {
	u := *t.URL
	if t.In == "body" {
		b, err := paginate.BodyWith(t.Body, extra)
		if err != nil {
			return nil, err
		}
		t.Body = b
	} else {
		q := u.Query()
		for k, vs := range extra {
			q[k] = vs
		}
		u.RawQuery = q.Encode()
	}
	t.URL = &u
	resp, err := s.c.SendOnce(s.ctx, t)
	if err != nil {
		return nil, err
	}
	doc, err := resp.Page.Decoded()
	if err != nil {
		return nil, err
	}
	// A GraphQL connection's records are compared as its edges.
	return &reply{Response: resp, records: objectsAt(doc, strings.TrimSuffix(s.rep.Records, "[].node"))}, nil
}

// fresh reports whether recs holds a record the first page did not.
func (s *session) fresh(recs []map[string]any) bool {
	for _, r := range recs {
		if !s.seen[recordText(r)] {
			return true
		}
	}
	return false
}

// anyOld reports whether recs repeats a record of the first page.
func (s *session) anyOld(recs []map[string]any) bool {
	for _, r := range recs {
		if s.seen[recordText(r)] {
			return true
		}
	}
	return false
}

// where says where a parameter goes, for evidence: ?name= or the body.
func (s *session) where(param string) string {
	if s.body != nil {
		return "body field " + param
	}
	return "?" + param + "="
}
