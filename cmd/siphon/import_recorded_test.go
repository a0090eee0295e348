package main

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"siphon/ingest/demoapi/shapes"
)

// harEntry records one real exchange with a server as a HAR entry, the
// way a browser's developer tools save it.
func harEntry(t *testing.T, method, url string, headers map[string]string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	var reqHeaders []map[string]string
	for k, v := range headers {
		req.Header.Set(k, v)
		reqHeaders = append(reqHeaders, map[string]string{"name": k, "value": v})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var respHeaders []map[string]string
	for k, vs := range resp.Header {
		for _, v := range vs {
			respHeaders = append(respHeaders, map[string]string{"name": k, "value": v})
		}
	}
	content := map[string]any{"size": len(body), "mimeType": resp.Header.Get("Content-Type"), "text": string(body)}
	if !strings.Contains(resp.Header.Get("Content-Type"), "json") {
		content["text"], content["encoding"] = base64.StdEncoding.EncodeToString(body), "base64"
	}
	return map[string]any{
		"request":  map[string]any{"method": method, "url": url, "headers": reqHeaders, "httpVersion": "HTTP/1.1"},
		"response": map[string]any{"status": resp.StatusCode, "headers": respHeaders, "content": content},
	}
}

func shapeServer(t *testing.T, name string, n int) (*shapes.API, *httptest.Server) {
	t.Helper()
	api, err := shapes.New(name, shapes.Options{Token: shapesToken, Records: n})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return api, srv
}

var exportLine = regexp.MustCompile(`export ([A-Z0-9_]+)=`)

// saveImport runs siphon import KIND FILE --save and returns the saved
// profiles' names and the variables the import asked for.
func saveImport(t *testing.T, dir string, args ...string) (names, vars []string, stdout string) {
	t.Helper()
	code, stdout, stderr := siphon(t, dir, append(append([]string{"import"}, args...), "--save")...)
	if code != 0 {
		t.Fatalf("import: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, line := range strings.Split(stdout, "\n") {
		if path, ok := strings.CutPrefix(line, "Saved "); ok {
			names = append(names, strings.TrimSuffix(filepath.Base(path), ".yaml"))
		}
	}
	for _, m := range exportLine.FindAllStringSubmatch(stderr, -1) {
		vars = append(vars, m[1])
	}
	return names, vars, stdout + stderr
}

// checkNoToken fails when the token is in any file under dir.
func checkNoToken(t *testing.T, dir, token string) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if data, _ := os.ReadFile(path); strings.Contains(string(data), token) {
				t.Errorf("the token is in %s", path)
			}
		}
		return nil
	})
}

