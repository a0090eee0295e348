package pagescan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/itchyny/gojq"
)

// fuzzSpecs are the path sets the fuzz test picks from: records, cursor,
// total.
var fuzzSpecs = [][3]string{
	{".data", ".pagination.next_cursor", ".meta.total"},
	{".data[]", ".next", ".total"},
	{".", ".next", ".meta.total"},
	{".[]", ".pagination.next_cursor", ".total"},
	{".a.b", ".a.c", ".a.b.total"},
	{".items", ".items.next", ".meta"},
}

// FuzzAgreesWithJQ checks the one pass against gojq on the decoded body:
// the same records (and, where encoding/json can find their raw text, the
// same bytes compacted), the same cursor and total, errors on the same
// bodies. NDJSON bodies are checked against the array of their lines.
func FuzzAgreesWithJQ(f *testing.F) {
	page, err := os.ReadFile("testdata/demo-page.json")
	if err != nil {
		f.Fatal(err)
	}
	// Two records of a demo page: whole, it slows the fuzzer to a crawl.
	var demo struct {
		Data       []json.RawMessage
		Pagination json.RawMessage
	}
	if err := json.Unmarshal(page, &demo); err != nil {
		f.Fatal(err)
	}
	small, _ := json.Marshal(map[string]any{"data": demo.Data[:2], "pagination": demo.Pagination})
	f.Add(small, uint8(0), false)
	for i, body := range []string{
		`{"data":[{"id":1,"n":12.50},{"id":9007199254740993}],"pagination":{"next_cursor":"c2"},"meta":{"total":2}}`,
		`{"data":[{"id":1},[{"id":2}],null],"next":"n","total":9223372036854775807}`,
		`[{"id":1,"s":"caf\u00e9 \"q\""},{"k\u00e9y":"Zoë"}]`,
		`{"a":{"b":[{"x":{"y":[1,{"z":null}]}}],"c":"cur"}}`,
		`{"items":{"id":1},"meta":{"total":null}}`,
		`{"data":"x"}`,
		`{"data":[1]}`,
		`{"data":[{"id":1}],"data":null}`,
		`{"data":[{"id":1}`,
		"<html>502</html>",
	} {
		f.Add([]byte(body), uint8(i), false)
	}
	f.Add([]byte("{\"id\":1}\n{\"id\":2}\n"), uint8(2), true)
	f.Add([]byte("[{\"id\":1}]\n{\"id\":2}\n"), uint8(3), true)

	identity, err := gojq.Compile(mustParseJQ(f, "."))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, pick uint8, lines bool) {
		paths := fuzzSpecs[int(pick)%len(fuzzSpecs)]
		spec := Spec{Records: mustPath(t, paths[0]), Values: []Path{mustPath(t, paths[1]), mustPath(t, paths[2])}, Lines: lines}
		got := run(t, spec, string(body))

		var doc any
		var docErr error
		if lines {
			var ok bool
			if doc, ok = linesArray(body); !ok {
				return // not line by line NDJSON: the scan may read it more leniently
			}
		} else {
			doc, docErr = decodeBody(body)
		}
		var syn *SyntaxError
		switch {
		case len(bytes.TrimSpace(body)) == 0 || bytes.HasPrefix(body, []byte("\xef\xbb\xbf")):
			return // read as null and skipped here; encoding/json refuses both
		case !utf8.Valid(body):
			if !errors.As(got.Err, &syn) {
				t.Fatalf("invalid UTF-8 read without a SyntaxError: %v", got.Err)
			}
			return
		case docErr != nil:
			if !errors.As(got.Err, &syn) {
				t.Fatalf("encoding/json: %v; the scan: %v", docErr, got.Err)
			}
			return
		case errors.As(got.Err, &syn):
			t.Fatalf("encoding/json reads the body; the scan: %v", got.Err)
		case errors.Is(got.Err, ErrDuplicateKey):
			return // jq keeps the last; the scan refuses
		}

		want, jqErr := jqRecords(t, paths[0], doc)
		var vals []any
		for _, p := range paths[1:] {
			v, err := jqFirst(t, p, doc)
			jqErr = errors.Join(jqErr, err)
			vals = append(vals, v)
		}
		var shp *ShapeError
		if jqErr != nil {
			if !errors.As(got.Err, &shp) {
				t.Fatalf("jq: %v; the scan: %v (records %q)", jqErr, got.Err, got.Records)
			}
			return
		}
		if got.Err != nil {
			t.Fatalf("jq found records %v; the scan: %v", want, got.Err)
		}
		norm := func(raw string) any {
			v, err := decodeBody([]byte(raw))
			if err != nil {
				t.Fatalf("the scan gave invalid JSON %q: %v", raw, err)
			}
			out, _ := identity.Run(v).Next()
			return out
		}
		if len(got.Records) != len(want) {
			t.Fatalf("%d records, jq %d:\n%q\n%v", len(got.Records), len(want), got.Records, want)
		}
		gotVals := make([]any, len(got.Records))
		for i, r := range got.Records {
			gotVals[i] = norm(r)
		}
		if !sameMultiset(gotVals, want) {
			t.Fatalf("records differ:\n%q\njq %v", got.Records, want)
		}
		for i, v := range got.Values {
			var g any
			if v != "<absent>" {
				g = norm(v)
			}
			if gojq.Compare(g, vals[i]) != 0 {
				t.Fatalf("%s: %q, jq %v", paths[i+1], v, vals[i])
			}
		}
		if !lines {
			if ref, ok := refRecords(body, spec.Records); ok && fmt.Sprint(ref) != fmt.Sprint(got.Records) {
				t.Fatalf("records not byte-exact:\n got %q\nwant %q", got.Records, ref)
			}
		}
	})
}

