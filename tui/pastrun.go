package tui

import (
	"fmt"
	"sort"
	"time"

	"siphon/ingest"
	"siphon/ingest/store"
	"siphon/ingest/termsafe"
)

// A past run is one that ended before this console started (or in another
// one): its records, pages and events are read back from its output folder
// (folder.go) into a session of their own, without a runner, and shown in
// the same run view as a live run's, so r, i and e work on every profile.

// pastSession is a finished or stopped run as its folder keeps it: the
// last records (as many as a live run's preview holds), the last pages'
// index lines (bodies are read when a page is opened), the last run's
// counts from the history, and an event log rebuilt from the history and
// the page index.
func pastSession(p Profile, run pastRun) *runSession {
	s := newRunSession(p, nil, -1) // no runner: no events ever come
	s.ended, s.from = true, p.Out
	s.snap = ingest.Snapshot{Profile: p.Name, State: ingest.StatePaused}
	if n := len(run.history); n > 0 {
		last := run.history[n-1]
		s.snap.State = outcomeState(last.Outcome)
		s.snap.Pages, s.snap.Records, s.snap.Retries = last.Pages, last.Records, last.Retries
		s.snap.Started, s.snap.LastCheckpoint, s.snap.StopReason = last.Start, last.End, last.StopReason
		if last.Error != "" {
			s.lastErr = causeFirst(last.Error)
		}
		// The last run's own average: what it added over how long it took.
		before := int64(0)
		if n > 1 {
			before = run.history[n-2].Records
		}
		if secs := last.End.Sub(last.Start).Seconds(); secs > 0 && last.Records >= before {
			s.doneRate = float64(last.Records-before) / secs
		}
	} else if cp := run.cp; cp != nil {
		s.snap.Pages, s.snap.Records, s.snap.LastCheckpoint = cp.Pages, cp.Records, cp.UpdatedAt
		if cp.Done {
			s.snap.State = ingest.StateDone
		}
	}
	for _, rec := range run.records {
		s.records.push(rec)
	}
	for _, e := range run.pages {
		s.pages.push(pastPage(e))
	}
	for _, l := range rebuiltEvents(run) {
		s.log.push(l)
		s.notable.push(l)
	}
	for _, err := range run.errs {
		l := logEntry{at: s.snap.LastCheckpoint, text: termsafe.Line("reading the folder: " + err.Error()), severity: 2}
		s.log.push(l)
		s.notable.push(l)
	}
	return s
}

// outcomeState is a history outcome as a run's state.
func outcomeState(outcome store.Outcome) ingest.State {
	switch outcome {
	case store.OutcomeDone:
		return ingest.StateDone
	case store.OutcomeFailed:
		return ingest.StateFailed
	}
	return ingest.StatePaused // interrupted or stopped: an ended paused run reads STOPPED
}

// pastPage is a line of the page index as the inspector shows a page; its
// body is read from the folder when the page is opened.
func pastPage(e store.PageEntry) pageInfo {
	d, _ := time.ParseDuration(e.Duration)
	return pageInfo{PageFetched: ingest.PageFetched{
		At: ingest.At{T: e.Time}, Page: e.Page, Status: e.Status, Attempts: e.Attempts, Records: e.Records,
		Bytes: e.Bytes, Duration: d, CursorIn: e.CursorIn, CursorOut: e.CursorOut, URL: e.URL,
		Request:  ingest.PageRequest{Method: e.Method, URL: e.URL},
		Response: ingest.PageResponse{Status: e.Status, Headers: e.Headers, ContentType: e.Headers["Content-Type"], BodyBytes: e.Bytes},
	}}
}

// rebuiltEvents is a past run's event log as its folder can tell it: each
// run's start and end from the history, each page from the index. Retries,
// sleeps, anomalies and checkpoints are not kept on disk; the log's first
// line says so.
func rebuiltEvents(run pastRun) []logEntry {
	var out []logEntry
	for _, h := range run.history {
		out = append(out, logEntry{at: h.Start, text: "run started"})
		text := fmt.Sprintf("run %s · %s · %s", outcomeWord(h.Outcome), counted(h.Pages, "page", "pages"), counted(h.Records, "record", "records"))
		sev := 0
		switch {
		case h.Error != "":
			text, sev = text+": "+causeFirst(h.Error), 2
		case h.StopReason != "":
			text += ": " + h.StopReason
		}
		out = append(out, logEntry{at: h.End, text: termsafe.Line(text), severity: sev})
	}
	for _, p := range run.pages {
		text := fmt.Sprintf("page %d: HTTP %d · %s · %s", p.Page, p.Status, counted(p.Records, "record", "records"), formatBytes(p.Bytes))
		if p.Attempts > 1 {
			text += fmt.Sprintf(" · %d attempts", p.Attempts)
		}
		sev := 0
		if p.Status >= 400 {
			sev = 2
		}
		out = append(out, logEntry{at: p.Time, text: termsafe.Line(text), severity: sev})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	if len(out) > logCapacity-1 {
		out = out[len(out)-(logCapacity-1):]
	}
	note := logEntry{text: "rebuilt from " + store.HistoryFile + " and " + store.PagesDir + "/" + store.IndexFile + " (retries, sleeps and checkpoints are not kept on disk)", severity: 1}
	if len(out) > 0 {
		note.at = out[0].at
	}
	return append([]logEntry{note}, out...)
}