// TestImportHAR: a HAR recorded from Stripe-, GitHub- and Jira-shaped APIs,
// with a browser's headers, later pages recorded and requests that list
// nothing: one profile per list, each fetching every record once, the
// recorded token nowhere in the profiles.
func TestImportHAR(t *testing.T) {
	const n = 333
	stripe, stripeSrv := shapeServer(t, "stripe", n)
	github, githubSrv := shapeServer(t, "github", n)
	jira, jiraSrv := shapeServer(t, "jira", n)
	browser := map[string]string{"Authorization": "Bearer " + shapesToken, "User-Agent": "Mozilla/5.0", "Accept": "application/json", "Sec-Fetch-Mode": "cors", "Accept-Language": "en"}
	har := map[string]any{"log": map[string]any{"version": "1.2", "creator": map[string]string{"name": "test"}, "entries": []any{
		harEntry(t, "GET", stripeSrv.URL+"/v1/customers?limit=25", browser),
		harEntry(t, "GET", stripeSrv.URL+"/v1/nothing", browser), // 404
		harEntry(t, "GET", githubSrv.URL+"/repos/o/r/issues?per_page=30&page=2&state=all", browser),
		harEntry(t, "GET", githubSrv.URL+"/repos/o/r/issues?per_page=30&page=3&state=all", browser), // the same list again
		harEntry(t, "GET", jiraSrv.URL+"/rest/api/3/search?jql=project%3DX&startAt=50&maxResults=50", browser),
	}}}
	dir := t.TempDir()
	file := filepath.Join(dir, "session.har")
	data, _ := json.Marshal(har)
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	names, vars, said := saveImport(t, dir, "har", file)
	if len(names) != 3 {
		t.Fatalf("saved %v, want 3 profiles\n%s", names, said)
	}
	checkNoToken(t, filepath.Join(dir, "profiles"), shapesToken)
	if strings.Contains(said, shapesToken) {
		t.Errorf("the import printed the token:\n%s", said)
	}
	if strings.Count(said, "confirmed by the probe") != 3 {
		t.Errorf("the probe did not confirm the three:\n%s", said)
	}
	for _, v := range vars {
		t.Setenv(v, shapesToken)
	}
	apis := map[string]*shapes.API{"get-v1-customers": stripe, "get-repos-o-r-issues": github, "get-rest-api-3-search": jira}
	for _, name := range names {
		api := apis[name]
		if api == nil {
			t.Fatalf("unexpected profile %s\n%s", name, said)
		}
		code, _, stderr := siphon(t, dir, "run", name)
		saved, _ := os.ReadFile(filepath.Join(dir, "profiles", name+".yaml"))
		if code != 0 {
			t.Fatalf("run %s: exit %d\n%s\nprofile:\n%s\nimport said:\n%s", name, code, stderr, saved, said)
		}
		if why := api.Once(shapeIDs(t, api, filepath.Join(dir, "siphon-data", name, "records.jsonl"))); why != "" {
			t.Fatalf("%s: %s\nprofile:\n%s", name, why, saved)
		}
	}
}