func mustParseJQ(t testing.TB, src string) *gojq.Query {
	q, err := gojq.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// decodeBody decodes as ingest does for jq: numbers exact, one value.
func decodeBody(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the top-level value")
	}
	return v, nil
}

// linesArray is an NDJSON body as the array of its lines, when each
// non-empty line is one JSON value.
func linesArray(body []byte) (any, bool) {
	var arr []any
	for _, line := range bytes.Split(body, []byte("\n")) {
		// JSON's white space only (bytes.TrimSpace would take \v and
		// Unicode spaces too) and json-seq's record separator.
		line = bytes.Trim(line, " \t\r\n\x1e")
		if len(line) == 0 {
			continue
		}
		if !utf8.Valid(line) {
			return nil, false
		}
		v, err := decodeBody(line)
		if err != nil {
			return nil, false
		}
		arr = append(arr, v)
	}
	return arr, true
}

// jqRecords runs the records expression and splits its results as ingest
// does: an object is a record, an array holds records, null is nothing.
func jqRecords(t *testing.T, expr string, doc any) ([]any, error) {
	code, err := gojq.Compile(mustParseJQ(t, expr))
	if err != nil {
		t.Fatal(err)
	}
	var recs []any
	iter := code.Run(doc)
	for {
		v, ok := iter.Next()
		if !ok {
			return recs, nil
		}
		switch v := v.(type) {
		case error:
			return nil, v
		case map[string]any:
			recs = append(recs, v)
		case []any:
			for _, el := range v {
				if _, ok := el.(map[string]any); !ok {
					return nil, fmt.Errorf("element %T", el)
				}
				recs = append(recs, el)
			}
		case nil:
		default:
			return nil, fmt.Errorf("records are %T", v)
		}
	}
}

func jqFirst(t *testing.T, expr string, doc any) (any, error) {
	code, err := gojq.Compile(mustParseJQ(t, expr))
	if err != nil {
		t.Fatal(err)
	}
	v, _ := code.Run(doc).Next()
	if err, ok := v.(error); ok {
		return nil, err
	}
	return v, nil
}

// sameMultiset compares records regardless of order: jq iterates an
// object's values in key order, the scan in document order.
func sameMultiset(a, b []any) bool {
	key := func(vs []any) []string {
		out := make([]string, len(vs))
		for i, v := range vs {
			j, _ := gojq.Marshal(v)
			out[i] = string(j)
		}
		sort.Strings(out)
		return out
	}
	return strings.Join(key(a), "\n") == strings.Join(key(b), "\n")
}

// refRecords finds the records' raw text with encoding/json, as ingest's
// extraction did, and compacts it: what the scan must give byte for byte.
// It gives up (false) where encoding/json cannot keep document order.
func refRecords(body []byte, p Path) ([]string, bool) {
	cur := json.RawMessage(body)
	for _, k := range p.Keys {
		var obj map[string]json.RawMessage
		if json.Unmarshal(cur, &obj) != nil {
			return nil, false
		}
		if cur = obj[k]; cur == nil {
			return nil, true
		}
	}
	var out []string
	add := func(raw json.RawMessage) {
		var buf bytes.Buffer
		json.Compact(&buf, raw)
		out = append(out, buf.String())
	}
	elems := func(raw json.RawMessage) bool {
		var arr []json.RawMessage
		if json.Unmarshal(raw, &arr) != nil {
			return false
		}
		for _, el := range arr {
			add(el)
		}
		return true
	}
	cur = bytes.TrimSpace(cur)
	switch {
	case len(cur) == 0 || cur[0] == 'n':
		return nil, true
	case cur[0] == '{' && !p.Iter:
		add(cur)
	case cur[0] == '[' && !p.Iter:
		return out, elems(cur)
	case cur[0] == '[':
		var arr []json.RawMessage
		if json.Unmarshal(cur, &arr) != nil {
			return nil, false
		}
		for _, el := range arr {
			switch el = bytes.TrimSpace(el); el[0] {
			case '{':
				add(el)
			case '[':
				if !elems(el) {
					return nil, false
				}
			}
		}
	default:
		return nil, false
	}
	return out, true
}
