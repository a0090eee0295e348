package openapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"siphon/ingest/page"
	"siphon/profiles"
	"siphon/profiles/specimport"
	"siphon/profiles/specimport/openapi"
)

func propose(t *testing.T, source string, opts openapi.Options) *openapi.Result {
	t.Helper()
	s, err := openapi.Load(context.Background(), source)
	if err != nil {
		t.Fatal(err)
	}
	res, err := openapi.Propose(s, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// loads checks that a proposal's YAML is a valid profile (jq included).
func loads(t *testing.T, p specimport.Proposal) {
	t.Helper()
	_, err := profiles.Loader{CheckExpr: page.Check, SkipSecrets: true, Trusted: true}.LoadBytes(p.Name+".yaml", p.YAML())
	if err != nil {
		t.Fatalf("%s does not load: %v\n%s", p.Name, err, p.YAML())
	}
}

// TestCyclicRefs: recursive schemas load and are walked without end.
func TestCyclicRefs(t *testing.T) {
	res := propose(t, "testdata/cyclic.yaml", openapi.Options{})
	got := map[string]string{}
	for _, p := range res.Proposals {
		loads(t, p)
		got[p.Name] = p.Config.Records + " " + p.Paging()
	}
	if got["list-nodes"] != ".data cursor (param cursor, from .next_cursor)" || !strings.HasPrefix(got["list-pings"], ".items ") {
		t.Errorf("proposals: %v", got)
	}
}

// TestSplitRefsAndNeeds: a $ref into another file beside the description;
// a required parameter without a value is listed as needed, and given
// with Set it goes into params; auth from the apiKey scheme.
func TestSplitRefsAndNeeds(t *testing.T) {
	res := propose(t, "testdata/split.yaml", openapi.Options{})
	if len(res.Proposals) != 1 {
		t.Fatalf("%+v", res)
	}
	p := res.Proposals[0]
	if strings.Join(p.Needs, ",") != "status" {
		t.Errorf("needs %v, want status", p.Needs)
	}
	res = propose(t, "testdata/split.yaml", openapi.Options{Set: map[string]string{"status": "all"}})
	p = res.Proposals[0]
	loads(t, p)
	y := string(p.YAML())
	for _, want := range []string{"base_url: https://api.example.test/v2", "records: .results", "primary_key: id", "type: offset",
		"limit: 50", "total_path: .total_count", "status: all", "name: X-Orders-Key", "value: ${SPLIT_API_KEY}"} {
		if !strings.Contains(y, want) {
			t.Errorf("lacks %q:\n%s", want, y)
		}
	}
	if len(p.Needs) != 0 || len(p.Vars) != 1 || p.Vars[0].Name != "SPLIT_API_KEY" {
		t.Errorf("needs %v vars %v", p.Needs, p.Vars)
	}
}

// TestBadDescriptions: each is refused with what is wrong and where.
func TestBadDescriptions(t *testing.T) {
	for file, want := range map[string]string{
		"testdata/broken.yaml":  "line",
		"testdata/notspec.json": "no openapi (3.x) or swagger (2.0) field",
		"testdata/outside.yaml": "may refer only to files in its folder",
		"testdata/missing.yaml": "no such file",
	} {
		_, err := openapi.Load(context.Background(), file)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), filepath.Base(file)) {
			t.Errorf("%s: %v, want %q", file, err, want)
		}
	}
	s, err := openapi.Load(context.Background(), "testdata/nolist.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = openapi.Propose(s, openapi.Options{BaseURL: "https://x.test"})
	if !errors.Is(err, openapi.ErrNoListOperations) || !strings.Contains(err.Error(), "GET /status: the response holds no array of objects") {
		t.Errorf("no list operations: %v", err)
	}
}

// TestRemoteRefsStayInOrigin: a description fetched by URL reads $refs of
// its own origin, and refuses another's; an oversized one is refused.
func TestRemoteRefsStayInOrigin(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the other origin was asked for %s", r.URL)
	}))
	defer other.Close()
	orders, _ := os.ReadFile("testdata/schemas/orders.yaml")
	mux := http.NewServeMux()
	mux.HandleFunc("/spec.yaml", func(w http.ResponseWriter, r *http.Request) {
		b, _ := os.ReadFile("testdata/split.yaml")
		w.Write(b)
	})
	mux.HandleFunc("/schemas/orders.yaml", func(w http.ResponseWriter, r *http.Request) { w.Write(orders) })
	mux.HandleFunc("/foreign.yaml", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "openapi: 3.0.3\ninfo: {title: F, version: '1'}\npaths:\n  /x:\n    get:\n      responses:\n        '200': {description: x, content: {application/json: {schema: {$ref: '%s/s.yaml#/X'}}}}\n", other.URL)
	})
	mux.HandleFunc("/huge.yaml", func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("# padding\n", 1<<16))
		for written := 0; written <= openapi.MaxSpecSize; written += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	res := propose(t, srv.URL+"/spec.yaml", openapi.Options{Set: map[string]string{"status": "all"}})
	if len(res.Proposals) != 1 || res.Proposals[0].Config.Records != ".results" {
		t.Fatalf("%+v", res.Proposals)
	}
	if _, err := openapi.Load(context.Background(), srv.URL+"/foreign.yaml"); err == nil || !strings.Contains(err.Error(), "only documents from") {
		t.Errorf("foreign $ref: %v", err)
	}
	if _, err := openapi.Load(context.Background(), srv.URL+"/huge.yaml"); err == nil || !strings.Contains(err.Error(), "larger than 20 MiB") {
		t.Errorf("huge: %v", err)
	}
}

// TestEnormousDescription: a 10 MB description (GitHub's is about that
// size) loads and proposes its list operations.
func TestEnormousDescription(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 10 MB description")
	}
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: Big, version: '1'}\nservers: [{url: https://big.example.test}]\npaths:\n")
	n := 0
	for b.Len() < 10<<20 {
		fmt.Fprintf(&b, `  /r%d/items:
    get:
      operationId: list%d
      summary: %s
      parameters:
        - {name: page, in: query, schema: {type: integer}}
        - {name: per_page, in: query, schema: {type: integer, maximum: 100}}
      responses:
        "200":
          description: items
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: {$ref: "#/components/schemas/Item"}}, total_pages: {type: integer}}}
`, n, n, strings.Repeat("long words ", 40))
		n++
	}
	b.WriteString("components:\n  schemas:\n    Item: {type: object, required: [id], properties: {id: {type: integer}}}\n")
	path := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	res := propose(t, path, openapi.Options{})
	if len(res.Proposals) != n {
		t.Fatalf("%d proposals, want %d", len(res.Proposals), n)
	}
	if p := res.Proposals[0]; p.Paging() != "page (param page, pages .total_pages, size per_page=100)" {
		t.Errorf("paging %s", p.Paging())
	}
}
