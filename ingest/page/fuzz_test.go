package page

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"siphon/ingest/pagescan"
)

// FuzzExtract feeds arbitrary bodies and expressions to record extraction:
// it must never panic, and every record it returns must be a JSON object.
func FuzzExtract(f *testing.F) {
	f.Add(`{"data":[{"id":1},{"id":2}]}`, ".data")
	f.Add(`[{"id":9007199254740993}]`, ".")
	f.Add(`{"a":{"b":[{"x":1}]}}`, ".a.b[]")
	f.Add(`{"data":[1,2]}`, ".data")
	f.Add(`{"data":[{"id":1}`, ".data")
	f.Add(`<html>oops</html>`, ".data")
	f.Add(`{"data":[{"id":1,"t":"x"}]}`, `.data[] | select(.t == "x")`)
	f.Add(`{"data":null}`, ".data[]")
	f.Fuzz(func(t *testing.T, body, src string) {
		e, err := Compile(src)
		if err != nil {
			return
		}
		recs, err := Parse(context.Background(), []byte(body)).Records(e)
		if err != nil {
			return
		}
		for _, r := range recs {
			r = bytes.TrimSpace(r)
			if len(r) == 0 || r[0] != '{' || !json.Valid(r) {
				t.Fatalf("record %q is not a JSON object", r)
			}
		}
	})
}

// readerSpecs are the records, cursor and total expressions
// FuzzReaderAgreesWithJQ picks from.
var readerSpecs = [][3]string{
	{".data", ".pagination.next_cursor", ".meta.total"},
	{".data[]", ".next", ".total"},
	{".", ".next", ".meta.total"},
	{".[]", ".pagination.next_cursor", ".total"},
	{".a.b", ".a.c", ".a.b.total"},
}

// FuzzReaderAgreesWithJQ checks the one pass a run uses (Reader, from a
// byte slice and from a stream) against the gojq path on the same
// expressions in parentheses, which are not plain: the same records byte
// for byte (compacted), the same cursor and total, errors on the same bodies.
func FuzzReaderAgreesWithJQ(f *testing.F) {
	for i, body := range []string{
		`{"data":[{"id":1,"n":12.50,"s":"caf\u00e9 \"q\" Zoë"},{"id":98765432109876543210}],"pagination":{"next_cursor":"c2"},"meta":{"total":2}}`,
		`{"data":[{"id":1},[{"id":2}],null],"next":"n","total":9223372036854775807}`,
		`[{"id":1, "b" : [ 1 , 2 ]},{"k\u00e9y":"x"}]`,
		`{"a":{"b":[{"x":{"y":[1,{"z":null}]}}],"c":"cur"}}`,
		`{"data":"x"}`,
		`{"data":[1]}`,
		`{"data":[{"id":1}`,
		"<html>502</html>",
	} {
		f.Add([]byte(body), uint8(i))
	}
	f.Fuzz(func(t *testing.T, body []byte, pick uint8) {
		spec := readerSpecs[int(pick)%len(readerSpecs)]
		var plain, viaJQ [3]*Expr
		for i, src := range spec {
			var err error
			if plain[i], err = Compile(src); err != nil {
				t.Fatal(err)
			}
			if viaJQ[i], err = Compile("(" + src + ")"); err != nil || viaJQ[i].Plain() {
				t.Fatalf("(%s): %v, plain %v", src, err, viaJQ[i].Plain())
			}
		}
		rd := NewReader(plain[0], nil, 3, plain[1], plain[2])
		if rd == nil {
			t.Fatalf("no Reader for %v", spec)
		}
		ctx := context.Background()
		var got []string
		pg, err := rd.Scan(ctx, body, false, func(r *pagescan.Record) error {
			got = append(got, string(r.Raw))
			return nil
		})
		var streamed []string
		spg, serr := rd.ScanReader(ctx, bytes.NewReader(body), false, func(r *pagescan.Record) error {
			streamed = append(streamed, string(r.Raw))
			return nil
		})
		if (err == nil) != (serr == nil) || strings.Join(got, "\n") != strings.Join(streamed, "\n") {
			t.Fatalf("from bytes %q, %v; streamed %q, %v", got, err, streamed, serr)
		}
		if !utf8.Valid(body) {
			if err == nil && len(got) > 0 {
				// fine only if the bad bytes lie outside anything read
				for _, r := range got {
					if !utf8.ValidString(r) {
						t.Fatalf("record %q is not UTF-8", r)
					}
				}
			}
			return // encoding/json reads bad bytes as U+FFFD; fetch refuses such bodies first
		}
		trimmed := bytes.TrimSpace(body)
		if len(trimmed) == 0 || bytes.HasPrefix(body, []byte("\xef\xbb\xbf")) || errors.Is(err, pagescan.ErrDuplicateKey) {
			return // null to the scan, an error to encoding/json; jq keeps the last duplicate
		}
		jp := Parse(ctx, body)
		want, jqErr := jp.Records(viaJQ[0])
		var vals [2]json.RawMessage
		for i := range vals {
			v, verr := jp.Value(viaJQ[i+1])
			jqErr = errors.Join(jqErr, verr)
			vals[i] = v
		}
		if (err != nil) != (jqErr != nil) {
			t.Fatalf("one pass: %v; gojq: %v", err, jqErr)
		}
		if err != nil {
			if errors.Is(err, ErrNotJSON) != errors.Is(jqErr, ErrNotJSON) {
				wrapped, _ := ScanError(err)
				if errors.Is(wrapped, ErrNotJSON) != errors.Is(jqErr, ErrNotJSON) {
					t.Fatalf("one pass: %v; gojq: %v (not JSON to one only)", wrapped, jqErr)
				}
			}
			return
		}
		if len(got) != len(want) {
			t.Fatalf("%d records, gojq %d: %q vs %q", len(got), len(want), got, want)
		}
		for i := range got {
			if c := compactText(t, want[i]); got[i] != c {
				t.Fatalf("record %d: %s, gojq %s", i, got[i], c)
			}
		}
		for i, e := range plain[1:] {
			for _, p := range []*Page{pg, spg} {
				v, err := p.Value(e)
				if err != nil || compactText(t, v) != compactText(t, vals[i]) {
					t.Fatalf("%s: %s, %v; gojq %s", e, v, err, vals[i])
				}
			}
		}
	})
}

func compactText(t *testing.T, raw json.RawMessage) string {
	if raw == nil {
		return "null"
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatalf("%q: %v", raw, err)
	}
	return b.String()
}
