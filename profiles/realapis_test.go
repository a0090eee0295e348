package profiles

import (
	"reflect"
	"strings"
	"testing"

	"siphon/ingest/page"
	"siphon/ingest/spec"
)

func TestLoadRealAPIKeys(t *testing.T) {
	p, err := Loader{CheckExpr: page.Check, LookupEnv: env(testEnv)}.LoadFile("testdata/valid/scroll.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := p.Config
	want := spec.NextRequest{Path: "/_search/scroll", Method: "POST", Params: map[string]string{}, Headers: map[string]string{"X-Phase": "continue"},
		Body: []byte(`{"scroll":"1m"}`), In: "body", CursorParam: "scroll_id"}
	if !reflect.DeepEqual(c.Pagination.Next, want) {
		t.Errorf("next = %+v\nwant %+v", c.Pagination.Next, want)
	}
	if !c.Pagination.CursorRepeats || c.Pagination.StopWhen == "" || c.ErrorWhen != ".error != null" || c.ErrorMessage != ".error.reason" ||
		c.Anomalies[spec.AnomalyTotalMismatch] != "warn" || c.Retry.MaxElapsed.String() != "10m0s" {
		t.Errorf("config %+v", c)
	}
}

func TestLoadRealAPIErrors(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown anomaly", base + "anomalies: {total_mismatches: warn}\n", "3:13: anomalies.total_mismatches: unknown key; did you mean total_mismatch?"},
		{"bad anomaly action", base + "anomalies: {total_mismatch: ignore}\n", "3:29: anomalies.total_mismatch: expected one of fail, warn, got \"ignore\""},
		{"bad error_when", base + "error_when: .ok ==\n", "3:13: error_when: invalid jq expression"},
		{"bad next.in", base + "pagination:\n  type: cursor\n  cursor_path: .n\n  next: {in: path}\n", "6:14: pagination.next.in: expected one of query, body, header"},
		{"bad next key", base + "pagination:\n  type: cursor\n  cursor_path: .n\n  next: {pth: /x}\n", "6:10: pagination.next.pth: unknown key; did you mean path?"},
		{"cursor_header instead of cursor_path", base + "pagination:\n  type: cursor\n  cursor_header: X-Next\n", ""},
		{"cursor_header on the wrong type", base + "pagination:\n  type: offset\n  cursor_header: X-Next\n", "5:3: pagination.cursor_header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Loader{CheckExpr: page.Check, LookupEnv: env(testEnv)}.LoadBytes("t.yaml", []byte(tc.yaml))
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
