package schema

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"siphon/ingest/pagescan"
)

// scanFields returns "path:type" for each field the reader found, or nil
// and false when it rejected the record.
func scanFields(rec string) ([]string, bool) {
	fields, ok := newRecordReader().fieldsOf([]byte(rec))
	if !ok {
		return nil, false
	}
	var got []string
	for _, f := range fields {
		got = append(got, string(f.Path)+":"+f.Kind.String())
	}
	return got, true
}

func TestScanFields(t *testing.T) {
	tests := []struct {
		name string
		rec  string
		want []string
	}{
		{"empty object", `{}`, nil},
		{"every type", `{"o":{},"a":[],"s":"x","n":-1.5e3,"t":true,"f":false,"z":null}`,
			[]string{"o:object", "a:array", "s:string", "n:number", "t:boolean", "f:boolean", "z:null"}},
		{"white space", " \t\n{ \"a\" :\r\n 1 , \"b\":[ ] }\n ", []string{"a:number", "b:array"}},
		{"nested to depth 3", `{"a":{"b":{"c":{"d":1}},"e":2}}`,
			[]string{"a:object", "a.b:object", "a.b.c:object", "a.e:number"}},
		{"arrays not descended", `{"items":[{"x":1},[2,{"y":[]}]],"n":0}`, []string{"items:array", "n:number"}},
		{"escaped key", `{"\u0061mount":1,"a\"b\\c\/d\n":2}`, []string{"amount:number", "a\"b\\c/d\n:number"}},
		{"surrogate pair key", `{"\ud83d\ude00":1}`, []string{"\U0001F600:number"}},
		{"lone surrogate key", `{"\ud83dx":1}`, []string{"\uFFFDx:number"}},
		{"escapes in values skipped", `{"s":"a\"}\\{\u00e9","t":1}`, []string{"s:string", "t:number"}},
		{"empty key nested", `{"":{"a":1}}`, []string{":object", ".a:number"}},
		{"duplicate key", `{"a":1,"a":"x"}`, []string{"a:number", "a:string"}},
		{"numbers", `{"a":0,"b":-0.0,"c":1E+9,"d":12e-3}`, []string{"a:number", "b:number", "c:number", "d:number"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := scanFields(tt.rec)
			if !ok {
				t.Fatalf("scan(%q) rejected a valid record", tt.rec)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("scan(%q) fields = %q, want %q", tt.rec, got, tt.want)
			}
		})
	}
}

func TestScanRejectsMalformed(t *testing.T) {
	bad := []string{
		``, ` `, `[]`, `[{"a":1}]`, "{\"a\":1}\n{\"b\":2}", `"x"`, `1`, `null`, `{`, `}`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{,}`,
		`{"a":1}x`, `{"a":1}{}`, `{"a" 1}`, `{a:1}`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`,
		`{"a":1e}`, `{"a":-}`, `{"a":+1}`, `{"a":tru}`, `{"a":nul}`, `{"a":"x}`, `{"a":"\x"}`,
		`{"a":"\u12"}`, `{"a":"\u12g4"}`, "{\"a\":\"tab\there\"}", `{"a":[1,]}`, `{"a":[1 2]}`,
		`{"a":[}`, `{"a":{"b":1}`, `{"a":1,"b":2`, `{"a"`, `{"a":"\`,
		strings.Repeat(`{"a":`, pagescan.MaxNesting+1) + "1" + strings.Repeat("}", pagescan.MaxNesting+1),
		`{"a":` + strings.Repeat("[", pagescan.MaxNesting+1) + strings.Repeat("]", pagescan.MaxNesting+1) + `}`,
	}
	for _, rec := range bad {
		if json.Valid([]byte(rec)) && strings.HasPrefix(rec, "{") && len(rec) < 1000 {
			t.Fatalf("test bug: %q is valid JSON", rec)
		}
		if _, ok := scanFields(rec); ok {
			t.Errorf("scan(%.40q) accepted malformed input", rec)
		}
	}
}

// The record reader must agree with encoding/json on the top-level keys and on
// the type of each value.
func TestScanAgreesWithEncodingJSON(t *testing.T) {
	recs := []string{
		`{"id":12345678901234567890,"name":"Zoë \u00e9","tags":["a","b"],"paid":false,"note":null,"meta":{"k":[{}]}}`,
		`{"\u0041":1,"a\/b":"\ud83d\ude00","e":-0.5E-7}`,
		strings.Repeat(`{"d":`, 50) + "true" + strings.Repeat("}", 50),
	}
	for _, rec := range recs {
		checkAgainstEncodingJSON(t, []byte(rec))
	}
}

// checkAgainstEncodingJSON fails t when a valid JSON object is rejected by
// the record reader, or read with other top-level keys or types than encoding/json.
func checkAgainstEncodingJSON(t *testing.T, rec []byte) {
	t.Helper()
	var top map[string]json.RawMessage
	// encoding/json rewrites invalid UTF-8; pagescan rejects it.
	if !utf8.Valid(rec) || json.Unmarshal(rec, &top) != nil || top == nil {
		return
	}
	fields, ok := newRecordReader().fieldsOf(rec)
	if !ok {
		t.Fatalf("scan rejected a JSON object encoding/json accepts: %q", rec)
	}
	seen := map[string]pagescan.Kind{}
	for _, f := range fields {
		if f.Depth == 1 {
			seen[string(f.Path)] = f.Kind // last one wins, as in encoding/json
		}
	}
	if len(seen) != len(top) {
		t.Fatalf("scan found %d top-level keys, encoding/json %d, in %q", len(seen), len(top), rec)
	}
	for key, raw := range top {
		typ, ok := seen[key]
		if !ok {
			t.Fatalf("scan missed key %q in %q", key, rec)
		}
		if want := firstByteType(raw); typ != want {
			t.Fatalf("key %q: scan says %v, encoding/json value %q", key, typ, raw)
		}
	}
}

func firstByteType(raw json.RawMessage) pagescan.Kind {
	switch raw[0] {
	case '{':
		return pagescan.KindObject
	case '[':
		return pagescan.KindArray
	case '"':
		return pagescan.KindString
	case 't', 'f':
		return pagescan.KindBool
	case 'n':
		return pagescan.KindNull
	}
	return pagescan.KindNumber
}
