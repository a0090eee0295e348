package paginate

import (
	"slices"

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

var (
	registry = map[string]Def{}
	names    []string
)

// The styles, in the order the documentation lists them. A new style is
// one file that defines it plus one line here (or a Register call of its
// own, as the tests do): nothing else in siphon names a style.
func init() {
	Register(spec.PageNone, Def{New: newNone})
	Register(spec.PageOffset, Def{New: newOffset})
	Register(spec.PagePage, Def{New: newPageNumber})
	Register(spec.PageCursor, Def{New: newCursor})
	Register(spec.PageNextURL, Def{New: newNextURL})
	Register(spec.PageLinkHeader, Def{New: newLinkHeader})
	Register(spec.PageKeyset, Def{New: newKeyset, Defaults: keysetDefaults, Incremental: true})
	Register(spec.PageTimestamp, Def{New: newTimestamp, Defaults: timestampDefaults, Incremental: true})
}

// Register adds a style under its name, the profile's pagination.type.
// Call it while the program initialises, before any walk: the registry is
// not guarded for use from several goroutines.
func Register(name string, def Def) {
	if _, dup := registry[name]; dup {
		panic("paginate: style " + name + " registered twice")
	}
	registry[name] = def
	names = append(names, name)
	if def.Defaults != nil {
		spec.RegisterStyleDefaults(name, def.Defaults)
	}
}

// Names lists the registered styles in the order they were registered.
func Names() []string { return slices.Clone(names) }

// Incremental reports whether a style's position is a filter on the data,
// so that a finished walk fetches what came since when started again.
// Unknown styles are not.
func Incremental(name string) bool { return registry[name].Incremental }
