package ingest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	"siphon/ingest/paginate"
	"siphon/ingest/spec"
	"siphon/ingest/store"
)

// TestHistoryRecordsEveryEnding runs one folder three times: interrupted
// (a request hangs until the run is cancelled), failed (the API turns to
// 404 with the key in the query), then done; the history holds one line per
// run with its outcome and stop reason, no secret, mode 0600.
func TestHistoryRecordsEveryEnding(t *testing.T) {
	const key = "hist-secret-123"
	demo := demoapi.New(demoapi.Options{Records: 30})
	var mode atomic.Value
	mode.Store("hang")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch mode.Load() {
		case "hang":
			<-r.Context().Done()
		case "404":
			http.Error(w, `{"error":"gone"}`, http.StatusNotFound)
		default:
			demo.ServeHTTP(w, r)
		}
	}))
	defer srv.Close()
	cfg := styleConfigs(srv.URL)["cursor"]
	cfg.Pagination.Limit = 10
	cfg.Auth = spec.AuthConfig{Type: "api_key", Name: "api_key", In: "query", Value: spec.NewSecret("${K}", key)}
	out := t.TempDir()
	client, err := ingest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}

	// Interrupted: cancel once the first request is out.
	r := client.Start(context.Background(), ingest.Job{Out: out})
	for ev := range r.Events() {
		if _, ok := ev.(ingest.RequestSent); ok {
			r.Cancel()
		}
	}
	if err := r.Wait(); err != ingest.ErrCanceled {
		t.Fatalf("interrupted run: %v", err)
	}
	mode.Store("404")
	if _, err := run(t, cfg, ingest.Job{Out: out}); err == nil {
		t.Fatal("the 404 run did not fail")
	}
	mode.Store("ok")
	if _, err := run(t, cfg, ingest.Job{Out: out, MaxPages: 1}); err != nil {
		t.Fatalf("--max-pages run: %v", err)
	}
	if _, err := run(t, cfg, ingest.Job{Out: out}); err != nil {
		t.Fatalf("done run: %v", err)
	}

	raw, err := os.ReadFile(filepath.Join(out, store.HistoryFile))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), key) {
		t.Fatalf("the history holds the key:\n%s", raw)
	}
	if fi, _ := os.Stat(filepath.Join(out, store.HistoryFile)); fi.Mode().Perm() != 0o600 {
		t.Errorf("history mode %v", fi.Mode().Perm())
	}
	h, err := store.At(out).ReadHistory(0)
	if err != nil || len(h) != 4 {
		t.Fatalf("history: %d entries, %v\n%s", len(h), err, raw)
	}
	want := []struct {
		outcome     store.Outcome
		reason, err string
	}{
		{store.OutcomeInterrupted, "interrupted; checkpoint saved", ""},
		{store.OutcomeFailed, "error", "404"},
		{store.OutcomeStopped, paginate.StopMaxPages, ""}, // resumable, not done
		{store.OutcomeDone, "no next cursor", ""},
	}
	for i, w := range want {
		e := h[i]
		if e.Outcome != w.outcome || e.StopReason != w.reason || !strings.Contains(e.Error, w.err) || (w.err == "") != (e.Error == "") {
			t.Errorf("run %d: %+v, want %+v", i, e, w)
		}
		if e.Profile != cfg.Name || e.Start.IsZero() || e.End.Before(e.Start) || e.Version == "" {
			t.Errorf("run %d: %+v", i, e)
		}
	}
	if h[3].Records != 30 || h[3].Pages == 0 {
		t.Errorf("done run counts: %+v", h[3])
	}
	if h[1].Errors != 1 {
		t.Errorf("failed run errors: %+v", h[1])
	}
	last, err := store.At(out).ReadHistory(1)
	if err != nil || len(last) != 1 || last[0].Outcome != store.OutcomeDone {
		t.Errorf("the last entry: %+v, %v", last, err)
	}
}

// TestBytesAndElapsedCarryAcrossResumes: like pages and records, the bytes
// fetched and the time spent go on from the checkpoint when a run resumes.
func TestBytesAndElapsedCarryAcrossResumes(t *testing.T) {
	srv := httptest.NewServer(demoapi.New(demoapi.Options{Records: 60}))
	defer srv.Close()
	cfg := styleConfigs(srv.URL)["cursor"]
	cfg.Pagination.Limit = 10
	out := t.TempDir()
	if _, err := run(t, cfg, ingest.Job{Out: out, MaxPages: 2}); err != nil {
		t.Fatal(err)
	}
	first, err := store.At(out).ReadCheckpoint()
	if err != nil || first.Bytes == 0 || first.ElapsedMS < 0 {
		t.Fatalf("checkpoint after 2 pages: %+v, %v", first, err)
	}
	c, err := ingest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Start(context.Background(), ingest.Job{Out: out})
	for range r.Events() {
	}
	if err := r.Wait(); err != nil {
		t.Fatal(err)
	}
	// The same walk in one go, for the bytes it fetches.
	whole := t.TempDir()
	if _, err := run(t, cfg, ingest.Job{Out: whole}); err != nil {
		t.Fatal(err)
	}
	want, _ := store.At(whole).ReadCheckpoint()
	last, _ := store.At(out).ReadCheckpoint()
	if last.Bytes != want.Bytes || r.Snapshot().Bytes != want.Bytes {
		t.Errorf("bytes after a resume: checkpoint %d, snapshot %d; the walk in one go fetched %d", last.Bytes, r.Snapshot().Bytes, want.Bytes)
	}
	if s := r.Snapshot(); s.PriorElapsed != time.Duration(first.ElapsedMS)*time.Millisecond || last.ElapsedMS < first.ElapsedMS {
		t.Errorf("elapsed after a resume: prior %v (checkpoint %dms), final %dms", s.PriorElapsed, first.ElapsedMS, last.ElapsedMS)
	}
}
