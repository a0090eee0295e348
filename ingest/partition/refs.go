package partition

import (
	"errors"
	"fmt"
	"regexp"

	"siphon/ingest/spec"
)

// ref matches the references a profile may use for its partition.
var ref = regexp.MustCompile(`\$\{partition\.(start|end|value)\}`)

// Refs reports which of start, end and value the fields a request is made
// of (path, body, params, headers) mention as ${partition.*}.
func Refs(cfg *spec.Config) map[string]bool {
	refs := map[string]bool{}
	add := func(s string) {
		for _, name := range RefsIn(s) {
			refs[name] = true
		}
	}
	add(cfg.Path)
	add(string(cfg.Body))
	for _, v := range cfg.Params {
		add(v)
	}
	for _, v := range cfg.Headers {
		add(v)
	}
	return refs
}

// RefsIn lists the references in s by name (start, end, value), in order.
func RefsIn(s string) []string {
	var names []string
	for _, m := range ref.FindAllStringSubmatch(s, -1) {
		names = append(names, m[1])
	}
	return names
}

// ErrUnused is a partitioning that no request uses.
var ErrUnused = errors.New("partitions are set but no path, params, headers or body use ${partition.start}, ${partition.end} or ${partition.value}: every partition would fetch the same data")

// CheckRef refuses ${partition.NAME} where a partitioning of kind (""
// for none) cannot fill it.
func CheckRef(kind, name string) error {
	switch {
	case kind == "":
		return errors.New("${partition.*} is used but the profile has no partitions")
	case (name == "start" || name == "end") && (kind == spec.PartitionValues || kind == spec.PartitionFrom):
		return fmt.Errorf("partitions.%s gives ${partition.value}, not ${partition.start} or ${partition.end}", kind)
	case name == "value" && (kind == spec.PartitionInts || kind == spec.PartitionDates):
		return fmt.Errorf("partitions.%s gives ${partition.start} and ${partition.end}, not ${partition.value}", kind)
	}
	return nil
}

// CheckRefs refuses references the partitioning cannot fill, and a
// partitioning no request uses (every partition would fetch the same).
func CheckRefs(cfg *spec.Config) error {
	refs := Refs(cfg)
	kind := cfg.Partitions.Kind()
	if len(refs) == 0 && kind != "" {
		return ErrUnused
	}
	for _, name := range []string{"start", "end", "value"} {
		if refs[name] {
			if err := CheckRef(kind, name); err != nil {
				return err
			}
		}
	}
	return nil
}
