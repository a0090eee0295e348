package spec

import "time"

// PartitionsConfig splits a profile's data into partitions, each walked on
// its own: exactly one of its fields is set.
type PartitionsConfig struct {
	Ints   IntPartitions  // id windows [start, end)
	Dates  DatePartitions // time windows [start, end)
	Values []string       // one partition per value
	From   FromPartitions // one partition per value over another profile's records
}

// IntPartitions are integer windows [Start, End) of Every each; the last
// may be shorter.
type IntPartitions struct{ Start, End, Every int }

// DatePartitions are time windows [Start, End) (RFC 3339) of Every each.
type DatePartitions struct {
	Start, End string
	Every      time.Duration
}

// FromPartitions takes the partitions' values from another profile's
// records: the jq expression Records applied to each of its records.
type FromPartitions struct {
	Profile string
	Records string
	// Dir is the other profile's output folder. The caller that loads the
	// profiles sets it (as its run would resolve it); empty: not resolved.
	Dir string
}

// Partition kinds, as PartitionsConfig.Kind names them.
const (
	PartitionInts   = "ints"
	PartitionDates  = "dates"
	PartitionValues = "values"
	PartitionFrom   = "from"
)

// Kind names the kind of partitions set ("" when none).
func (p PartitionsConfig) Kind() string {
	switch {
	case p.Ints.Every > 0:
		return PartitionInts
	case p.Dates.Every > 0:
		return PartitionDates
	case len(p.Values) > 0:
		return PartitionValues
	case p.From.Profile != "":
		return PartitionFrom
	}
	return ""
}

// Kinds counts the kinds set; a valid profile has at most one.
func (p PartitionsConfig) Kinds() []string {
	var out []string
	if p.Ints != (IntPartitions{}) {
		out = append(out, PartitionInts)
	}
	if p.Dates != (DatePartitions{}) {
		out = append(out, PartitionDates)
	}
	if len(p.Values) > 0 {
		out = append(out, PartitionValues)
	}
	if p.From.Profile != "" || p.From.Records != "" {
		out = append(out, PartitionFrom)
	}
	return out
}
