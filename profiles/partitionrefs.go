package profiles

import (
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"siphon/ingest/partition"
	"siphon/ingest/spec"
)

// checkPartitionRefs makes the run's check of ${partition.*} references
// (partition.CheckRefs) here, with positions, so that profiles check
// catches what run would refuse: a reference the partitioning cannot fill
// is named at the value that holds it, a partitioning no request uses at
// its partitions key.
func checkPartitionRefs(d *decoder, cfg *spec.Config) {
	kinds, kind := cfg.Partitions.Kinds(), cfg.Partitions.Kind()
	if len(kinds) > 1 || len(kinds) == 1 && kind == "" {
		return // checkPartitions has said what is wrong with partitions
	}
	used := false
	check := func(key, sub, text string) {
		names := partition.RefsIn(text)
		used = used || len(names) > 0
		for _, name := range names {
			if err := partition.CheckRef(kind, name); err != nil {
				n, field := refNode(d, key, sub)
				d.at(n, field, "%v", err)
				return // once per value
			}
		}
	}
	check("path", "", cfg.Path)
	for _, k := range slices.Sorted(maps.Keys(cfg.Params)) {
		check("params", k, cfg.Params[k])
	}
	for _, k := range slices.Sorted(maps.Keys(cfg.Headers)) {
		check("headers", k, cfg.Headers[k])
	}
	check("body", "", string(cfg.Body))
	if !used && kind != "" {
		e := d.entries["partitions."+kind]
		d.at(e.keyNode, e.field, "%v", partition.ErrUnused)
	}
}

// refNode is where a value of path, body, params.SUB or headers.SUB is
// written, and its field name: the value's node when it can be found, else
// its key's.
func refNode(d *decoder, key, sub string) (*yaml.Node, string) {
	e := d.entries[key]
	if sub == "" {
		if v := deref(e.val); v != nil {
			return v, e.field
		}
		return e.keyNode, e.field
	}
	field := joinField(e.field, sub)
	if m := deref(e.val); m != nil && m.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if strings.EqualFold(m.Content[i].Value, sub) {
				return deref(m.Content[i+1]), field
			}
		}
	}
	return e.keyNode, field
}
