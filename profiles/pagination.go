package profiles

import (
	"slices"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"

	"siphon/ingest"
)

// paginationCommon are the pagination keys of every type.
var paginationCommon = []string{"type", "limit", "limit_param", "max_pages", "in"}

// paginationKeys are each pagination type's own keys.
var paginationKeys = styleKeys{
	ingest.PageOffset:     {"offset_param", "start", "total_path"},
	ingest.PagePage:       {"page_param", "start_page", "total_pages_path", "total_path"},
	ingest.PageCursor:     {"cursor_param", "cursor_path"},
	ingest.PageNextURL:    {"next_url_path"},
	ingest.PageLinkHeader: {"rel"},
	ingest.PageKeyset:     {"param", "field", "start"},
	ingest.PageTimestamp:  {"param", "field", "start", "inclusive"},
}

// paginationRequired are the keys a pagination type cannot do without.
var paginationRequired = map[string]string{
	ingest.PageCursor:  "cursor_path",
	ingest.PageNextURL: "next_url_path",
}

// pagination reads the pagination section.
func (d *decoder) pagination(sec entry, p *ingest.PaginationConfig) {
	entries := d.mapping(sec.val, sec.field)
	p.Type = ingest.PageNone
	typeKnown, typeGiven := true, false
	anchor := deref(sec.val) // where "missing" errors point
	for _, e := range entries {
		if e.key == "type" && !isNull(e.val) {
			anchor, typeGiven = e.val, true
			p.Type, typeKnown = d.oneOf(e.val, e.field, ingest.PaginationTypes...)
		}
	}
	given := map[string]bool{}
	for _, e := range entries {
		given[e.key] = !isNull(e.val)
		switch {
		case e.key == "type":
		case slices.Contains(paginationCommon, e.key) || slices.Contains(paginationKeys[p.Type], e.key):
			d.paginationField(e, p)
		case len(paginationKeys.owners(e.key, ingest.PaginationTypes)) > 0:
			if typeKnown {
				d.at(e.keyNode, e.field, "%s", misplaced(e.key, "pagination", paginationKeys.owners(e.key, ingest.PaginationTypes), p.Type, typeGiven))
			}
		default:
			d.unknown(e, paginationKeys.all(paginationCommon))
		}
	}
	if key, ok := paginationRequired[p.Type]; ok && typeKnown && !given[key] {
		d.at(anchor, joinField(sec.field, key), "required for pagination type %s", p.Type)
	}
}

// paginationField reads one key that applies to p.Type.
func (d *decoder) paginationField(e entry, p *ingest.PaginationConfig) {
	switch e.key {
	case "limit":
		p.Limit, _ = d.integer(e.val, e.field, 0)
	case "max_pages":
		p.MaxPages, _ = d.integer(e.val, e.field, 0)
	case "start_page":
		// 0 is the config's "unset" (ApplyDefaults makes it 1), so a
		// zero-based start_page cannot be expressed yet: refuse it, loudly.
		if v, ok := d.integer(e.val, e.field, 0); ok {
			if v == 0 {
				d.at(e.val, e.field, "must be 1 or more: zero-based pages are not supported yet")
			}
			p.StartPage = v
		}
	case "in":
		p.In, _ = d.oneOf(e.val, e.field, "query", "body")
	case "limit_param":
		p.LimitParam, _ = d.nonEmptyText(e.val, e.field)
	case "cursor_param":
		p.CursorParam, _ = d.nonEmptyText(e.val, e.field)
	case "offset_param":
		p.OffsetParam, _ = d.nonEmptyText(e.val, e.field)
	case "page_param":
		p.PageParam, _ = d.nonEmptyText(e.val, e.field)
	case "param":
		p.Param, _ = d.nonEmptyText(e.val, e.field)
	case "field":
		p.Field, _ = d.nonEmptyText(e.val, e.field)
	case "rel":
		p.Rel, _ = d.nonEmptyText(e.val, e.field)
	case "cursor_path":
		p.CursorPath, _ = d.jq(e.val, e.field)
	case "next_url_path":
		p.NextURLPath, _ = d.jq(e.val, e.field)
	case "total_path":
		p.TotalPath, _ = d.jq(e.val, e.field)
	case "total_pages_path":
		p.TotalPagesPath, _ = d.jq(e.val, e.field)
	case "inclusive":
		p.Inclusive, _ = d.boolean(e.val, e.field)
	case "start":
		p.Start = d.start(e, p.Type)
	}
}

// start reads the first position, whose form depends on the type.
func (d *decoder) start(e entry, typ string) string {
	switch typ {
	case ingest.PageOffset:
		if v, ok := d.integer(e.val, e.field, 0); ok {
			return strconv.Itoa(v)
		}
	case ingest.PageTimestamp:
		n := deref(e.val)
		if !isNull(n) && !isText(n) {
			d.at(n, e.field, "expected an RFC 3339 time such as 2024-01-01T00:00:00Z, got %s", describe(n))
			return ""
		}
		if s, ok := d.text(n, e.field); ok {
			if _, err := time.Parse(time.RFC3339, s); err != nil {
				d.at(n, e.field, "expected an RFC 3339 time such as 2024-01-01T00:00:00Z, got %q", s)
				return ""
			}
			return s
		}
	case ingest.PageKeyset:
		n := deref(e.val)
		switch {
		case isNull(n):
		case n.Kind != yaml.ScalarNode:
			d.at(n, e.field, "expected a value such as 0 or a key, got %s", describe(n))
		case isText(n):
			s, _ := d.text(n, e.field)
			return s
		default:
			return n.Value
		}
	}
	return ""
}
