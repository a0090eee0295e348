package page

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
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
