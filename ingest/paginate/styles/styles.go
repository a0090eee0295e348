// Package styles names the pagination styles a profile may give as
// pagination.type, in the documentation's order, with the fields each
// fills by default and whether it is incremental. The code that walks
// them is package paginate, which needs the jq engine; this registry does
// not, so that the profile loader can check and default a profile without
// linking it.
package styles

import (
	"slices"

	"siphon/ingest/spec"
)

// Style is what is known of a style apart from its walk.
type Style struct {
	// Defaults, if set, fills the fields this style defaults on its own;
	// spec.Config.ApplyDefaults calls it.
	Defaults func(*spec.PaginationConfig)
	// Incremental marks a style whose position is a filter on the data
	// (records newer than a mark): a finished walk resumes to fetch what
	// came since, and a probed URL's filter value becomes pagination.start.
	Incremental bool
}

var (
	registry = map[string]Style{}
	names    []string
)

// The styles siphon ships, in the order the documentation lists them.
// Package paginate gives each its walk.
func init() {
	Register(spec.PageNone, Style{})
	Register(spec.PageOffset, Style{Defaults: endOnDefault})
	Register(spec.PagePage, Style{Defaults: endOnDefault})
	Register(spec.PageCursor, Style{})
	Register(spec.PageNextURL, Style{})
	Register(spec.PageLinkHeader, Style{})
	Register(spec.PageKeyset, Style{Defaults: keysetDefaults, Incremental: true})
	Register(spec.PageTimestamp, Style{Defaults: timestampDefaults, Incremental: true})
}

// offset and page walks end on an empty page unless told otherwise
// (pagination.end_on).
func endOnDefault(p *spec.PaginationConfig) { spec.SetDefault(&p.EndOn, spec.EndOnEmptyPage) }

// keyset asks for ?since_id=<the largest id seen>.
func keysetDefaults(p *spec.PaginationConfig) {
	spec.SetDefault(&p.Param, "since_id")
	spec.SetDefault(&p.Field, "id")
}

// timestamp is keyset over a time field: ?updated_after=<the latest
// updated_at seen>.
func timestampDefaults(p *spec.PaginationConfig) {
	spec.SetDefault(&p.Param, "updated_after")
	spec.SetDefault(&p.Field, "updated_at")
}

// Register adds a style under its name, the profile's pagination.type.
// paginate.Register calls it for a style it adds. Call it while the
// program initialises: the registry is not guarded for use from several
// goroutines.
func Register(name string, s Style) {
	if _, dup := registry[name]; dup {
		panic("styles: style " + name + " registered twice")
	}
	registry[name] = s
	names = append(names, name)
	if s.Defaults != nil {
		spec.RegisterStyleDefaults(name, s.Defaults)
	}
}

// Lookup is the style registered under name.
func Lookup(name string) (Style, bool) {
	s, ok := registry[name]
	return s, ok
}

// Names lists the registered styles in the order they were registered.
func Names() []string { return slices.Clone(names) }

// Incremental reports whether a style's position is a filter on the data,
// so that a finished walk fetches what came since when started again.
// Unknown styles are not.
func Incremental(name string) bool { return registry[name].Incremental }
