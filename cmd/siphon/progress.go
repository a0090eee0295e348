package main

import (
	"os"

	"encoding/json"
	"fmt"
	"github.com/charmbracelet/x/term"
	"io"
	"strings"
	"time"

	"siphon/ingest"
	"siphon/ingest/paginate"
	"siphon/ingest/termsafe"
)

// reporter turns a run's events and snapshots into stderr lines.
type reporter interface {
	event(ev ingest.Event)
	progress(s ingest.Snapshot)
}

// watch feeds a reporter until the run ends: every event as it comes, and a
// snapshot every interval.
func watch(run *ingest.Run, rep reporter, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case ev, ok := <-run.Events():
			if !ok {
				return
			}
			rep.event(ev)
		case <-tick.C:
			rep.progress(run.Snapshot())
		}
	}
}

// textReporter writes human-readable progress lines.
type textReporter struct {
	w           io.Writer
	name        string
	lastRecords int64
	lastAt      time.Time
	started     time.Time
	startRecs   int64
	tty         bool // stderr is a terminal: progress rewrites one line
	pending     bool // a progress line without its newline is on screen
	requests    requestRate
}

func newTextReporter(w io.Writer, name string) *textReporter {
	return &textReporter{w: w, name: name, started: time.Now(), lastAt: time.Now(), tty: isTerminal(w)}
}

// printf writes one line; on a terminal it first clears the progress line,
// which then stays at the bottom, rewritten in place.
func (t *textReporter) printf(format string, args ...any) {
	if t.pending {
		t.control("\r\x1b[2K")
		t.pending = false
	}
	fmt.Fprintf(t.w, format+"\n", args...)
}

// control writes siphon's own terminal sequence (the progress line's "go to
// the start and clear"): through the sanitising writer's own door, since
// everything else written there has its controls shown, not acted on.
func (t *textReporter) control(seq string) {
	if c, ok := t.w.(interface{ Control(string) error }); ok {
		c.Control(seq)
		return
	}
	fmt.Fprint(t.w, seq)
}

func (t *textReporter) event(ev ingest.Event) {
	switch e := ev.(type) {
	case ingest.Started:
		t.lastRecords, t.startRecs = e.Records, e.Records
		if e.Resumed {
			t.printf("siphon: %s → %s (resuming after page %d, %s records; at %s)", e.Profile, e.Out, e.FromPage, count(e.Records), orNone(e.Position))
		} else {
			t.printf("siphon: %s → %s", e.Profile, e.Out)
		}
		t.printf("  GET %s", e.URL)
	case ingest.RetryScheduled:
		t.printf("  RETRYING page %d, %s in %s (%s): %s", e.Page, attemptOf(e.Attempt+1, e.MaxAttempts), seconds(e.Wait), e.Source, e.Cause)
	case ingest.LoggedIn:
		t.printf("  LOGGED IN (login %d): %s", e.Count, e.Reason)
	case ingest.RateLearned:
		t.printf("  RATE learned %s: %s", rateText(e.RequestsPerSecond), e.Reason)
	case ingest.Throttled:
		if e.Wait >= time.Second {
			t.printf("  SLEEPING %s: %s", seconds(e.Wait), e.Reason)
		}
	case ingest.Anomaly:
		t.printf("  ANOMALY page %d: %s (%s)", e.Page, e.What, e.Action)
	case ingest.DriftDetected:
		t.printf("  DRIFT page %d: %s", e.Page, driftText(e))
	case ingest.Warning:
		t.printf("  WARNING: %s", cliRemedies.Text(e.What))
	case ingest.Restarted:
		t.printf("  RESTART %d after %s: %s (%s)", e.Restart, e.From, e.Params, e.Cause)
	case ingest.Paused:
		t.printf("  PAUSED")
	case ingest.Resumed:
		t.printf("  RESUMED")
	case ingest.PartitionFinished:
		if e.Err != nil && !e.Canceled {
			t.printf("  FAILED partition %s: %s", e.Partition, cliRemedies.Text(e.Error))
		}
	case ingest.Finished:
		rate := float64(e.Records-t.startRecs) / max(e.Elapsed.Seconds(), 1e-3)
		switch {
		case e.Err != nil:
			// the command prints the error itself, on a clean line
			if t.pending {
				t.control("\r\x1b[2K")
				t.pending = false
			}
		case e.StopReason == ingest.StopAlreadyDone:
			t.printf("siphon: %s is already complete (%d pages, %s records); use --fresh to fetch it all again", t.name, e.Pages, count(e.Records))
		case e.StopReason == paginate.StopMaxPages:
			t.printf("siphon: %s stopped at --max-pages: %d pages, %s records in %s (%s records/s); run again to continue", t.name, e.Pages, count(e.Records), e.Elapsed.Round(time.Millisecond), count(int64(rate)))
		default:
			t.printf("siphon: %s DONE: %d pages, %s records in %s (%s records/s); stopped: %s", t.name, e.Pages, count(e.Records), e.Elapsed.Round(time.Millisecond), count(int64(rate)), e.StopReason)
		}
		if e.Rejected > 0 {
			t.printf("  %s records failed the JSON Schema and are in rejected.jsonl; by field: %v", count(e.Rejected), e.Invalid)
		}
	}
}

