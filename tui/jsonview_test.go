package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"siphon/ingest"
)

func TestIndentJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":1,"b":[true,null],"c":{}}`, "{\n  \"a\": 1,\n  \"b\": [\n    true,\n    null\n  ],\n  \"c\": {}\n}"},
		{`{"s":"x,{y}:\"z"}`, "{\n  \"s\": \"x,{y}:\\\"z\"\n}"},
		{`[]`, `[]`},
		{`{"cut":[1,2`, "{\n  \"cut\": [\n    1,\n    2"}, // truncated bodies stay readable
	}
	for _, tt := range tests {
		if got := indentJSON([]byte(tt.in)); got != tt.want {
			t.Errorf("indentJSON(%s) =\n%s\nwant\n%s", tt.in, got, tt.want)
		}
	}
}

func TestHighlightJSONMarksTokens(t *testing.T) {
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(termenv.ANSI)
	st := DefaultStyles(r)
	st.Key, st.String, st.Number, st.Literal = mark(r, "K"), mark(r, "S"), mark(r, "N"), mark(r, "L")
	got := strings.Join(highlightJSON(`  "id": 12, "name": "a\"b", "ok": false, "x": null`, st), "\n")
	want := `  K"id"K: N12N, K"name"K: S"a\"b"S, K"ok"K: LfalseL, K"x"K: LnullL`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// mark is a style that wraps text in a letter, to see what was styled how.
func mark(r *lipgloss.Renderer, letter string) lipgloss.Style {
	return r.NewStyle().Transform(func(s string) string { return letter + s + letter })
}

func TestCurlCommand(t *testing.T) {
	req := ingest.PageRequest{Method: "GET", URL: "http://127.0.0.1:1/v1?cursor=abc&api_key=REDACTED", Headers: map[string]string{"Authorization": "REDACTED", "Accept": "application/json"}}
	want := `curl -H 'Accept: application/json' -H 'Authorization: REDACTED' 'http://127.0.0.1:1/v1?cursor=abc&api_key=REDACTED'`
	if got := curlCommand(req, nil); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	post := curlCommand(ingest.PageRequest{Method: "POST", URL: "http://h/it's"}, nil)
	if post != `curl -X POST 'http://h/it'\''s'` {
		t.Errorf("POST: %s", post)
	}
	// The profile's references stay references, outside the single quotes
	// for the shell to fill; the POST body is part of the command.
	refs := curlCommand(ingest.PageRequest{Method: "POST", URL: "http://h/q?team=${TEAM}&x=1",
		Headers: map[string]string{"X-Auth": "${XA}", "Authorization": "Bearer ${TOKEN}"}, Body: `{"q":"a$b \"c\""}`},
		map[string]string{"headers.authorization": "Bearer ${TOKEN}", "headers.x-auth": "${XA}", "params.team": "${TEAM}"})
	want = `curl -X POST -H 'Authorization: Bearer '"${TOKEN}" -H 'X-Auth: '"${XA}" --data-raw '{"q":"a$b \"c\""}' 'http://h/q?team='"${TEAM}"'&x=1'`
	if refs != want {
		t.Errorf("got  %s\nwant %s", refs, want)
	}
}
