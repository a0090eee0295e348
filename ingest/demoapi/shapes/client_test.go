package shapes_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"siphon/ingest/demoapi/shapes"
)

// walks page each API the way its documentation says, with a plain HTTP
// client, and return the ids received in order.
var walks = map[string]func(c *client) []string{
	"github": func(c *client) []string {
		var ids []string
		next := "/repos/o/r/issues?state=all&per_page=100"
		for next != "" {
			r := c.do("GET", next, nil)
			var page []struct {
				ID int64 `json:"id"`
			}
			c.ok(r, &page)
			for _, p := range page {
				ids = append(ids, strconv.FormatInt(p.ID, 10))
			}
			next = linkNext(r.header)
		}
		return ids
	},
	"stripe": func(c *client) []string {
		var ids []string
		q := url.Values{"limit": {"100"}}
		for {
			var page struct {
				Object  string `json:"object"`
				HasMore bool   `json:"has_more"`
				Data    []struct {
					ID string `json:"id"`
				} `json:"data"`
			}
			c.ok(c.do("GET", "/v1/customers?"+q.Encode(), nil), &page)
			for _, d := range page.Data {
				ids = append(ids, d.ID)
			}
			if !page.HasMore {
				return ids
			}
			q.Set("starting_after", page.Data[len(page.Data)-1].ID)
		}
	},
	"shopify": func(c *client) []string {
		var ids []string
		next := "/admin/api/2024-01/orders.json?limit=250&status=any"
		for next != "" {
			r := c.do("GET", next, nil)
			var page struct {
				Orders []struct {
					ID int64 `json:"id"`
				} `json:"orders"`
			}
			c.ok(r, &page)
			for _, o := range page.Orders {
				ids = append(ids, strconv.FormatInt(o.ID, 10))
			}
			next = linkNext(r.header)
		}
		return ids
	},
	"slack": func(c *client) []string {
		var ids []string
		cursor := ""
		for {
			var page struct {
				OK       bool   `json:"ok"`
				Error    string `json:"error"`
				Channels []struct {
					ID string `json:"id"`
				} `json:"channels"`
				Meta struct {
					NextCursor string `json:"next_cursor"`
				} `json:"response_metadata"`
			}
			c.ok(c.do("GET", "/api/conversations.list?"+url.Values{"limit": {"200"}, "cursor": {cursor}}.Encode(), nil), &page)
			if !page.OK {
				c.t.Fatalf("ok:false %s", page.Error)
			}
			for _, ch := range page.Channels {
				ids = append(ids, ch.ID)
			}
			if cursor = page.Meta.NextCursor; cursor == "" {
				return ids
			}
		}
	},
	"notion": func(c *client) []string {
		var ids []string
		body := map[string]any{"page_size": 100}
		for {
			var page struct {
				Results []struct {
					ID string `json:"id"`
				} `json:"results"`
				NextCursor *string `json:"next_cursor"`
				HasMore    bool    `json:"has_more"`
			}
			c.ok(c.do("POST", "/v1/databases/897e5a76-ae52-4b48-9fdf-e71f5945d1af/query", body), &page)
			for _, r := range page.Results {
				ids = append(ids, r.ID)
			}
			if !page.HasMore {
				return ids
			}
			body["start_cursor"] = *page.NextCursor
		}
	},
	"hubspot": func(c *client) []string {
		var ids []string
		q := url.Values{"limit": {"100"}}
		for {
			var page struct {
				Results []struct {
					ID string `json:"id"`
				} `json:"results"`
				Paging *struct {
					Next struct {
						After string `json:"after"`
					} `json:"next"`
				} `json:"paging"`
			}
			c.ok(c.do("GET", "/crm/v3/objects/contacts?"+q.Encode(), nil), &page)
			for _, r := range page.Results {
				ids = append(ids, r.ID)
			}
			if page.Paging == nil {
				return ids
			}
			q.Set("after", page.Paging.Next.After)
		}
	},
	"salesforce": func(c *client) []string {
		var ids []string
		next := "/services/data/v59.0/query?" + url.Values{"q": {"SELECT Id, Name FROM Contact"}}.Encode()
		c.header["Sforce-Query-Options"] = "batchSize=500"
		for {
			var page struct {
				Done    bool   `json:"done"`
				Next    string `json:"nextRecordsUrl"`
				Records []struct {
					ID string `json:"Id"`
				} `json:"records"`
			}
			c.ok(c.do("GET", next, nil), &page)
			for _, r := range page.Records {
				ids = append(ids, r.ID)
			}
			if page.Done {
				return ids
			}
			next = page.Next
		}
	},
	"jira": func(c *client) []string {
		var ids []string
		for start := 0; ; {
			var page struct {
				Total  int `json:"total"`
				Issues []struct {
					ID string `json:"id"`
				} `json:"issues"`
			}
			c.ok(c.do("GET", fmt.Sprintf("/rest/api/3/search?jql=project%%3DPRJ&startAt=%d&maxResults=100", start), nil), &page)
			for _, is := range page.Issues {
				ids = append(ids, is.ID)
			}
			start += len(page.Issues)
			if start >= page.Total || len(page.Issues) == 0 {
				return ids
			}
		}
	},
	"zendesk": func(c *client) []string {
		var ids []string
		next := "/api/v2/incremental/tickets/cursor.json?start_time=0&per_page=300"
		for {
			var page struct {
				Tickets []struct {
					ID int64 `json:"id"`
				} `json:"tickets"`
				AfterCursor string `json:"after_cursor"`
				EndOfStream bool   `json:"end_of_stream"`
			}
			c.ok(c.do("GET", next, nil), &page)
			for _, tk := range page.Tickets {
				ids = append(ids, strconv.FormatInt(tk.ID, 10))
			}
			if page.EndOfStream {
				return ids
			}
			next = "/api/v2/incremental/tickets/cursor.json?per_page=300&cursor=" + url.QueryEscape(page.AfterCursor)
		}
	},
	"twitter": func(c *client) []string {
		var ids []string
		q := url.Values{"max_results": {"100"}}
		for {
			var page struct {
				Data []struct {
					ID string `json:"id"`
				} `json:"data"`
				Meta struct {
					NextToken string `json:"next_token"`
				} `json:"meta"`
			}
			c.ok(c.do("GET", "/2/users/2244994945/tweets?"+q.Encode(), nil), &page)
			for _, d := range page.Data {
				ids = append(ids, d.ID)
			}
			if page.Meta.NextToken == "" {
				return ids
			}
			q.Set("pagination_token", page.Meta.NextToken)
		}
	},
	"airtable": func(c *client) []string {
		var ids []string
		q := url.Values{"pageSize": {"100"}}
		for {
			var page struct {
				Records []struct {
					ID string `json:"id"`
				} `json:"records"`
				Offset string `json:"offset"`
			}
			c.ok(c.do("GET", "/v0/appEmuLat0r12345/tblOrders0000001?"+q.Encode(), nil), &page)
			for _, r := range page.Records {
				ids = append(ids, r.ID)
			}
			if page.Offset == "" {
				return ids
			}
			q.Set("offset", page.Offset)
		}
	},
	"elasticsearch": func(c *client) []string {
		var ids []string
		type page struct {
			ScrollID string `json:"_scroll_id"`
			Hits     struct {
				Hits []struct {
					ID string `json:"_id"`
				} `json:"hits"`
			} `json:"hits"`
		}
		var p page
		c.ok(c.do("POST", "/events/_search?scroll=1m", map[string]any{"size": 500, "sort": []string{"_doc"}}), &p)
		sid := p.ScrollID
		for len(p.Hits.Hits) > 0 {
			for _, h := range p.Hits.Hits {
				ids = append(ids, h.ID)
			}
			p = page{}
			c.ok(c.do("POST", "/_search/scroll", map[string]any{"scroll": "1m", "scroll_id": sid}), &p)
			if p.ScrollID != sid {
				c.t.Fatalf("scroll id changed from %q to %q", sid, p.ScrollID)
			}
		}
		if r := c.do("DELETE", "/_search/scroll", map[string]any{"scroll_id": sid}); r.status != http.StatusOK {
			c.t.Fatalf("clearing the scroll: %d %s", r.status, r.body)
		}
		return ids
	},
	"msgraph": func(c *client) []string {
		var ids []string
		next := "/v1.0/users?$top=999"
		for next != "" {
			var page struct {
				Value []struct {
					ID string `json:"id"`
				} `json:"value"`
				NextLink string `json:"@odata.nextLink"`
			}
			c.ok(c.do("GET", next, nil), &page)
			for _, u := range page.Value {
				ids = append(ids, u.ID)
			}
			if page.NextLink != "" && page.NextLink[:4] != "http" {
				c.t.Fatalf("next link %q is not absolute", page.NextLink)
			}
			next = page.NextLink
		}
		return ids
	},
	"graphql": func(c *client) []string {
		var ids []string
		vars := map[string]any{"first": 100}
		for {
			var page struct {
				Errors []struct{ Message string } `json:"errors"`
				Data   struct {
					Repository struct {
						Issues struct {
							Edges []struct {
								Node struct {
									ID string `json:"id"`
								} `json:"node"`
							} `json:"edges"`
							PageInfo struct {
								HasNextPage bool   `json:"hasNextPage"`
								EndCursor   string `json:"endCursor"`
							} `json:"pageInfo"`
						} `json:"issues"`
					} `json:"repository"`
				} `json:"data"`
			}
			c.ok(c.do("POST", "/graphql", map[string]any{"query": graphqlQuery, "variables": vars}), &page)
			if len(page.Errors) > 0 {
				c.t.Fatalf("errors: %v", page.Errors)
			}
			iss := page.Data.Repository.Issues
			for _, e := range iss.Edges {
				ids = append(ids, e.Node.ID)
			}
			if !iss.PageInfo.HasNextPage {
				return ids
			}
			vars["after"] = iss.PageInfo.EndCursor
		}
	},
	"ndjson": func(c *client) []string {
		r := c.do("GET", "/export/events.ndjson", nil)
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/x-ndjson" {
			c.t.Fatalf("status %d, content type %q", r.status, r.header.Get("Content-Type"))
		}
		return ndjsonIDs(c.t, r.body)
	},
}

