package ingest

import (
	"math/rand/v2"
	"net/url"
	"testing"
)

// TestPageQueryIsValuesEncode holds pageQuery to what parsing the
// endpoint's query, setting the params, putting the page's values in and
// encoding gives, across endpoints and params that change from request to
// request (pagination.next) and keys that need escaping.
func TestPageQueryIsValuesEncode(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	words := []string{"limit", "cursor", "a", "b b", "é", "page[size]", "", "x&y=z", "10", "abc=="}
	pick := func() string { return words[rng.IntN(len(words))] }
	endpoints := []string{"https://api.test/v1/items", "https://api.test/v1/items?b=2&a=1&a=0", "https://api.test/x?q=a%20b&limit=5", "https://api.test/?=v"}
	var pq pageQuery
	for i := range 2000 {
		endpoint, _ := url.Parse(endpoints[rng.IntN(len(endpoints))])
		params := map[string]string{}
		for range rng.IntN(3) {
			params[pick()] = pick()
		}
		if rng.IntN(4) == 0 {
			params = nil
		}
		query := url.Values{}
		for range rng.IntN(3) {
			vs := []string{}
			for range rng.IntN(3) {
				vs = append(vs, pick())
			}
			query[pick()] = vs
		}
		q := endpoint.Query()
		for k, v := range params {
			q.Set(k, v)
		}
		for k, vs := range query {
			q[k] = vs
		}
		if got, want := pq.encode(endpoint, params, query), q.Encode(); got != want {
			t.Fatalf("request %d (%s, params %v, query %v): %q, want %q", i, endpoint, params, query, got, want)
		}
	}
}
