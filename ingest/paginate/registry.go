package paginate

import (
	"siphon/ingest/paginate/styles"
	"siphon/ingest/spec"
)

// Def describes a pagination style to the registry.
type Def struct {
	// New builds the style for a pagination block, defaults applied. It
	// rejects a block the style cannot walk (a missing path, a bad start).
	New func(cfg spec.PaginationConfig, primaryKey []string) (Style, error)
	// Defaults, if set, fills the fields this style defaults on its own;
	// spec.Config.ApplyDefaults calls it.
	Defaults func(*spec.PaginationConfig)
	// Incremental marks a style whose position is a filter on the data
	// (records newer than a mark): a finished walk resumes to fetch what
	// came since, and a probed URL's filter value becomes pagination.start.
	Incremental bool
}

var registry = map[string]Def{}

// The walks of the styles siphon ships. Their names, defaults and order
// are package styles' (the profile loader reads them there without
// linking the walks). A style of one's own is one file that defines it
// plus a Register call, as the tests do.
func init() {
	builtin(spec.PageNone, newNone)
	builtin(spec.PageOffset, newOffset)
	builtin(spec.PagePage, newPageNumber)
	builtin(spec.PageCursor, newCursor)
	builtin(spec.PageNextURL, newNextURL)
	builtin(spec.PageLinkHeader, newLinkHeader)
	builtin(spec.PageKeyset, newKeyset)
	builtin(spec.PageTimestamp, newTimestamp)
	for _, name := range styles.Names() {
		if _, ok := registry[name]; !ok {
			panic("paginate: style " + name + " has no walk")
		}
	}
}

// builtin gives a style package styles names its walk.
func builtin(name string, newStyle func(spec.PaginationConfig, []string) (Style, error)) {
	s, ok := styles.Lookup(name)
	if !ok {
		panic("paginate: style " + name + " is not in package styles")
	}
	registry[name] = Def{New: newStyle, Defaults: s.Defaults, Incremental: s.Incremental}
}

// Register adds a style under its name, the profile's pagination.type, and
// makes its name and defaults known to package styles. Call it while the
// program initialises, before any walk: the registry is not guarded for use
// from several goroutines.
func Register(name string, def Def) {
	styles.Register(name, styles.Style{Defaults: def.Defaults, Incremental: def.Incremental})
	registry[name] = def
}
