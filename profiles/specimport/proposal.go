package specimport

import (
	"fmt"
	"strings"

	"siphon/ingest/spec"
	"siphon/profiles"
)

// Proposal is one profile proposed for one request of a description.
type Proposal struct {
	Name    string // a profile name, unique among the proposals
	Method  string // as in the description (GET, POST)
	Path    string // as in the description, with its {parameters}
	Summary string
	Tag     string
	// Config is the profile. Secrets are ${VAR} references (Vars says
	// which); a value from the description is never written as is.
	Config spec.Config
	// Needs names the required parameters no value was given for: the
	// proposal cannot run until they are set (--set NAME=VALUE).
	Needs []string
	Vars  []Var    // environment variables the profile reads
	Notes []string // what was guessed or left out, one line each
	From  string   // where it came from, for the profile's head comment
}

// Var is an environment variable a proposal reads.
type Var struct {
	Name string
	Why  string
	// Value is the value the source held (a recorded request's token),
	// kept in memory so the probe can confirm the proposal; it is never
	// written or printed. Empty when the source had none.
	Value string
}

// YAML is the proposal as a profile file: a head comment that says where
// it came from and what to export, then the profile as profiles.Format
// writes it.
func (p *Proposal) YAML() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", oneLine(p.From))
	if len(p.Vars) > 0 {
		names := make([]string, len(p.Vars))
		for i, v := range p.Vars {
			names[i] = v.Name
		}
		fmt.Fprintf(&b, "# Export before running: %s\n", strings.Join(names, " "))
	}
	if len(p.Needs) > 0 {
		fmt.Fprintf(&b, "# Needs a value for: %s (give --set NAME=VALUE)\n", strings.Join(p.Needs, ", "))
	}
	cfg := p.Config
	if cfg.Name == "" {
		cfg.Name = p.Name
	}
	b.Write(profiles.Compact(&profiles.Profile{Config: cfg}))
	return []byte(b.String())
}

// Paging describes the proposal's pagination in a few words: the style
// and the names it uses.
func (p *Proposal) Paging() string { return PagingText(p.Config.Pagination) }

// PagingText describes pagination in a few words.
func PagingText(pg spec.PaginationConfig) string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+" "+v)
		}
	}
	switch pg.Type {
	case spec.PageCursor:
		add("param", pg.CursorParam)
		add("from", pg.CursorPath)
		add("header", pg.CursorHeader)
	case spec.PageOffset:
		add("param", pg.OffsetParam)
		add("total", pg.TotalPath)
	case spec.PagePage:
		add("param", pg.PageParam)
		add("pages", pg.TotalPagesPath)
		add("total", pg.TotalPath)
	case spec.PageNextURL:
		add("from", pg.NextURLPath)
		add("header", pg.NextURLHeader)
	case spec.PageLinkHeader:
		add("rel", "next")
	case "", spec.PageNone:
		return "none"
	}
	if pg.LimitParam != "" && pg.Type != spec.PageNone {
		add("size", fmt.Sprintf("%s=%d", pg.LimitParam, pg.Limit))
	}
	add("in", pg.In)
	add("stop_when", pg.StopWhen)
	if len(parts) == 0 {
		return pg.Type
	}
	return pg.Type + " (" + strings.Join(parts, ", ") + ")"
}

// oneLine keeps a description's text to one printable line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
	if len([]rune(s)) > 120 {
		s = string([]rune(s)[:119]) + "…"
	}
	return s
}

// OneLine is oneLine for callers that print a description's text (a
// summary): one line, no control characters, at most 120 characters.
func OneLine(s string) string { return oneLine(s) }
