package pagescan

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// outcome is everything a scan gives, as text, to compare scans.
type outcome struct {
	Records []string
	Keys    [][]string
	Fields  []string
	Values  []string // "<absent>" for nil
	Err     error
}

func mustPath(t testing.TB, src string) Path {
	t.Helper()
	p, err := ParsePath(src)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func specOf(t testing.TB, records string, values ...string) Spec {
	spec := Spec{Records: mustPath(t, records)}
	for _, v := range values {
		spec.Values = append(spec.Values, mustPath(t, v))
	}
	return spec
}

// run scans body from a slice and, a byte at a time, from a reader, and
// fails unless both say the same.
func run(t testing.TB, spec Spec, body string) outcome {
	t.Helper()
	s, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	a := scanOnce(s, spec, func(fn func(*Record) error) (Result, error) { return s.Scan([]byte(body), fn) })
	b := scanOnce(s, spec, func(fn func(*Record) error) (Result, error) {
		return s.ScanReader(iotest.OneByteReader(strings.NewReader(body)), fn)
	})
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("body %q: Scan and ScanReader differ:\n%v\n%v", body, a, b)
	}
	return a
}

func scanOnce(s *Scanner, spec Spec, scan func(func(*Record) error) (Result, error)) outcome {
	var o outcome
	res, err := scan(func(r *Record) error {
		if r.Index != len(o.Records) {
			return fmt.Errorf("record index %d, want %d", r.Index, len(o.Records))
		}
		o.Records = append(o.Records, string(r.Raw))
		var keys []string
		for _, k := range r.Keys {
			keys = append(keys, string(k))
		}
		o.Keys = append(o.Keys, keys)
		for _, f := range r.Fields {
			o.Fields = append(o.Fields, fmt.Sprintf("%s/%d/%s=%s", f.Path, f.Depth, f.Kind, f.Value))
		}
		return nil
	})
	o.Err = err
	if err == nil {
		if res.Records != len(o.Records) {
			o.Err = fmt.Errorf("Result.Records %d, %d handed over", res.Records, len(o.Records))
		}
		for _, v := range res.Values {
			if v == nil {
				o.Values = append(o.Values, "<absent>")
			} else {
				o.Values = append(o.Values, string(v))
			}
		}
	}
	return o
}

func TestRecordsAreExactBytes(t *testing.T) {
	for _, tc := range []struct {
		name, records, body string
		want                []string
	}{
		{"key order and number text", ".data", `{"data": [ {"z": 1, "a": 12.50, "m": 1e+10, "n": -0.0} ]}`,
			[]string{`{"z":1,"a":12.50,"m":1e+10,"n":-0.0}`}},
		{"big integers", ".data", `{"data":[{"id":9007199254740993},{"id":9223372036854775807},{"id":123456789012345678901234567890}]}`,
			[]string{`{"id":9007199254740993}`, `{"id":9223372036854775807}`, `{"id":123456789012345678901234567890}`}},
		{"escapes kept", ".data", `{"data":[{"s":"caf\u00e9 \"q\" \\ \/ \n\t", "k\u00e9y": "\ud83d\ude00"}]}`,
			[]string{`{"s":"caf\u00e9 \"q\" \\ \/ \n\t","k\u00e9y":"\ud83d\ude00"}`}},
		{"non-ASCII kept", ".data", "{\"data\":[{\"name\":\"Zoë 東京 😀\", \"ü\" : \"x y\"}]}",
			[]string{"{\"name\":\"Zoë 東京 😀\",\"ü\":\"x y\"}"}},
		{"spaces inside strings stay", ".", "{ \"a b\" :\t\" c \\r\" }", []string{`{"a b":" c \r"}`}},
		{"nested", ".items", "{\n  \"items\": [\n    {\"a\": {\"b\": [1, [2, {\"c\": null}], {}], \"d\": []}, \"e\": true, \"f\": false}\n  ]\n}\n",
			[]string{`{"a":{"b":[1,[2,{"c":null}],{}],"d":[]},"e":true,"f":false}`}},
		{"top-level array", ".", `[{"id":1} , {"id":2}]`, []string{`{"id":1}`, `{"id":2}`}},
		{"top-level object is one record", ".", `{"id":1}`, []string{`{"id":1}`}},
		{"iterate elements", ".data[]", `{"data":[{"id":1},[{"id":2},{"id":3}],null]}`, []string{`{"id":1}`, `{"id":2}`, `{"id":3}`}},
		{"iterate object values", ".data[]", `{"data":{"x":{"id":1},"y":{"id":2}}}`, []string{`{"id":1}`, `{"id":2}`}},
		{"object at path", ".data", `{"data":{"id":1}}`, []string{`{"id":1}`}},
		{"deep path", ".a.b.c", `{"x":[1,{"c":2}],"a":{"b":{"c":[{"id":1}]},"c":3}}`, []string{`{"id":1}`}},
		{"missing path", ".data", `{"items":[{"id":1}]}`, nil},
		{"null at path", ".data", `{"data":null}`, nil},
		{"null on the way", ".a.b", `{"a":null}`, nil},
		{"empty array", ".data", `{"data":[]}`, nil},
		{"byte-order mark", ".", "\xef\xbb\xbf[{\"id\":1}]", []string{`{"id":1}`}},
		{"empty body is null", ".data", " \n", nil},
		{"escaped key matches", ".data", `{"d\u0061ta":[{"id":1}]}`, []string{`{"id":1}`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := run(t, specOf(t, tc.records), tc.body)
			if got.Err != nil {
				t.Fatal(got.Err)
			}
			if !reflect.DeepEqual(got.Records, tc.want) {
				t.Fatalf("records\n got %q\nwant %q", got.Records, tc.want)
			}
		})
	}
}