// TestImportPostman: a collection with its variables, an environment whose
// secret fills the collection's bearer auth, a folder, path variables, a
// saved example and a request left without a value: the runnable requests
// are saved and fetch every record once; the secret is nowhere in files.
func TestImportPostman(t *testing.T) {
	const n = 257
	stripe, stripeSrv := shapeServer(t, "stripe", n)
	github, githubSrv := shapeServer(t, "github", n)
	example := harEntry(t, "GET", githubSrv.URL+"/repos/o/r/issues?per_page=50&page=1&state=all", map[string]string{"Authorization": "Bearer " + shapesToken})
	resp := example["response"].(map[string]any)
	var exHeaders []map[string]string
	for _, h := range resp["headers"].([]map[string]string) {
		exHeaders = append(exHeaders, map[string]string{"key": h["name"], "value": h["value"]})
	}
	collection := map[string]any{
		"info":     map[string]any{"name": "Shapes", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
		"variable": []any{map[string]any{"key": "stripeBase", "value": stripeSrv.URL}, map[string]any{"key": "ghBase", "value": githubSrv.URL}},
		"auth":     map[string]any{"type": "bearer", "bearer": []any{map[string]any{"key": "token", "value": "{{apiToken}}", "type": "string"}}},
		"item": []any{
			map[string]any{"name": "List customers", "request": map[string]any{"method": "GET", "header": []any{map[string]any{"key": "Accept", "value": "application/json"}},
				"url": map[string]any{"raw": "{{stripeBase}}/v1/customers?limit=20", "query": []any{map[string]any{"key": "limit", "value": "20"}, map[string]any{"key": "expand", "value": "x", "disabled": true}}}}},
			map[string]any{"name": "GitHub", "item": []any{
				map[string]any{"name": "Repo issues", "request": map[string]any{"method": "GET",
					"url": map[string]any{"raw": "{{ghBase}}/repos/:owner/:repo/issues?per_page=50&state=all",
						"query":    []any{map[string]any{"key": "per_page", "value": "50"}, map[string]any{"key": "state", "value": "all"}},
						"variable": []any{map[string]any{"key": "owner", "value": "o"}, map[string]any{"key": "repo", "value": "r"}}}},
					"response": []any{map[string]any{"name": "ok", "code": 200, "header": exHeaders, "body": resp["content"].(map[string]any)["text"]}}},
				map[string]any{"name": "Someone's issues", "request": map[string]any{"method": "GET", "url": "{{ghBase}}/repos/{{owner}}/x/issues"}},
			}},
		},
	}
	env := map[string]any{"name": "local", "values": []any{map[string]any{"key": "apiToken", "value": shapesToken, "type": "secret", "enabled": true}}}
	dir := t.TempDir()
	for file, v := range map[string]any{"shapes.postman_collection.json": collection, "local.postman_environment.json": env} {
		data, _ := json.Marshal(v)
		if err := os.WriteFile(filepath.Join(dir, file), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("API_TOKEN", shapesToken) // the probe confirms with it
	names, vars, said := saveImport(t, dir, "postman", filepath.Join(dir, "shapes.postman_collection.json"), "--environment", filepath.Join(dir, "local.postman_environment.json"))
	if len(names) != 2 || !strings.Contains(said, "Not saved someone-s-issues: it needs owner") {
		t.Fatalf("saved %v, want list-customers and repo-issues, and someone-s-issues needing owner\n%s", names, said)
	}
	if len(vars) != 1 || vars[0] != "API_TOKEN" {
		t.Errorf("asked for %v, want API_TOKEN\n%s", vars, said)
	}
	if strings.Count(said, "confirmed by the probe") != 2 {
		t.Errorf("the probe did not confirm both:\n%s", said)
	}
	checkNoToken(t, filepath.Join(dir, "profiles"), shapesToken)
	for name, api := range map[string]*shapes.API{"list-customers": stripe, "repo-issues": github} {
		code, _, stderr := siphon(t, dir, "run", name)
		saved, _ := os.ReadFile(filepath.Join(dir, "profiles", name+".yaml"))
		if code != 0 {
			t.Fatalf("run %s: exit %d\n%s\nprofile:\n%s\nimport said:\n%s", name, code, stderr, saved, said)
		}
		if why := api.Once(shapeIDs(t, api, filepath.Join(dir, "siphon-data", name, "records.jsonl"))); why != "" {
			t.Fatalf("%s: %s\nprofile:\n%s", name, why, saved)
		}
	}
	checkNoToken(t, filepath.Join(dir, "profiles"), shapesToken)
	checkNoToken(t, filepath.Join(dir, "siphon-data"), shapesToken)
}

// TestImportRecordedBadInput: files that are not what they say give one
// clear line and exit 2.
func TestImportRecordedBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o600)
		return p
	}
	for _, tc := range []struct {
		kind, file, content, want string
	}{
		{"har", "a.har", "<html>", "is not a HAR file"},
		{"har", "b.har", `{"log":{"entries":[]}}`, "records no requests"},
		{"har", "c.har", `{"entries":[]}`, `has no "log"`},
		{"har", "d.har", `{"log":{"entries":[{"request":{"method":"GET","url":"http://127.0.0.1:1/x"},"response":{"status":200,"content":{"text":"<html></html>"}}}]}}`, "no request lists records"},
		{"postman", "e.json", `{"info":{"name":"x","schema":"https://schema.getpostman.com/json/collection/v1.0.0/collection.json"},"item":[]}`, "not a Postman collection v2.1"},
		{"postman", "f.json", `{"info":{"name":"x"},"item":[]}`, "holds no requests"},
	} {
		code, stdout, stderr := siphon(t, dir, "import", tc.kind, write(tc.file, tc.content))
		if code != 2 || !strings.Contains(stdout+stderr, tc.want) || strings.Contains(stderr, "goroutine") {
			t.Errorf("%s %s: exit %d, want 2 and %q\n%s%s", tc.kind, tc.file, code, tc.want, stdout, stderr)
		}
	}
}
