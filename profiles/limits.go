package profiles

import (
	"math"
	"slices"

	"go.yaml.in/yaml/v3"

	"siphon/ingest"
)

var rateLimitKeys = []string{"requests_per_second", "requests_per_minute", "burst", "respect_headers"}

// rateLimit reads the rate_limit section.
func (d *decoder) rateLimit(sec entry, r *ingest.RateLimitConfig) {
	var perSecond, perMinute *entry
	for _, e := range d.mapping(sec.val, sec.field) {
		switch e.key {
		case "requests_per_second":
			if v, ok := d.number(e.val, e.field); ok {
				r.RequestsPerSecond, perSecond = v, &e
			}
		case "requests_per_minute":
			if v, ok := d.number(e.val, e.field); ok {
				r.RequestsPerSecond, perMinute = v/60, &e
			}
		case "burst":
			r.Burst, _ = d.integer(e.val, e.field, 1)
		case "respect_headers":
			if v, ok := d.boolean(e.val, e.field); ok {
				r.IgnoreHeaders = !v
			}
		default:
			d.unknown(e, rateLimitKeys)
		}
	}
	if perSecond != nil && perMinute != nil {
		later := perSecond
		if perMinute.keyNode.Line > perSecond.keyNode.Line {
			later = perMinute
		}
		d.at(later.keyNode, later.field, "give requests_per_second or requests_per_minute, not both")
	}
}

var retryKeys = []string{"max_attempts", "initial_backoff", "max_backoff", "on_status", "max_retry_after"}

// retry reads the retry section.
func (d *decoder) retry(sec entry, r *ingest.RetryConfig) {
	var initialNode, maxNode *yaml.Node
	for _, e := range d.mapping(sec.val, sec.field) {
		switch e.key {
		case "max_attempts":
			r.MaxAttempts, _ = d.integer(e.val, e.field, 1)
		case "initial_backoff":
			if v, ok := d.duration(e.val, e.field); ok {
				r.InitialBackoff, initialNode = v, e.val
			}
		case "max_backoff":
			if v, ok := d.duration(e.val, e.field); ok {
				r.MaxBackoff, maxNode = v, e.val
			}
		case "max_retry_after":
			r.MaxRetryAfter, _ = d.duration(e.val, e.field)
		case "on_status":
			r.OnStatus = d.statuses(e)
		default:
			d.unknown(e, retryKeys)
		}
	}
	// Compare what will apply, defaults included: initial_backoff: 2m alone
	// is as wrong as max_backoff below it.
	initial, maxB := cmpOr(r.InitialBackoff, ingest.DefaultInitialBackoff), cmpOr(r.MaxBackoff, ingest.DefaultMaxBackoff)
	if maxB < initial {
		if maxNode != nil {
			d.at(maxNode, joinField(sec.field, "max_backoff"), "must be at least initial_backoff (%s), got %s", shortDuration(initial), shortDuration(maxB))
		} else {
			d.at(initialNode, joinField(sec.field, "initial_backoff"), "must be at most max_backoff (%s, the default), got %s", shortDuration(maxB), shortDuration(initial))
		}
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