func TestValues(t *testing.T) {
	body := `{"data":[{"id":1,"next":"no"}],"pagination":{"next_cursor":"c\u00e9 2","total":12},"meta":{"total":9007199254740993,"x":null},"next":null}`
	got := run(t, specOf(t, ".data", ".pagination.next_cursor", ".meta.total", ".meta.x", ".next", ".missing", ".meta.missing.deeper", "."), body)
	if got.Err != nil {
		t.Fatal(got.Err)
	}
	want := []string{`"c\u00e9 2"`, `9007199254740993`, `null`, `null`, `<absent>`, `<absent>`, body}
	if !reflect.DeepEqual(got.Values, want) {
		t.Fatalf("values\n got %q\nwant %q", got.Values, want)
	}

	// A repeated key: the last one counts, as in jq.
	got = run(t, specOf(t, ".data", ".p.c"), `{"p":{"c":"first"},"data":[],"p":{"d":1}}`)
	if got.Err != nil || got.Values[0] != "<absent>" {
		t.Fatalf("repeated parent: %v", got)
	}
	got = run(t, specOf(t, ".data", ".p.c"), `{"p":{"c":"first","c":"second"}}`)
	if got.Err != nil || got.Values[0] != `"second"` {
		t.Fatalf("repeated key: %v", got)
	}

	// Records at . with a cursor inside the one record.
	got = run(t, specOf(t, ".", ".next"), `{"id":1,"next":"n2"}`)
	if got.Err != nil || len(got.Records) != 1 || got.Values[0] != `"n2"` {
		t.Fatalf("record and value overlap: %v", got)
	}
}

func TestKeysAndFields(t *testing.T) {
	spec := specOf(t, ".data")
	spec.Keys = []string{"id", "org.id", "missing"}
	spec.FieldDepth = 3
	got := run(t, spec, `{"data":[{"id": 7, "org": {"id": "o1", "a": {"b": {"c": 1}}}, "tags": [{"x": 1}], "k\u00e9": null}]}`)
	if got.Err != nil {
		t.Fatal(got.Err)
	}
	if want := [][]string{{"7", `"o1"`, ""}}; !reflect.DeepEqual(got.Keys, want) {
		t.Fatalf("keys %q, want %q", got.Keys, want)
	}
	want := []string{
		"id/1/number=7", `org/1/object={"id":"o1","a":{"b":{"c":1}}}`, `org.id/2/string="o1"`,
		`org.a/2/object={"b":{"c":1}}`, `org.a.b/3/object={"c":1}`, `tags/1/array=[{"x":1}]`, "ké/1/null=null",
	}
	if !reflect.DeepEqual(got.Fields, want) {
		t.Fatalf("fields\n got %q\nwant %q", got.Fields, want)
	}
}

func TestLines(t *testing.T) {
	spec := specOf(t, ".")
	spec.Lines = true
	got := run(t, spec, "{\"id\": 1}\n\n\x1e{\"id\":2}\r\n{\"id\":3}")
	if got.Err != nil || !reflect.DeepEqual(got.Records, []string{`{"id":1}`, `{"id":2}`, `{"id":3}`}) {
		t.Fatalf("%v", got)
	}
	got = run(t, spec, `{"id":1} {"id":2}`)
	var syn *SyntaxError
	if !errors.As(got.Err, &syn) || syn.Offset != 9 {
		t.Fatalf("two values on a line: %v", got.Err)
	}
	// Read as plain JSON, an NDJSON body says so.
	got = run(t, specOf(t, "."), "{\"id\":1}\n{\"id\":2}\n")
	if !errors.As(got.Err, &syn) || !syn.Trailing {
		t.Fatalf("NDJSON read as JSON: %v", got.Err)
	}
}

