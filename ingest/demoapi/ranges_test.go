package demoapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
)

// walkGroupItems walks every group's items, the fan-out a partitioned
// profile makes: together they are the whole dataset, once.
func walkGroupItems(t *testing.T, c *http.Client, base string) []int64 {
	var ids []int64
	for _, g := range walkGroupIDs(t, c, base) {
		for offset := 0; ; {
			_, body := getOK(t, c, base+"/v1/group-items?limit=7&group="+g+"&offset="+strconv.Itoa(offset))
			var page struct {
				Data  []json.RawMessage
				Total int
			}
			decode(t, body, &page)
			ids = append(ids, idsOf(t, page.Data)...)
			offset += len(page.Data)
			if len(page.Data) == 0 || offset >= page.Total {
				break
			}
		}
	}
	slices.Sort(ids) // group by group: in id order only once sorted
	return ids
}

func walkGroupIDs(t *testing.T, c *http.Client, base string) []string {
	var out []string
	for offset := 0; ; {
		_, body := getOK(t, c, base+"/v1/groups?limit=20&offset="+strconv.Itoa(offset))
		var page struct {
			Data  []struct{ ID string }
			Total int
		}
		decode(t, body, &page)
		for _, g := range page.Data {
			out = append(out, g.ID)
		}
		offset += len(page.Data)
		if len(page.Data) == 0 || offset >= page.Total {
			return out
		}
	}
}

func TestGroupsFanOut(t *testing.T) {
	s := startServer(t, Options{Records: walkRecords})
	c := newClient(t)
	if got := walkGroupIDs(t, c, s.URL); len(got) != DefaultGroups || got[0] != "g001" || got[49] != "g050" {
		t.Fatalf("groups %v", got)
	}
	checkEachOnce(t, walkGroupItems(t, c, s.URL), walkRecords)
	resp, err := c.Get(s.URL + "/v1/group-items?group=g051")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown group: HTTP %d, want 400", resp.StatusCode)
	}
}

// TestRangeFilters: id and updated_at windows on the offset and cursor
// endpoints give each record of the window once, and windows side by side
// give the dataset once.
func TestRangeFilters(t *testing.T) {
	s := startServer(t, Options{Records: 100})
	c := newClient(t)
	get := func(path string) []int64 {
		_, body := getOK(t, c, s.URL+path)
		var page struct{ Data []json.RawMessage }
		decode(t, body, &page)
		return idsOf(t, page.Data)
	}
	cases := []struct {
		query string
		want  []int64
	}{
		{"id_gte=10&id_lt=13", []int64{10, 11, 12}},
		{"id_gte=99", []int64{99, 100}},
		{"id_lt=3", []int64{1, 2}},
		{"id_gte=50&id_lt=50", nil},
		{"id_gte=500", nil},
		// ids 4..6 share updated_at 00:02, 7..9 00:03
		{"updated_gte=" + url.QueryEscape("2026-01-01T00:02:00Z") + "&updated_lt=" + url.QueryEscape("2026-01-01T00:04:00Z"), []int64{4, 5, 6, 7, 8, 9}},
	}
	for _, tc := range cases {
		for _, ep := range []string{"/v1/offset?limit=100&", "/v1/cursor?limit=100&"} {
			if got := get(ep + tc.query); !equalInts(got, tc.want) {
				t.Errorf("%s%s: ids %v, want %v", ep, tc.query, got, tc.want)
			}
		}
	}
	var all []int64
	for lo := 1; lo <= 100; lo += 30 {
		all = append(all, get("/v1/offset?limit=100&id_gte="+strconv.Itoa(lo)+"&id_lt="+strconv.Itoa(lo+30))...)
	}
	checkEachOnce(t, all, 100)
	resp, err := c.Get(s.URL + "/v1/offset?id_gte=x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("id_gte=x: HTTP %d, want 400", resp.StatusCode)
	}
}
