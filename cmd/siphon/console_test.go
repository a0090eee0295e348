package main

import (
	"context"
	"strings"
	"testing"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	"siphon/ingest/spec"
	"siphon/tui"
)

func TestConsoleWithoutTerminalListsProfiles(t *testing.T) {
	dir := t.TempDir()
	writeProfile(t, dir, "listed", cursorProfile("listed", "http://127.0.0.1:1", 10))
	code, stdout, stderr := siphon(t, dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"the console opens when stdout is a terminal", "listed", "cursor", "siphon run NAME"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}

func TestConsoleProbeSuggestsARunnableProfile(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 120})
	defer srv.Close()
	cfg, rep, err := probeForConsole(context.Background(), tui.ProbeRequest{URL: srv.URL + "/v1/cursor?limit=50", Auth: "none"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Name != "cursor" || cfg.Records != ".data" || cfg.Pagination.Type != spec.PageCursor || cfg.Params["limit"] != "50" {
		t.Errorf("suggested %s: records %q, params %v, pagination %+v", cfg.Name, cfg.Records, cfg.Params, cfg.Pagination)
	}
	if len(rep.Body) == 0 || !strings.Contains(string(rep.Body), `"data"`) {
		t.Errorf("the report carries no body for the editor: %q", rep.Body)
	}
	cfg.ApplyDefaults()
	client, err := ingest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(context.Background(), ingest.Job{Out: t.TempDir()}).Wait(); err != nil {
		t.Fatalf("the suggested profile does not run: %v", err)
	}
}

func TestConsoleProbeNeedsTheSecretsVariable(t *testing.T) {
	t.Setenv("SIPHON_TEST_UNSET_TOKEN", "")
	_, _, err := probeForConsole(context.Background(), tui.ProbeRequest{URL: "http://127.0.0.1:1/v1", Auth: "bearer", SecretEnv: "SIPHON_TEST_UNSET_TOKEN"})
	if err == nil || !strings.Contains(err.Error(), "SIPHON_TEST_UNSET_TOKEN is not set") {
		t.Fatalf("err = %v", err)
	}
}
