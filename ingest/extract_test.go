package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
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
			e, err := compileExpr(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			vals, err := e.eval(newPage([]byte(body)))
			if err != nil {
				t.Fatal(err)
			}
			recs, err := splitRecords(vals)
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
			e, err := compileExpr(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			vals, err := e.eval(newPage([]byte(tc.body)))
			if err == nil {
				_, err = splitRecords(vals)
			}
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, errNotJSON) != tc.notJSON {
				t.Errorf("errNotJSON = %v, want %v (%v)", !tc.notJSON, tc.notJSON, err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
		})
	}
}

func TestCompileExprRejectsBadJQ(t *testing.T) {
	if _, err := compileExpr(".data[ | x"); err == nil || !strings.Contains(err.Error(), ".data[ | x") {
		t.Fatalf("got %v", err)
	}
}

func TestCompareMarks(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"10", "9", 1},
		{"9007199254740993", "9007199254740992", 1},
		{"1.5", "1.50", 0},
		{"2026-01-01T01:00:00+01:00", "2026-01-01T00:00:00Z", 0},
		{"2026-01-01T00:00:01Z", "2026-01-01T00:00:00.5Z", 1},
		{"b", "a", 1},
	}
	for _, tc := range cases {
		if got := compareMarks(tc.a, tc.b); got != tc.want {
			t.Errorf("compareMarks(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
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

func TestPlaygroundEvaluation(t *testing.T) {
	body := []byte(`{"items":[{"id":1},{"id":2}],"meta":{"next":"abc"}}`)
	recs, err := EvalRecords(context.Background(), ".items", body)
	if err != nil || len(recs) != 2 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	next, stop, err := EvalNext(context.Background(), PaginationConfig{Type: PageCursor, CursorPath: ".meta.next"}, ".items", body, nil, "")
	if err != nil || next != "abc" || stop != "" {
		t.Fatalf("next %q stop %q err %v", next, stop, err)
	}
	_, stop, err = EvalNext(context.Background(), PaginationConfig{Type: PageCursor, CursorPath: ".meta.nope"}, ".items", body, nil, "")
	if err != nil || stop != StopNoCursor {
		t.Fatalf("stop %q err %v", stop, err)
	}
	pages := []byte(`{"items":[{"id":1}],"total_pages":20}`)
	_, stop, err = EvalNext(context.Background(), PaginationConfig{Type: PagePage, TotalPagesPath: ".total_pages"}, ".items", pages, nil, "http://api.test/x?page=20")
	if err != nil || stop != StopLastPage {
		t.Errorf("page 20 of 20: stop %q err %v", stop, err)
	}
	next, _, _ = EvalNext(context.Background(), PaginationConfig{Type: PagePage, TotalPagesPath: ".total_pages"}, ".items", pages, nil, "http://api.test/x?page=7")
	if next != "page=8" {
		t.Errorf("after page 7: next %q", next)
	}
	if _, err := EvalRecords(context.Background(), ".items[", body); err == nil {
		t.Fatal("a bad expression passed")
	}
}

func TestLoopMemoryIsBounded(t *testing.T) {
	p := &paginator{seen: map[[32]byte]int{}}
	for i := 0; i <= maxRemembered; i++ {
		if err := p.remember("cursor", fmt.Sprint(i), i+1); err != nil {
			t.Fatal(err)
		}
	}
	if len(p.seen) != maxRemembered {
		t.Fatalf("%d cursors kept, want %d", len(p.seen), maxRemembered)
	}
	if err := p.remember("cursor", fmt.Sprint(maxRemembered), 0); err == nil {
		t.Error("a recent repeat went unnoticed")
	}
	if err := p.remember("cursor", "0", 0); err != nil {
		t.Error("the oldest cursor was still remembered")
	}
}

func TestEndlessJQIsStopped(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := EvalRecords(ctx, "[repeat(.)] | .[]", []byte(`{"a":1}`))
	if err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("got %v, want the evaluation stopped by its deadline", err)
	}
}

func TestDropRepeatsKeepsNewVersions(t *testing.T) {
	w := &walk{cfg: &Config{PrimaryKey: []string{"id"}}, rn: &runner{run: &Run{events: make(chan Event, 8)}}}
	w.dropRepeats([]json.RawMessage{[]byte(`{"id":1,"v":1}`), []byte(`{"id":2,"v":1}`)}, 1)
	kept := w.dropRepeats([]json.RawMessage{[]byte(`{"id":2,"v":1}`), []byte(`{"id":1,"v":2}`), []byte(`{"id":3,"v":1}`)}, 2)
	var got []string
	for _, r := range kept {
		got = append(got, string(r))
	}
	if strings.Join(got, " ") != `{"id":1,"v":2} {"id":3,"v":1}` {
		t.Errorf("kept %v", got)
	}
}
