package shapes_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"siphon/ingest/demoapi/shapes"
)

// wrongs page each API the wrong way and check the documented failure.
var wrongs = map[string]func(c *client, api *shapes.API, clk *clock){
	"github": func(c *client, api *shapes.API, _ *clock) {
		// per_page over 100 is capped: a client that stops at the first
		// page shorter than it asked for sees 100 issues.
		r := c.do("GET", "/repos/o/r/issues?state=all&per_page=500", nil)
		var page []json.RawMessage
		c.ok(r, &page)
		if len(page) != 100 || linkNext(r.header) == "" {
			c.t.Fatalf("got %d issues, next %q; want the silent cap of 100 and a next link", len(page), linkNext(r.header))
		}
		// The default state is open: without state=all, closed issues never come.
		var open []struct{ State string }
		c.ok(c.do("GET", "/repos/o/r/issues?per_page=100", nil), &open)
		for _, is := range open {
			if is.State != "open" {
				c.t.Fatalf("state %q without state=all", is.State)
			}
		}
		if r.header.Get("X-RateLimit-Remaining") == "" {
			c.t.Fatal("no X-RateLimit-Remaining")
		}
	},
	"stripe": func(c *client, _ *shapes.API, _ *clock) {
		r := c.do("GET", "/v1/customers?limit=100&page=2", nil)
		wantError(c, r, 400, `"param":"page"`, "Received unknown parameter: page")
		wantError(c, c.do("GET", "/v1/customers?starting_after=cus_nope", nil), 400, "resource_missing", "No such customer")
		wantError(c, c.do("GET", "/v1/customers?limit=101", nil), 400, `"param":"limit"`)
	},
	"shopify": func(c *client, _ *shapes.API, _ *clock) {
		r := c.do("GET", "/admin/api/2024-01/orders.json?limit=50&status=any", nil)
		next := linkNext(r.header)
		if next == "" {
			c.t.Fatal("no next link")
		}
		// Re-adding the first request's filter to the page_info request.
		wantError(c, c.do("GET", next+"&status=any", nil), 400, "status")
		wantError(c, c.do("GET", "/admin/api/2024-01/orders.json?page_info=bogus", nil), 400, "page_info")
		c.header = map[string]string{"X-Shopify-Access-Token": "wrong"}
		wantError(c, c.do("GET", "/admin/api/2024-01/orders.json", nil), 401, "Invalid API key or access token")
	},
	"slack": func(c *client, _ *shapes.API, _ *clock) {
		wantError(c, c.do("GET", "/api/conversations.list?cursor=bogus", nil), 200, `"ok":false`, "invalid_cursor")
		c.header = map[string]string{"Authorization": "Bearer revoked"}
		wantError(c, c.do("GET", "/api/conversations.list", nil), 200, `"ok":false`, "invalid_auth")
		c.header = nil
		wantError(c, c.do("GET", "/api/conversations.list", nil), 200, "not_authed")
	},
	"notion": func(c *client, _ *shapes.API, _ *clock) {
		const path = "/v1/databases/897e5a76-ae52-4b48-9fdf-e71f5945d1af/query"
		wantError(c, c.do("GET", path+"?page_size=100", nil), 400, "invalid_request_url")
		wantError(c, c.do("POST", path, map[string]any{"page_size": 500}), 400, "validation_error", "page_size")
		wantError(c, c.do("POST", path, map[string]any{"page_size": 10, "cursor": "x"}), 400, "validation_error", "body.cursor")
		wantError(c, c.do("POST", path, map[string]any{"start_cursor": "nope"}), 400, "validation_error", "start_cursor")
		delete(c.header, "Notion-Version")
		wantError(c, c.do("POST", path, map[string]any{}), 400, "missing_version")
	},
	"hubspot": func(c *client, _ *shapes.API, _ *clock) {
		wantError(c, c.do("GET", "/crm/v3/objects/contacts?limit=500", nil), 400, "VALIDATION_ERROR")
		wantError(c, c.do("GET", "/crm/v3/objects/contacts?after=zzz", nil), 400, "VALIDATION_ERROR")
		// offset is not HubSpot's: ignored, the first page comes again.
		var a, b struct{ Results []json.RawMessage }
		c.ok(c.do("GET", "/crm/v3/objects/contacts?limit=5", nil), &a)
		c.ok(c.do("GET", "/crm/v3/objects/contacts?limit=5&offset=5", nil), &b)
		if string(a.Results[0]) != string(b.Results[0]) {
			c.t.Fatal("offset changed the page; HubSpot ignores it")
		}
	},
	"salesforce": func(c *client, _ *shapes.API, _ *clock) {
		wantError(c, c.do("GET", "/services/data/v59.0/query/01gAAAAAAAAAAAAAAA-2000", nil), 400, "INVALID_QUERY_LOCATOR")
		wantError(c, c.do("GET", "/services/data/v59.0/query", nil), 400, "MALFORMED_QUERY")
	},
	"jira": func(c *client, api *shapes.API, _ *clock) {
		// Asking 500 a page and stepping by 500 skips 400 of every 500.
		var got int
		for start := 0; start < api.Len(); start += 500 {
			var page struct {
				MaxResults int               `json:"maxResults"`
				Issues     []json.RawMessage `json:"issues"`
			}
			c.ok(c.do("GET", "/rest/api/3/search?maxResults=500&startAt="+itoa(start), nil), &page)
			if page.MaxResults != 100 {
				c.t.Fatalf("maxResults %d; want the cap, 100", page.MaxResults)
			}
			got += len(page.Issues)
		}
		if got != 300 {
			c.t.Fatalf("got %d issues stepping by 500; want 300", got)
		}
		wantError(c, c.do("GET", "/rest/api/3/search?startAt=-1", nil), 400, "errorMessages")
	},
	"zendesk": func(c *client, api *shapes.API, _ *clock) {
		// Ending on an empty after_cursor never ends: the last page's
		// cursor gives an empty page with the same cursor.
		type page struct {
			Tickets     []json.RawMessage `json:"tickets"`
			AfterCursor string            `json:"after_cursor"`
			EndOfStream bool              `json:"end_of_stream"`
		}
		var p page
		c.ok(c.do("GET", "/api/v2/incremental/tickets/cursor.json?start_time=0&per_page=1000", nil), &p)
		c.ok(c.do("GET", "/api/v2/incremental/tickets/cursor.json?cursor="+url.QueryEscape(p.AfterCursor), nil), &p)
		if !p.EndOfStream || p.AfterCursor == "" {
			c.t.Fatalf("last page: end_of_stream %t, after_cursor %q", p.EndOfStream, p.AfterCursor)
		}
		for range 3 {
			last := p.AfterCursor
			p = page{}
			c.ok(c.do("GET", "/api/v2/incremental/tickets/cursor.json?cursor="+url.QueryEscape(last), nil), &p)
			if len(p.Tickets) != 0 || !p.EndOfStream || p.AfterCursor != last {
				c.t.Fatalf("past the end: %d tickets, end_of_stream %t, cursor changed %t", len(p.Tickets), p.EndOfStream, p.AfterCursor != last)
			}
		}
		wantError(c, c.do("GET", "/api/v2/incremental/tickets/cursor.json", nil), 400, "start_time")
		wantError(c, c.do("GET", "/api/v2/incremental/tickets/cursor.json?start_time=99999999999", nil), 400, "Too recent")
	},
	"twitter": func(c *client, _ *shapes.API, _ *clock) {
		var p struct {
			Meta struct {
				NextToken string `json:"next_token"`
			} `json:"meta"`
		}
		c.ok(c.do("GET", "/2/users/2244994945/tweets?max_results=100", nil), &p)
		wantError(c, c.do("GET", "/2/users/2244994945/tweets?max_results=100&next_token="+p.Meta.NextToken, nil), 400,
			"Invalid Request", "[next_token] is not one of")
		wantError(c, c.do("GET", "/2/users/2244994945/tweets?max_results=500", nil), 400, "not between 5 and 100")
		wantError(c, c.do("GET", "/2/users/2244994945/tweets?pagination_token=abc", nil), 400, "pagination_token")
	},
	"airtable": func(c *client, _ *shapes.API, clk *clock) {
		c.before = nil // every request at the same instant
		const path = "/v0/appEmuLat0r12345/tblOrders0000001?pageSize=10"
		for i := range 5 {
			if r := c.do("GET", path, nil); r.status != 200 {
				c.t.Fatalf("request %d: %d", i+1, r.status)
			}
		}
		r := c.do("GET", path, nil)
		wantError(c, r, 429, "RATE_LIMIT_REACHED")
		if r.header.Get("Retry-After") != "" {
			c.t.Fatal("Airtable sends no Retry-After")
		}
		clk.Add(2 * time.Second) // the window is long past, the lock-out is not
		wantError(c, c.do("GET", path, nil), 429, "RATE_LIMIT_REACHED")
		clk.Add(time.Minute)
		if r := c.do("GET", path, nil); r.status != 200 {
			c.t.Fatalf("after the lock-out: %d %s", r.status, r.body)
		}
		wantError(c, c.do("GET", path+"&offset=itrX/recY", nil), 422, "LIST_RECORDS_ITERATOR_NOT_AVAILABLE")
	},
	"elasticsearch": func(c *client, _ *shapes.API, _ *clock) {
		wantError(c, c.do("POST", "/events/_search?scroll=1m", map[string]any{"size": 100, "from": 100}), 400, "using [from] is not allowed in a scroll context")
		var p struct {
			ScrollID string `json:"_scroll_id"`
		}
		c.ok(c.do("POST", "/events/_search?scroll=1m", map[string]any{"size": 100}), &p)
		r := c.do("GET", "/_search/scroll?scroll=1m&scroll_id="+url.QueryEscape(p.ScrollID), nil)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Warning"), "299 ") {
			c.t.Fatalf("deprecated form: %d, Warning %q", r.status, r.header.Get("Warning"))
		}
		wantError(c, c.do("POST", "/_search/scroll", map[string]any{"scroll": "1m", "scroll_id": "bogus"}), 404, "search_context_missing_exception")
		wantError(c, c.do("POST", "/events/_search", map[string]any{"size": 100, "from": 9950}), 400, "Result window is too large")
	},
	"msgraph": func(c *client, _ *shapes.API, _ *clock) {
		wantError(c, c.do("GET", "/v1.0/users?$top=1000", nil), 400, "Request_UnsupportedQuery", "Must be between 1 and 999")
		wantError(c, c.do("GET", "/v1.0/users?$skip=100", nil), 400, "Request_UnsupportedQuery")
		wantError(c, c.do("GET", "/v1.0/users?$skiptoken=abc", nil), 400, "Directory_ExpiredPageToken")
	},
	"graphql": func(c *client, _ *shapes.API, _ *clock) {
		wantError(c, c.do("POST", "/graphql", map[string]any{"query": graphqlQuery, "variables": map[string]any{"first": 500}}), 200,
			`"data":null`, "exceeds the `first` limit of 100")
		wantError(c, c.do("POST", "/graphql", map[string]any{"query": graphqlQuery, "variables": map[string]any{"first": 10, "after": "x"}}), 200,
			`"data":null`, "valid cursor")
		c.header = map[string]string{"Authorization": "Bearer wrong"}
		wantError(c, c.do("POST", "/graphql", map[string]any{"query": graphqlQuery, "variables": map[string]any{"first": 10}}), 200, `"data":null`, "errors")
	},
	"ndjson": func(c *client, _ *shapes.API, _ *clock) {
		wantError(c, c.do("GET", "/export/events.ndjson?page=2", nil), 400, "unknown parameter: page")
	},
}

