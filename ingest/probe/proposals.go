package probe

import (
	"fmt"
	"strings"

	"siphon/ingest/paginate"
	"siphon/ingest/spec"
)

// What the probe proposes besides pagination, from the same first page.

// stopWhen proposes pagination.stop_when from an end flag on the page.
func stopWhen(scalars []scalarPath) string {
	for _, sp := range scalars {
		if _, ok := sp.value.(bool); !ok || strings.Count(sp.path, ".") > 2 {
			continue
		}
		for _, f := range paginate.EndFlags {
			if sp.key == f.Field {
				if f.Last {
					return sp.path
				}
				return sp.path + " | not"
			}
		}
	}
	return ""
}

// proposeErrors proposes error_when and error_message when the body has
// the fields by which its API says it failed.
func (s *session) proposeErrors() {
	if s.top == nil {
		return
	}
	if _, ok := s.top["ok"].(bool); ok {
		s.rep.ErrorWhen, s.rep.ErrorMessage = ".ok == false", ".error"
		s.say("the body has ok: the API reports errors with ok: false and HTTP 200 (error_when)")
		return
	}
	if _, ok := s.top["errors"]; ok {
		s.rep.ErrorWhen, s.rep.ErrorMessage = "(.errors // []) | length > 0", `[.errors[] | .message // tostring] | join("; ")`
		s.say("the body has errors: the API reports errors there with HTTP 200 (error_when)")
	}
}

// checkTotal warns when the API declares more records than the proposal
// will fetch.
func (s *session) checkTotal() {
	total, at := s.declaredTotal()
	if total.N > int64(len(s.recs)) && s.rep.Pagination.Type == spec.PageNone {
		s.rep.Warnings = append(s.rep.Warnings, fmt.Sprintf("the API declares %s records (%s) but this page has %d and no way to the next page was confirmed: a run of this profile will fail with total_mismatch", total, at, len(s.recs)))
	}
}