func TestErrors(t *testing.T) {
	deep := strings.Repeat("[", MaxNesting+1) + strings.Repeat("]", MaxNesting+1)
	for _, tc := range []struct {
		name, records, body string
		syntax              bool // else a ShapeError
		offset              int64
		msg                 string
	}{
		{"truncated in a string", ".data", `{"data":[{"id":1},{"name":"ab`, true, 29, "ends in the middle"},
		{"truncated after a comma", ".data", `{"data":[{"id":1},`, true, 18, "ends in the middle"},
		{"truncated number", ".data", `{"data":[{"id":1.`, true, 17, "ends in the middle"},
		{"truncated literal", ".data", `{"data":[{"ok":tr`, true, 15, "ends in the middle"},
		{"invalid UTF-8", ".data", "{\"data\":[{\"name\":\"a\xffb\"}]}", true, 19, "invalid UTF-8"},
		{"invalid UTF-8 in a key", ".data", "{\"da\xc3\":1}", true, 4, "invalid UTF-8"},
		{"not JSON", ".data", `hello`, true, 0, "unexpected character 'h'"},
		{"HTML", ".data", "<html><body>502 Bad Gateway</body></html>", true, 0, "HTML"},
		{"trailing comma", ".data", `{"data":[1,]}`, true, 11, "unexpected character ']'"},
		{"bad escape", ".data", `{"a":"\x"}`, true, 6, "invalid escape"},
		{"control character", ".data", "{\"a\":\"\x01\"}", true, 6, "control character"},
		{"leading zero", ".data", `{"a":01}`, true, 6, "unexpected character '1' after a number"},
		{"trailing data", ".data", `{"data":[]} x`, true, 12, "after the top-level value"},
		{"too deep", ".data", deep, true, MaxNesting, "nests deeper"},
		{"record not an object", ".data", `{"data":[{"id":1},2]}`, false, 18, "record 2 is a number, not an object"},
		{"records a string", ".data", `{"data":"x"}`, false, 8, "records are a string"},
		{"iterate null", ".data[]", `{"data":null}`, false, 8, "cannot iterate over null"},
		{"iterate nothing", ".data[]", `{}`, false, 0, "cannot iterate over null"},
		{"index a string", ".data.items", `{"data":"x"}`, false, 8, `cannot index a string with "items"`},
		{"index an array", ".data", `[{"id":1}]`, false, 0, `cannot index an array with "data"`},
		{"repeated records key", ".data", `{"data":[{"id":1}],"data":[]}`, false, 19, "repeats a key"},
		{"truncated beats shape", ".data", `{"data":[1,{"id":`, true, 17, "ends in the middle"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := run(t, specOf(t, tc.records), tc.body)
			var syn *SyntaxError
			var shp *ShapeError
			switch {
			case got.Err == nil:
				t.Fatalf("no error; records %q", got.Records)
			case tc.syntax && !errors.As(got.Err, &syn):
				t.Fatalf("%v is not a SyntaxError", got.Err)
			case tc.syntax && syn.Offset != tc.offset:
				t.Fatalf("%v: offset %d, want %d", got.Err, syn.Offset, tc.offset)
			case !tc.syntax && !errors.As(got.Err, &shp):
				t.Fatalf("%v is not a ShapeError", got.Err)
			case !tc.syntax && shp.Offset != tc.offset:
				t.Fatalf("%v: offset %d, want %d", got.Err, shp.Offset, tc.offset)
			case !strings.Contains(got.Err.Error(), tc.msg):
				t.Fatalf("%v does not say %q", got.Err, tc.msg)
			}
		})
	}
}

func TestCallbackErrorStops(t *testing.T) {
	s, err := New(specOf(t, ".data"))
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	n := 0
	_, err = s.Scan([]byte(`{"data":[{"id":1},{"id":2},{"id":3}]}`), func(*Record) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if err != stop || n != 2 {
		t.Fatalf("err %v after %d records", err, n)
	}
}

func TestReaderErrorIsKept(t *testing.T) {
	s, err := New(specOf(t, ".data"))
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("connection reset")
	_, err = s.ScanReader(iotest.DataErrReader(&errAfter{data: []byte(`{"data":[{"id":1}`), err: boom}), nil)
	if !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
}

type errAfter struct {
	data []byte
	err  error
}

func (r *errAfter) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestParsePath(t *testing.T) {
	for src, want := range map[string]string{".": ".", ".[]": ".[]", " .data ": ".data", ".a.b[]": ".a.b[]", ".a_1": ".a_1"} {
		p, err := ParsePath(src)
		if err != nil || p.String() != want {
			t.Errorf("%q: %v %v", src, p, err)
		}
	}
	for _, src := range []string{"", "data", ".data[0]", ".a..b", ".1a", ".a | .b", `."a"`, ".[].a", "..", ".a[][]"} {
		if IsPlain(src) {
			t.Errorf("%q parsed", src)
		}
	}
	if _, err := New(Spec{Values: []Path{{Keys: []string{"a"}, Iter: true}}}); err == nil {
		t.Error("a value path ending in [] was taken")
	}
}

func TestWarmScannerDoesNotAllocatePerRecord(t *testing.T) {
	var body bytes.Buffer
	body.WriteString(`{"data":[`)
	for i := range 100 {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"id": %d, "name": "n%d", "tags": ["a", "b"], "org": {"id": "x"}}`, i, i)
	}
	body.WriteString(`],"pagination":{"next_cursor":"abc"}}`)
	spec := specOf(t, ".data", ".pagination.next_cursor")
	spec.Keys, spec.FieldDepth = []string{"id"}, 3
	s, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	scan := func() {
		if _, err := s.Scan(body.Bytes(), func(*Record) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	scan()
	if allocs := testing.AllocsPerRun(20, scan); allocs > 0 {
		t.Fatalf("%v allocations a page", allocs)
	}
}
