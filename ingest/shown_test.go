package ingest_test

import (
	"net/http"
	"strings"
	"testing"

	"siphon/ingest"
	"siphon/ingest/page"
	"siphon/profiles"
)

// TestShownRequestKeepsReferences: the request a page shows (the console's
// inspector and curl command) carries every value that came from a
// reference as that reference, whatever the header or parameter is
// called, and the POST body, but never a secret's value.
func TestShownRequestKeepsReferences(t *testing.T) {
	srv := newHostile(t, nil, func(w http.ResponseWriter, r *http.Request) { jsonPage(w, []int{1}, "") })
	vars := map[string]string{"XA": "xauth-value-5521", "TEAM": "team-value-77", "TOKEN": "tok-value-90210", "Q": "q-value-31337"}
	src := `name: shown
base_url: ` + srv.URL + `
path: /items
method: POST
params: {team: "${TEAM}", plain: "yes"}
headers: {X-Auth: "${XA}"}
body: {q: "${Q}", n: 1}
records: .data
auth: {type: bearer, token: "${TOKEN}"}
`
	p, err := profiles.Loader{CheckExpr: page.Check, LookupEnv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}.LoadBytes("shown.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	evs, err := run(t, p.Config, ingest.Job{Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var req ingest.PageRequest
	for _, ev := range evs {
		if pf, ok := ev.(ingest.PageFetched); ok {
			req = pf.Request
		}
	}
	if got := req.Headers["X-Auth"]; got != "${XA}" {
		t.Errorf("X-Auth shown as %q", got)
	}
	if got := req.Headers["Authorization"]; got != "Bearer ${TOKEN}" {
		t.Errorf("Authorization shown as %q", got)
	}
	if !strings.Contains(req.URL, "team=${TEAM}") || !strings.Contains(req.URL, "plain=yes") {
		t.Errorf("URL shown as %q", req.URL)
	}
	if req.Method != http.MethodPost || !strings.Contains(req.Body, `"n":1`) {
		t.Errorf("method %q body %q", req.Method, req.Body)
	}
	all := req.URL + req.Body
	for _, v := range req.Headers {
		all += v
	}
	for name, v := range vars {
		if strings.Contains(all, v) {
			t.Errorf("the shown request carries %s's value: %+v", name, req)
		}
	}
	// What the API received are the values.
	got := srv.requests()[0]
	if got.Header.Get("X-Auth") != vars["XA"] || !strings.Contains(got.URL, vars["TEAM"]) {
		t.Errorf("the API got %+v", got)
	}
}
