package specimport

import (
	"fmt"
	"strings"

	"siphon/ingest/spec"
)

// Param is a parameter a request takes that could drive pagination: one in
// the query, or a top-level field of a POST's JSON body.
type Param struct {
	Name        string
	In          string // query | body
	Description string
	Max         int // the largest value allowed, 0 when not said
}

// Field is a value of the response body outside the records: its jq path
// (.meta.next_token), its key (next_token), and its JSON type (string,
// integer, number, boolean) when known.
type Field struct {
	Path, Key, Type, Format, Description string
}

// PagingInput is what a description says about one request's paging.
type PagingInput struct {
	Params     []Param
	Fields     []Field
	Headers    []string // names of the response's headers
	Records    string   // the records expression
	PrimaryKey string   // the records' identifying field, "" when unknown
}

// PagingGuess is the pagination guessed for a request.
type PagingGuess struct {
	Pagination spec.PaginationConfig
	// Uses are the parameters the paginator sends itself: they are not
	// asked for, nor set in the profile's params.
	Uses     []string
	Evidence string // why, in words; "" for none
}

// norm is a name without case and separators: page_token, pageToken and
// Page-Token are all pagetoken.
func norm(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func nameSet(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

var (
	cursorParams = nameSet("cursor", "after", "pagetoken", "nexttoken", "paginationtoken", "startingafter", "startcursor",
		"continuation", "continuationtoken", "marker", "pageinfo", "nextpagetoken", "scrollid", "aftercursor", "nextcursor")
	cursorFields = nameSet("nextcursor", "cursor", "nextpagetoken", "nexttoken", "endcursor", "after", "nextmarker",
		"continuation", "continuationtoken", "nextkey", "nextpageinfo", "startcursor", "nextstartcursor", "scrollid", "aftercursor")
	hasMoreFields = nameSet("hasmore", "hasnext", "hasnextpage", "more", "hasmoreitems", "hasmoreresults")
	nextURLFields = nameSet("next", "nexturl", "nextlink", "odatanextlink", "nextpageurl", "nextpage", "nextrecordsurl", "nexthref")
	offsetParams  = nameSet("offset", "skip", "start", "startat", "from", "startindex")
	pageParams    = nameSet("page", "pagenumber", "pageno", "pagenum", "pageindex")
	limitParams   = nameSet("limit", "perpage", "pagesize", "size", "count", "maxresults", "top", "first", "pagelimit", "maxitems", "take")
	totalFields   = nameSet("total", "totalcount", "totalresults", "totalsize", "totalitems", "totalrecords")
	pagesFields   = nameSet("totalpages", "lastpage", "pages", "pagecount", "numpages")
	// afterLastParams take the last record's id: the next page is the
	// records after it (Stripe's starting_after).
	afterLastParams = nameSet("startingafter", "after", "sinceid", "fromid", "afterid", "cursor")
)

// GuessPaging reads pagination from names: a Link response header, a
// cursor parameter with the response field that carries the next cursor
// (or a has_more flag, the cursor then being the last record's id), a next
// URL in the body, offset and limit, page and page size. Descriptions that
// mention a cursor count as a cursor's name.
func GuessPaging(in PagingInput) PagingGuess {
	find := func(set map[string]bool) *Param {
		for i := range in.Params {
			if set[norm(in.Params[i].Name)] {
				return &in.Params[i]
			}
		}
		return nil
	}
	var g PagingGuess
	pg := &g.Pagination
	use := func(p *Param) {
		g.Uses = append(g.Uses, p.Name)
		if p.In == "body" {
			pg.In = "body"
		}
	}
	limit := find(limitParams)
	setLimit := func() {
		if limit == nil {
			return
		}
		use(limit)
		pg.LimitParam, pg.Limit = limit.Name, 100
		if limit.Max > 0 && limit.Max < 100 {
			pg.Limit = limit.Max
		}
	}
	field := func(set map[string]bool, types ...string) *Field {
		for i := range in.Fields {
			f := &in.Fields[i]
			if set[norm(f.Key)] && (f.Type == "" || len(types) == 0 || contains(types, f.Type)) {
				return f
			}
		}
		return nil
	}
	hasMore := field(hasMoreFields, "boolean")
	stopOnHasMore := func() {
		if hasMore != nil {
			pg.StopWhen = hasMore.Path + " == false"
		}
	}

	cursor := find(cursorParams)
	if cursor == nil {
		for i := range in.Params {
			if d := strings.ToLower(in.Params[i].Description); strings.Contains(d, "cursor") && !limitParams[norm(in.Params[i].Name)] {
				cursor = &in.Params[i]
				break
			}
		}
	}
	nextURL := nextURLField(in.Fields, cursor != nil)

	switch {
	case hasHeader(in.Headers, "Link"):
		pg.Type = spec.PageLinkHeader
		setLimit()
		g.Evidence = "the response has a Link header"
	case cursor != nil && cursorField(in.Fields, cursor.Name) != nil:
		f := cursorField(in.Fields, cursor.Name)
		pg.Type, pg.CursorParam, pg.CursorPath = spec.PageCursor, cursor.Name, f.Path
		use(cursor)
		setLimit()
		stopOnHasMore()
		g.Evidence = fmt.Sprintf("parameter %s takes the cursor the response gives at %s", cursor.Name, f.Path)
	case cursor != nil && hasMore != nil && afterLastParams[norm(cursor.Name)] && in.PrimaryKey != "" && in.Records != "":
		pg.Type, pg.CursorParam = spec.PageCursor, cursor.Name
		pg.CursorPath = strings.TrimSuffix(in.Records, ".") + "[-1]." + in.PrimaryKey
		if in.Records == "." {
			pg.CursorPath = ".[-1]." + in.PrimaryKey
		}
		use(cursor)
		setLimit()
		stopOnHasMore()
		g.Evidence = fmt.Sprintf("%s says whether there is more, and %s takes the last record's %s", hasMore.Path, cursor.Name, in.PrimaryKey)
	case nextURL != nil:
		pg.Type, pg.NextURLPath = spec.PageNextURL, nextURL.Path
		setLimit()
		g.Evidence = fmt.Sprintf("the response gives the next page's URL at %s", nextURL.Path)
	case find(offsetParams) != nil && limit != nil:
		off := find(offsetParams)
		pg.Type, pg.OffsetParam = spec.PageOffset, off.Name
		use(off)
		setLimit()
		if t := field(totalFields, "integer", "number"); t != nil {
			pg.TotalPath = t.Path
		}
		g.Evidence = fmt.Sprintf("parameters %s and %s", off.Name, limit.Name)
	case find(pageParams) != nil:
		page := find(pageParams)
		pg.Type, pg.PageParam = spec.PagePage, page.Name
		use(page)
		setLimit()
		if t := field(pagesFields, "integer", "number"); t != nil {
			pg.TotalPagesPath = t.Path
		} else if t := field(totalFields, "integer", "number"); t != nil {
			pg.TotalPath = t.Path
		}
		g.Evidence = "parameter " + page.Name
	default:
		pg.Type = spec.PageNone
		if cursor != nil {
			g.Evidence = fmt.Sprintf("parameter %s looks like a cursor, but the response names no field that carries the next one", cursor.Name)
		}
	}
	return g
}

// cursorField is the response field that carries the next cursor for
// param: one whose name matches the parameter's best (next_cursor for
// cursor, next_token for pagination_token), else any cursor-like one.
func cursorField(fields []Field, param string) *Field {
	p := norm(param)
	var any *Field
	for i := range fields {
		f := &fields[i]
		k := norm(f.Key)
		if !cursorFields[k] || (f.Type != "" && f.Type != "string") {
			continue
		}
		if k == p || k == "next"+p || strings.TrimPrefix(k, "next") == strings.TrimPrefix(p, "next") {
			return f
		}
		if any == nil {
			any = f
		}
	}
	return any
}

// nextURLField is a field that holds the next page's URL. A bare "next"
// holds a URL only when the description says so (format uri, a
// description naming a URL or link) or no cursor parameter could take it.
func nextURLField(fields []Field, haveCursor bool) *Field {
	for i := range fields {
		f := &fields[i]
		k := norm(f.Key)
		if !nextURLFields[k] || (f.Type != "" && f.Type != "string") {
			continue
		}
		d := strings.ToLower(f.Description)
		saysURL := f.Format == "uri" || f.Format == "url" || strings.Contains(d, "url") || strings.Contains(d, "link") || strings.Contains(k, "url") || strings.Contains(k, "link")
		if saysURL || !haveCursor {
			return f
		}
	}
	return nil
}

func hasHeader(names []string, want string) bool {
	for _, n := range names {
		if strings.EqualFold(n, want) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// JQKey is a key as a jq path step: .name, or .["odd key"].
func JQKey(path, key string) string {
	ok := key != ""
	for i, r := range key {
		if !(r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')) {
			ok = false
		}
	}
	if path == "." {
		path = ""
	}
	if ok {
		return path + "." + key
	}
	return path + `.["` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(key) + `"]`
}

// IsPositionParam reports whether a parameter of this name says where in
// the list a request is (page, offset, cursor): a recorded request's value
// for it belongs to the page it was recorded on, not to the profile.
func IsPositionParam(name string) bool {
	n := norm(name)
	return offsetParams[n] || pageParams[n] || cursorParams[n]
}