func itoa(n int) string { return strconv.Itoa(n) }

// wantError checks a reply's status and that its body says each of what.
func wantError(c *client, r reply, status int, what ...string) {
	c.t.Helper()
	if r.status != status {
		c.t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	for _, w := range what {
		if !strings.Contains(string(r.body), w) {
			c.t.Fatalf("body lacks %q: %s", w, r.body)
		}
	}
}

// TestWrongPaging pages each API wrongly and gets its documented failure.
func TestWrongPaging(t *testing.T) {
	for _, name := range shapes.Names() {
		t.Run(name, func(t *testing.T) {
			wrong, ok := wrongs[name]
			if !ok {
				t.Fatalf("no wrong-paging case for %s", name)
			}
			clk := newClock()
			api, srv := serve(t, name, shapes.Options{Token: testToken, Now: clk.Now})
			wrong(&client{t: t, base: srv.URL, header: authHeader(name)}, api, clk)
		})
	}
}

// TestWrongToken: each API refuses a wrong token its own way.
func TestWrongToken(t *testing.T) {
	for _, name := range shapes.Names() {
		t.Run(name, func(t *testing.T) {
			_, srv := serve(t, name, shapes.Options{Token: testToken})
			h := authHeader(name)
			for k := range h {
				if k != "Notion-Version" {
					h[k] = "Bearer wrong"
				}
			}
			c := &client{t: t, base: srv.URL, header: h}
			var r reply
			switch name {
			case "notion":
				r = c.do("POST", "/v1/databases/897e5a76-ae52-4b48-9fdf-e71f5945d1af/query", map[string]any{})
			case "graphql":
				r = c.do("POST", "/graphql", map[string]any{"query": graphqlQuery, "variables": map[string]any{"first": 1}})
			case "elasticsearch":
				r = c.do("POST", "/events/_search?scroll=1m", map[string]any{})
			default:
				r = c.do("GET", firstPath(name), nil)
			}
			want := http.StatusUnauthorized
			if name == "slack" || name == "graphql" {
				want = http.StatusOK // the error is in the body
			}
			if name == "s3" {
				want = http.StatusForbidden // S3's AccessDenied
			}
			if r.status != want {
				t.Fatalf("status %d, want %d: %s", r.status, want, r.body)
			}
			if strings.Contains(string(r.body), testToken) {
				t.Fatal("the error echoes the configured token")
			}
		})
	}
}

func firstPath(name string) string {
	return map[string]string{
		"github": "/repos/o/r/issues", "stripe": "/v1/customers", "shopify": "/admin/api/2024-01/orders.json",
		"slack": "/api/conversations.list", "hubspot": "/crm/v3/objects/contacts", "salesforce": "/services/data/v59.0/query?q=x",
		"jira": "/rest/api/3/search", "zendesk": "/api/v2/incremental/tickets/cursor.json?start_time=0",
		"twitter": "/2/users/2244994945/tweets", "airtable": "/v0/appEmuLat0r12345/tblOrders0000001",
		"msgraph": "/v1.0/users", "ndjson": "/export/events.ndjson",
		"csv": "/v1/reports/orders.csv", "s3": "/siphon-exports?list-type=2",
	}[name]
}

// TestSlackRateLimit: over the configured rate, 429 with Retry-After.
func TestSlackRateLimit(t *testing.T) {
	clk := newClock()
	_, srv := serve(t, "slack", shapes.Options{RateLimit: 2, Now: clk.Now})
	c := &client{t: t, base: srv.URL}
	for range 2 {
		if r := c.do("GET", "/api/conversations.list?limit=1", nil); r.status != 200 {
			t.Fatalf("%d", r.status)
		}
	}
	r := c.do("GET", "/api/conversations.list?limit=1", nil)
	wantError(c, r, 429, "ratelimited")
	if r.header.Get("Retry-After") != "1" {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	clk.Add(time.Second)
	if r := c.do("GET", "/api/conversations.list?limit=1", nil); r.status != 200 {
		t.Fatalf("after the wait: %d", r.status)
	}
}

// TestOptions: bad options are errors naming the API and the field.
func TestOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts shapes.Options
		want string
	}{
		{"nope", shapes.Options{}, `unknown API "nope"`},
		{"stripe", shapes.Options{Records: -1}, "stripe: Records is -1"},
		{"stripe", shapes.Options{Records: shapes.MaxRecords + 1}, "only ndjson streams more"},
		{"airtable", shapes.Options{LockOut: -time.Second}, "LockOut"},
	} {
		if _, err := shapes.New(tc.name, tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%s, %+v) = %v; want %q", tc.name, tc.opts, err, tc.want)
		}
	}
	if _, err := shapes.New("ndjson", shapes.Options{Records: shapes.MaxRecords + 1}); err != nil {
		t.Errorf("ndjson with many records: %v", err)
	}
}

// TestRequestLog: the log has what the server received, minus credentials.
func TestRequestLog(t *testing.T) {
	api, srv := serve(t, "notion", shapes.Options{Token: testToken})
	c := &client{t: t, base: srv.URL, header: authHeader("notion")}
	c.do("POST", "/v1/databases/897e5a76-ae52-4b48-9fdf-e71f5945d1af/query?x=1", map[string]any{"page_size": 3})
	log := api.Requests()
	if len(log) != 1 {
		t.Fatalf("%d requests logged", len(log))
	}
	got := log[0]
	if got.Method != "POST" || got.Query.Get("x") != "1" || string(got.Body) != `{"page_size":3}` || got.Status != 200 ||
		got.Header.Get("Notion-Version") == "" || got.Header.Get("Authorization") != "" {
		t.Fatalf("logged %+v", got)
	}
}
