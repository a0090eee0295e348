package profiles

import (
	"math"
	"slices"
	"strings"

	"siphon/ingest/partition"
	"siphon/ingest/spec"
)

// checkRateLimit: one budget, given one way.
func checkRateLimit(d *decoder, _ *spec.Config) {
	perSecond, perMinute := "rate_limit.requests_per_second", "rate_limit.requests_per_minute"
	if !d.ok[perSecond] || !d.ok[perMinute] {
		return
	}
	later := d.entries[perSecond]
	if e := d.entries[perMinute]; e.keyNode.Line > later.keyNode.Line {
		later = e
	}
	d.at(later.keyNode, later.field, "give requests_per_second or requests_per_minute, not both")
}

// checkRetry compares what will apply, defaults included: initial_backoff:
// 2m alone is as wrong as max_backoff below it.
func checkRetry(d *decoder, c *spec.Config) {
	r := &c.Retry
	initial, maxB := cmpOr(r.InitialBackoff, spec.DefaultInitialBackoff), cmpOr(r.MaxBackoff, spec.DefaultMaxBackoff)
	if maxB >= initial {
		return
	}
	if d.ok["retry.max_backoff"] {
		e := d.entries["retry.max_backoff"]
		d.at(e.val, e.field, "must be at least initial_backoff (%s), got %s", shortDuration(initial), shortDuration(maxB))
	} else {
		e := d.entries["retry.initial_backoff"]
		d.at(e.val, e.field, "must be at most max_backoff (%s, the default), got %s", shortDuration(maxB), shortDuration(initial))
	}
}

// statuses reads on_status: HTTP statuses 100 to 599. An empty list is kept
// (retry on no status), unlike an absent one (the defaults).
func (d *decoder) statuses(e entry) []int {
	items, ok := d.list(e.val, e.field)
	if !ok {
		return nil
	}
	out := []int{}
	for i, item := range items {
		f := itemField(e.field, i)
		v, ok := d.integer(item, f, math.MinInt)
		if isNull(item) {
			d.at(item, f, "expected an HTTP status, got null")
		}
		if !ok {
			continue
		}
		if v < 100 || v > 599 {
			d.at(item, f, "expected an HTTP status from 100 to 599, got %d", v)
			continue
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// cmpOr is v, or def when v is zero.
func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// checkPartitions wants exactly one kind of partitions, and windows that
// make sense.
func checkPartitions(d *decoder, c *spec.Config) {
	kinds := c.Partitions.Kinds()
	if len(kinds) > 1 {
		e := d.entries["partitions."+kinds[1]]
		d.at(e.keyNode, e.field, "give exactly one of ints, dates, values, from; got %s", strings.Join(kinds, " and "))
		return
	}
	if len(kinds) == 0 {
		return
	}
	if _, err := partition.NewSet(spec.PartitionsConfig{Ints: c.Partitions.Ints, Dates: c.Partitions.Dates, Values: c.Partitions.Values}, nil); err != nil && kinds[0] != "from" {
		e := d.entries["partitions."+kinds[0]]
		d.at(e.keyNode, e.field, "%s", strings.TrimPrefix(strings.TrimPrefix(err.Error(), "partitions."+kinds[0]+": "), "partitions: "))
	}
	if kinds[0] == "from" && c.Partitions.From.Profile == "" {
		e := d.entries["partitions.from"]
		d.at(e.keyNode, e.field, "needs profile: the profile whose records give the values")
	}
	if kinds[0] != "from" && c.Partitions.Kind() == "" {
		e := d.entries["partitions."+kinds[0]]
		d.at(e.keyNode, e.field, "needs every > 0")
	}
}