const graphqlQuery = `query($first:Int!,$after:String){repository(owner:"o",name:"r"){issues(first:$first,after:$after){totalCount edges{cursor node{id number title}} pageInfo{hasNextPage endCursor}}}}`

func ndjsonIDs(t *testing.T, body []byte) []string {
	t.Helper()
	var ids []string
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		var ev struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line %d: %v", len(ids)+1, err)
		}
		ids = append(ids, ev.ID)
	}
	return ids
}

// authHeader is how each API takes the token.
func authHeader(name string) map[string]string {
	if name == "shopify" {
		return map[string]string{"X-Shopify-Access-Token": testToken}
	}
	h := map[string]string{"Authorization": "Bearer " + testToken}
	if name == "notion" {
		h["Notion-Version"] = "2022-06-28"
	}
	return h
}

// TestWalks pages every API correctly and gets every record exactly once.
func TestWalks(t *testing.T) {
	for _, name := range shapes.Names() {
		t.Run(name, func(t *testing.T) {
			walk, ok := walks[name]
			if !ok {
				t.Fatalf("no walk for %s", name)
			}
			clk := newClock()
			api, srv := serve(t, name, shapes.Options{Token: testToken, Now: clk.Now})
			// Airtable allows 5 requests a second: step the clock between them.
			c := &client{t: t, base: srv.URL, header: authHeader(name), before: func() { clk.Add(250 * time.Millisecond) }}
			got := walk(c)
			exactlyOnce(t, api, got)
			for _, req := range api.Requests() {
				if req.Status != http.StatusOK {
					t.Errorf("%s %s?%s answered %d", req.Method, req.Path, req.Query.Encode(), req.Status)
				}
				if req.Header.Get("Authorization") != "" || req.Header.Get("X-Shopify-Access-Token") != "" {
					t.Errorf("the request log kept a credential")
				}
			}
		})
	}
}

// TestWalkSizes: other data set sizes and seeds, including the edges of
// a page, still give every record once.
func TestWalkSizes(t *testing.T) {
	for _, n := range []int{1, 100, 101, 501} {
		for _, name := range shapes.Names() {
			t.Run(fmt.Sprintf("%s/%d", name, n), func(t *testing.T) {
				clk := newClock()
				api, srv := serve(t, name, shapes.Options{Records: n, Seed: int64(n), Now: clk.Now})
				c := &client{t: t, base: srv.URL, header: authHeader(name), before: func() { clk.Add(250 * time.Millisecond) }}
				exactlyOnce(t, api, walks[name](c))
			})
		}
	}
}