func (t *textReporter) progress(s ingest.Snapshot) {
	now := time.Now()
	rate := float64(s.Records-t.lastRecords) / now.Sub(t.lastAt).Seconds()
	t.lastRecords, t.lastAt = s.Records, now
	line := fmt.Sprintf("  %-8s page %d · %s records · %s rec/s · %s · %s", s.State, s.Pages, count(s.Records), count(int64(rate)), bytesText(s.Bytes), now.Sub(t.started).Round(time.Second))
	if s.Partitions != nil {
		line = fmt.Sprintf("  %-8s %s · %s", s.State, partitionProgress(s, t.requests.next(s.Partitions.Requests, now)), now.Sub(t.started).Round(time.Second))
	}
	if s.Detail != "" && (s.State == ingest.StateSleeping || s.State == ingest.StateRetrying) {
		line += " · " + s.Detail
		if left := time.Until(s.Until); left > 0 {
			line += fmt.Sprintf(" (%s left)", seconds(left))
		}
	}
	if s.Retries > 0 {
		line += fmt.Sprintf(" · %d retries", s.Retries)
	}
	if s.LearnedRate > 0 {
		line += " · learned " + rateText(s.LearnedRate)
	}
	if t.tty {
		// A wrapped line cannot be rewritten in place: cut it to the width.
		if f, ok := termsafe.Underlying(t.w).(*os.File); ok {
			if width, _, err := term.GetSize(f.Fd()); err == nil && width > 1 {
				line = cutRunes(line, width-1)
			}
		}
		t.control("\r\x1b[2K")
		fmt.Fprint(t.w, line)
		t.pending = true
		return
	}
	t.printf("%s", line)
}

// jsonReporter writes one JSON object a line: every event, and progress.
type jsonReporter struct {
	enc *json.Encoder
}

func newJSONReporter(w io.Writer) *jsonReporter { return &jsonReporter{enc: json.NewEncoder(w)} }

func (j *jsonReporter) event(ev ingest.Event) {
	b, err := json.Marshal(ev)
	if err != nil {
		return
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return
	}
	m["type"] = ev.Kind()
	j.enc.Encode(m)
}

func (j *jsonReporter) progress(s ingest.Snapshot) {
	m := map[string]any{
		"type": "progress", "time": time.Now(), "state": s.State, "detail": s.Detail,
		"pages": s.Pages, "records": s.Records, "bytes": s.Bytes, "retries": s.Retries, "learned_rate": s.LearnedRate,
	}
	if p := s.Partitions; p != nil {
		m["partitions"] = map[string]any{"total": p.Total, "done": p.Done, "running": p.Running, "failed": p.Failed, "paused": p.Paused, "requests": p.Requests}
	}
	j.enc.Encode(m)
}

// count formats an integer with thousands separators.
func count(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func seconds(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

func orNone(s string) string {
	if s == "" {
		return "the start"
	}
	return s
}

// driftText says a schema change in words: "new field loyalty_tier
// (string), e.g. "gold"".
func driftText(e ingest.DriftDetected) string {
	example := ""
	if e.Example != "" {
		example = ", e.g. " + e.Example
	}
	switch e.Change {
	case "new field":
		return fmt.Sprintf("new field %s (%s)%s", e.Field, e.Now, example)
	case "vanished":
		return fmt.Sprintf("field %s vanished (it was %s)", e.Field, e.Was)
	default:
		return fmt.Sprintf("field %s changed type: %s → %s%s", e.Field, e.Was, e.Now, example)
	}
}

// cutRunes shortens s to at most n runes.
func cutRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// attemptOf is "attempt 3/6", or "attempt 3" when only retry.max_elapsed
// bounds the attempts.
func attemptOf(attempt, maxAttempts int) string {
	if maxAttempts <= 0 {
		return fmt.Sprintf("attempt %d", attempt)
	}
	return fmt.Sprintf("attempt %d/%d", attempt, maxAttempts)
}

// rateText prints a request rate: 2.5 req/s, or 30 req/min below one a second.
func rateText(rps float64) string {
	if rps < 1 {
		return fmt.Sprintf("%.3g req/min", rps*60)
	}
	return fmt.Sprintf("%.3g req/s", rps)
}
