package tui

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"siphon/ingest/probe"
	"siphon/ingest/spec"
)

// probedBody is what the fake API answers.
const probedBody = `{"items":[{"id":1,"name":"one"},{"id":2,"name":"two"}],"next":"/v1/items?page=2"}`

// fakeProbe answers every request with probedBody and notes the requests.
type fakeProbe struct{ asked []ProbeRequest }

func (f *fakeProbe) probe(_ context.Context, req ProbeRequest) (spec.Config, *probe.Report, error) {
	f.asked = append(f.asked, req)
	cfg := spec.Config{Name: "items", BaseURL: "http://127.0.0.1:9", Path: "/v1/items", Records: ".items", PrimaryKey: []string{"id"},
		Auth:       spec.AuthConfig{Type: spec.AuthBearer, Token: spec.NewSecret("${ITEMS_TOKEN}", "s3cret-value")},
		Pagination: spec.PaginationConfig{Type: spec.PageNextURL, NextURLPath: ".next"}}
	rep := &probe.Report{Method: "GET", URL: "http://127.0.0.1:9/v1/items", Status: 200, Records: ".items", RecordCount: 2, PrimaryKey: "id",
		Pagination: cfg.Pagination, Evidence: []string{`.next holds a URL ("/v1/items?page=2")`}, Body: []byte(probedBody)}
	return cfg, rep, nil
}

func formHarness(t *testing.T) (*harness, *fakeProbe, string) {
	h := newHarness(t, testProfiles(t.TempDir()))
	fp := &fakeProbe{}
	dir := filepath.Join(t.TempDir(), "profiles")
	h.m.env.opts.Probe, h.m.env.opts.ProfilesDir = fp.probe, dir
	h.m.env.opts.OutDir = func(cfg spec.Config) string { return filepath.Join(dir, "..", "out", cfg.Name) }
	return h, fp, dir
}

func TestNewProfileFormChecksBeforeProbing(t *testing.T) {
	h, fp, _ := formHarness(t)
	h.keys("a")
	h.screenHas("New profile", "URL", "auth", "none")
	if strings.Contains(h.m.View(), "secret in env var") {
		t.Error("the secret field shows without auth")
	}
	h.edit(runes("ftp://example.com"), keyEnter)
	h.screenHas("URL: want an http:// or https:// address")
	h.edit(keyClear, runes("https://example.com/v1/items"), keyTab, keyClear, runes("bearer"), keyEnter)
	h.screenHas("secret in env var: name the environment variable that holds the token")
	h.edit(keyClear, runes("oauth"), keyEnter)
	h.screenHas("auth: want one of none, bearer, api_key, basic")
	if len(fp.asked) != 0 {
		t.Errorf("probed %v", fp.asked)
	}
	h.keys("esc")
	if _, open := h.m.top().(newProfile); open {
		t.Error("esc did not close the form")
	}
}

func TestNewProfileProbesEditsAndSaves(t *testing.T) {
	h, fp, dir := formHarness(t)
	h.keys("a")
	h.edit(runes("http://127.0.0.1:9/v1/items"), keyTab, keyClear, runes("bearer"), keyTab, runes("${ITEMS_TOKEN}"), keyEnter)
	if want := (ProbeRequest{URL: "http://127.0.0.1:9/v1/items", Auth: "bearer", SecretEnv: "ITEMS_TOKEN"}); !slices.Equal(fp.asked, []ProbeRequest{want}) {
		t.Fatalf("probe asked %+v", fp.asked)
	}
	h.screenHas("New profile items", "pagination next_url: .next holds a URL", "primary key: id", "records: 2", `{"id":1,"name":"one"}`, "page=2")
	golden.RequireEqual(t, []byte(h.m.View()))

	h.edit(keyClear, runes(".items[0:1]"))
	h.screenHas("records: 1")
	h.edit(keyTab, keyClear, runes("sideways"))
	h.screenHas("next: pagination.type: expected one of none, offset")
	h.edit(keyEnter)
	h.screenHas("fix the errors first")
	h.edit(keyClear, runes("cursor"))
	h.screenHas("pagination.cursor_path", "next: pagination: cursor needs cursor_path")
	h.edit(keyClear, runes("next_url"))
	h.screenHas("pagination.next_url_path", "page=2")

	h.edit(keyEnter)
	if _, open := h.m.top().(newProfile); open {
		t.Fatalf("the form is still open:\n%s", h.m.View())
	}
	path := filepath.Join(dir, "items.yaml")
	h.screenHas("saved "+path, "items")
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("saved file: %v, %v", info, err)
	}
	data, _ := os.ReadFile(path)
	for _, want := range []string{"${ITEMS_TOKEN}", "records: .items[0:1]", "next_url_path: .next"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the profile lacks %q:\n%s", want, data)
		}
	}
	if strings.Contains(string(data), "s3cret-value") {
		t.Errorf("the profile holds the secret's value:\n%s", data)
	}
	it, _ := h.picker().selected()
	if it.profile.Name != "items" || it.profile.Path != path || it.profile.Records != ".items[0:1]" {
		t.Fatalf("picker selects %+v", it.profile)
	}
	h.keys("enter")
	if !slices.Equal(h.starts, []string{"items"}) {
		t.Errorf("starts %v", h.starts)
	}
}

func TestNewProfileProbeFailureStaysInTheForm(t *testing.T) {
	h, _, _ := formHarness(t)
	h.m.env.opts.Probe = func(context.Context, ProbeRequest) (spec.Config, *probe.Report, error) {
		return spec.Config{}, nil, os.ErrDeadlineExceeded
	}
	h.keys("a")
	h.edit(runes("http://127.0.0.1:9/v1/items"), keyEnter)
	h.screenHas("probe: i/o timeout", "URL")
	if f, open := h.m.top().(newProfile); !open || f.probed != nil {
		t.Error("a failed probe left the form")
	}
}

func TestNewProfileRefusesATakenName(t *testing.T) {
	h, _, dir := formHarness(t)
	h.keys("a")
	h.edit(runes("http://127.0.0.1:9/v1/items"), keyEnter, keyEnter)
	h.keys("a")
	h.edit(runes("http://127.0.0.1:9/v1/items"), keyEnter, keyEnter)
	h.screenHas("a profile named items is in the list already")
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("profiles folder holds %d files", len(entries))
	}
}
