package page

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestExtractRecords(t *testing.T) {
	body := `{"data": [ {"id": 9007199254740993, "b": 1.50, "a": "x"}, {"id": 2, "n": {"k": [1, 2]}} ], "meta": {"next": "abc"}}`
	cases := []struct {
		expr string
		want []string
	}{
		{".data", []string{`{"id":9007199254740993,"b":1.50,"a":"x"}`, `{"id":2,"n":{"k":[1,2]}}`}},
		{".data[]", []string{`{"id":9007199254740993,"b":1.50,"a":"x"}`, `{"id":2,"n":{"k":[1,2]}}`}},
		{".data[] | select(.id == 2)", []string{`{"id":2,"n":{"k":[1,2]}}`}},
		{".data[1:]", []string{`{"id":2,"n":{"k":[1,2]}}`}},
		{".data[0].n", nil}, // a missing field is null: no records
		{".meta", []string{`{"next":"abc"}`}},
		// computed values fall back to gojq's own encoding, numbers still exact
		{".data | map({id})", []string{`{"id":9007199254740993}`, `{"id":2}`}},
		{".missing", nil},
	}
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			e, err := Compile(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			recs, err := Parse(context.Background(), []byte(body)).Records(e)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range recs {
				got = append(got, compact(t, r))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestExtractRecordsErrors(t *testing.T) {
	cases := []struct {
		expr, body string
		notJSON    bool
		msg        string
	}{
		{".data", `<html><body>502 Bad Gateway</body></html>`, true, "not valid JSON"},
		{".data", `{"data": [{"id": 1}`, true, "not valid JSON"},
		{".data[] | .id", `{"data": [{"id": 1}]}`, false, "a number, not an object"},
		{".data", `{"data": [1, 2]}`, false, "record 1 is a number"},
		{".data", `{"data": "nope"}`, false, "a string, not an object"},
		{".data[]", `{"data": null}`, false, "cannot iterate over null"},
		{".[] | .x", `[{"x": [1]}]`, false, "record 1 is a number"},
	}
	for _, tc := range cases {
		t.Run(tc.expr+" "+tc.body, func(t *testing.T) {
			e, err := Compile(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Parse(context.Background(), []byte(tc.body)).Records(e)
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, ErrNotJSON) != tc.notJSON {
				t.Errorf("ErrNotJSON = %v, want %v (%v)", !tc.notJSON, tc.notJSON, err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
		})
	}
}

func TestCompileRejectsBadJQ(t *testing.T) {
	if _, err := Compile(".data[ | x"); err == nil || !strings.Contains(err.Error(), ".data[ | x") {
		t.Fatalf("got %v", err)
	}
}

func compact(t *testing.T, raw []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestScalarTextPlainStrings: the fast path for strings with nothing to
// unescape gives what json.Unmarshal gives, and leaves the rest to it.
func TestScalarTextPlainStrings(t *testing.T) {
	for _, raw := range []string{`"abc"`, `""`, `"a b/c=d+e"`, `"tab\there"`, `"quote\"d"`, `"é"`, `"\u00e9"`, "\"\xff\"", `"a"x"`, ` "padded" `} {
		got, err := ScalarText(json.RawMessage(raw))
		var want string
		wantErr := json.Unmarshal([]byte(strings.TrimSpace(raw)), &want)
		if (err != nil) != (wantErr != nil) || (err == nil && got != want) {
			t.Errorf("ScalarText(%s) = %q, %v; json says %q, %v", raw, got, err, want, wantErr)
		}
	}
}
