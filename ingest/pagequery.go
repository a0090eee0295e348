package ingest

import (
	"maps"
	"net/url"
	"slices"
)

// pageQuery builds the query of a walk's page requests: the endpoint's
// own query with the profile's params set, parsed and sorted once, and the
// paginator's parameters merged in page by page. What it gives is what
// url.Values.Encode gives for the merged values, without parsing the
// endpoint's query and copying it for every page. One walk's goroutine
// uses it.
type pageQuery struct {
	raw    string            // the endpoint's RawQuery the base is made from
	params map[string]string // and the params set on it (a copy)
	base   url.Values
	keys   []string // base's keys, sorted
	made   bool

	extra []string // scratch: the page's own keys, sorted
	buf   []byte   // scratch: the query being written
}

// encode is endpoint's query with params set and query's values in place
// of the values of its keys, encoded as url.Values.Encode does.
func (pq *pageQuery) encode(endpoint *url.URL, params map[string]string, query url.Values) string {
	if !pq.made || pq.raw != endpoint.RawQuery || !maps.Equal(pq.params, params) {
		pq.base = endpoint.Query()
		for k, v := range params {
			pq.base.Set(k, v)
		}
		pq.raw, pq.params, pq.made = endpoint.RawQuery, maps.Clone(params), true
		pq.keys = slices.Sorted(maps.Keys(pq.base))
	}
	pq.extra = pq.extra[:0]
	for k := range query {
		pq.extra = append(pq.extra, k)
	}
	slices.Sort(pq.extra)
	b := pq.buf[:0]
	i, j := 0, 0
	for i < len(pq.keys) || j < len(pq.extra) {
		var k string
		var vs []string
		switch {
		case j == len(pq.extra) || i < len(pq.keys) && pq.keys[i] < pq.extra[j]:
			k, vs = pq.keys[i], pq.base[pq.keys[i]]
			i++
		default:
			k, vs = pq.extra[j], query[pq.extra[j]]
			if i < len(pq.keys) && pq.keys[i] == k {
				i++ // the page's value replaces the profile's
			}
			j++
		}
		for _, v := range vs {
			if len(b) > 0 {
				b = append(b, '&')
			}
			b = append(b, url.QueryEscape(k)...)
			b = append(b, '=')
			b = append(b, url.QueryEscape(v)...)
		}
	}
	pq.buf = b
	clear(pq.extra)
	return string(b)
}
