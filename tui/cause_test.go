package tui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"siphon/ingest"
	"siphon/ingest/remedy"
	"siphon/ingest/store"
)

const longURL = "https://api.example.com/v2/organisations/acme-corporation-international/customers?cursor=eyJpZCI6MTIzNDU2Nzg5MCwidHMiOjE3MDAwMDAwMDB9&limit=100"

// pageErr is a page's failure as the engine words it.
var pageErr = "page 36: GET " + longURL + ": HTTP 500 Internal Server Error: retryable status (after 3 attempts); body starts: {\"error\": \"boom\"}"

func TestCauseFirst(t *testing.T) {
	tests := []struct{ in, want string }{
		{pageErr, "HTTP 500 Internal Server Error: retryable status (after 3 attempts) · page 36 · GET " + longURL + " · body starts: {\"error\": \"boom\"}"},
		{"partition 3 (eu): page 2: POST http://h/x: dial tcp: connection refused",
			"partition 3 (eu): dial tcp: connection refused · page 2 · POST http://h/x"},
		// Other shapes are left alone.
		{"page 4: schema drift: tier new field (string → –), and schema.on_drift is fail", "page 4: schema drift: tier new field (string → –), and schema.on_drift is fail"},
		{"HTTP 404 on page 3", "HTTP 404 on page 3"},
		{"", ""},
		// Remedies say the console's key, not the command's flag.
		{(&ingest.ProfileChangedError{Dir: "out", Changes: []string{"records changed"}}).Error(),
			"the checkpoint in out was made with a different profile, so its position means nothing now:\n  - records changed\npress n on its profile to start over (the old output is moved aside, not deleted), or restore the old profile to resume"},
		{remedy.New(store.ErrFolderInUse, remedy.WaitForHolder, remedy.OtherFolder).Error(),
			"output folder in use; wait for it to end (or stop it), or point output.dir in the profile at an empty or new folder"},
	}
	for _, tt := range tests {
		if got := causeFirst(tt.in); got != tt.want {
			t.Errorf("causeFirst(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
		if got := causeFirst(causeFirst(tt.in)); got != tt.want {
			t.Errorf("causeFirst twice changed %q to %q", tt.want, got)
		}
	}
}

// TestConsoleSaysEveryRemedy: each remedy the engine can offer has the
// console's words, so none shows in the engine's plain words.
func TestConsoleSaysEveryRemedy(t *testing.T) {
	for r := range remedy.Plain {
		if consoleRemedies[r] == "" {
			t.Errorf("remedy %d (%q) has no console spelling", r, r.Say())
		}
	}
}

// A failed run's cause shows at 80 columns wherever its error does: the
// header, the event log, the runs list, the status line and history.
func TestFailureCauseVisibleAt80Columns(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	h.keys("enter", "esc")
	h.events(ingest.Finished{At: ingest.At{T: t0}, Error: pageErr})
	h.endRun(0, ingest.StateFailed, errors.New(pageErr))
	h.screenHas("demo-cursor FAILED: HTTP 500 Internal Server Error")
	h.keys("tab")
	h.screenHas("last error: HTTP 500 Internal Server Error")
	h.keys("enter")
	h.screenHas("FAILED HTTP 500 Internal Server Error", "failed: HTTP 500 Internal Server Error")

	entry := store.HistoryEntry{Start: t0, End: t0.Add(time.Minute), Outcome: store.OutcomeFailed, Error: pageErr}
	if line := historyLine(*asciiStyles(), entry, false, 80); !strings.Contains(line, "HTTP 500") {
		t.Errorf("history line lacks the cause: %q", line)
	}
}

// enter on a history row opens the whole run, its error wrapped whole,
// cause first: the end of a long URL is there to read.
func TestHistoryRowOpensTheWholeError(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	hs := newHistoryScreen(h.m.env, testProfiles("/out")[0])
	h.m.stack = append(h.m.stack, hs)
	entry := store.HistoryEntry{Start: t0, End: t0.Add(time.Minute), Outcome: store.OutcomeFailed, StopReason: "error", Error: pageErr, Pages: 36}
	h.send(historyMsg{out: "/out/demo-cursor", entries: []store.HistoryEntry{entry}})
	h.keys("enter")
	view := strings.Join(strings.Fields(h.m.View()), "")
	for _, want := range []string{"error:HTTP500InternalServerError", "limit=100", `{"error":"boom"}`, "pages36"} {
		if !strings.Contains(view, want) {
			t.Errorf("the run's detail lacks %q:\n%s", want, h.m.View())
		}
	}
	h.keys("esc")
	h.screenHas("newest first") // back on the list
}
