package tui

import (
	"errors"
	"fmt"

	"siphon/ingest"
)

// eventText is an event as one line of the event log; ok is false for the
// events the log leaves to the page inspector (requests and pages).
func eventText(ev ingest.Event) (text string, ok bool) {
	switch e := ev.(type) {
	case ingest.Started:
		if e.Resumed {
			pos := ""
			if e.Position != "" {
				pos = " at " + e.Position
			}
			return fmt.Sprintf("resumed after page %d (%s)%s → %s", e.FromPage, counted(e.Records, "record", "records"), pos, e.Out), true
		}
		return "started → " + e.Out, true
	case ingest.PartitionStarted:
		return eventText(e.Started)
	case ingest.PartitionFinished:
		return finishedText(e.Finished), true
	case ingest.RetryScheduled:
		of := fmt.Sprintf("/%d", e.MaxAttempts)
		if e.MaxAttempts <= 0 {
			of = "" // retry.max_elapsed bounds the attempts, not a count
		}
		return fmt.Sprintf("retry page %d: attempt %d%s in %s (%s) — %s", e.Page, e.Attempt+1, of, formatDuration(e.Wait), e.Source, oneLine(e.Cause)), true
	case ingest.LoggedIn:
		return fmt.Sprintf("logged in (login %d): %s", e.Count, oneLine(e.Reason)), true
	case ingest.Throttled:
		return fmt.Sprintf("sleep %s — %s", formatDuration(e.Wait), oneLine(e.Reason)), true
	case ingest.Anomaly:
		return fmt.Sprintf("anomaly on page %d: %s (%s)", e.Page, oneLine(e.What), e.Action), true
	case ingest.DriftDetected:
		return "drift on page " + fmt.Sprint(e.Page) + ": " + driftText(e), true
	case ingest.CheckpointSaved:
		return fmt.Sprintf("checkpoint: %s, %s", counted(e.Pages, "page", "pages"), counted(e.Records, "record", "records")), true
	case ingest.Warning:
		return "WARNING: " + oneLine(e.What), true
	case ingest.Restarted:
		return fmt.Sprintf("restart %d after %s: %s (%s)", e.Restart, oneLine(e.From), oneLine(e.Params), oneLine(e.Cause)), true
	case ingest.Paused:
		return "paused after the checkpoint", true
	case ingest.Resumed:
		return "resumed", true
	case ingest.Finished:
		return finishedText(e), true
	default:
		return "", false
	}
}

func driftText(e ingest.DriftDetected) string {
	s := e.Field + " " + e.Change
	switch {
	case e.Was != "" && e.Now != "":
		s += " (" + e.Was + " → " + e.Now + ")"
	case e.Now != "":
		s += " (" + e.Now + ")"
	case e.Was != "":
		s += " (was " + e.Was + ")"
	}
	return s
}

func finishedText(e ingest.Finished) string {
	counts := fmt.Sprintf("%s, %s in %s", counted(e.Pages, "page", "pages"), counted(e.Records, "record", "records"), formatDuration(e.Elapsed))
	switch {
	case e.Canceled:
		return "stopped, checkpoint saved: " + counts
	case e.Err != nil || e.Error != "":
		msg := e.Error
		if msg == "" {
			msg = e.Err.Error()
		}
		return "failed: " + oneLine(causeFirst(msg))
	default:
		reason := e.StopReason
		if reason == "" {
			reason = "complete"
		}
		return "done (" + reason + "): " + counts
	}
}

// eventSeverity sorts log lines into plain, warning and error, for colour.
func eventSeverity(ev ingest.Event) int {
	switch e := ev.(type) {
	case ingest.RetryScheduled, ingest.Throttled, ingest.Anomaly, ingest.DriftDetected, ingest.Restarted:
		return 1
	case ingest.Warning:
		return 2
	case ingest.Finished:
		if e.Err != nil && !errors.Is(e.Err, ingest.ErrCanceled) {
			return 2
		}
	case ingest.PartitionFinished:
		return eventSeverity(e.Finished)
	}
	return 0
}
