package tui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"siphon/ingest"
)

// progress is how far a run is when the API says how much there is.
type progress struct {
	done, total int64
	unit        string  // "records" or "pages"
	rate        float64 // units per second, recent
}

// runProgress picks what to measure the run by: records when the API gives
// their total (finer grained), else pages; ok is false when neither is known.
func runProgress(s ingest.Snapshot, recordRate, pageRate float64) (progress, bool) {
	switch {
	case s.TotalRecords > 0:
		return progress{done: s.Records, total: s.TotalRecords, unit: "records", rate: recordRate}, true
	case s.TotalPages > 0:
		return progress{done: int64(s.Pages), total: s.TotalPages, unit: "pages", rate: pageRate}, true
	}
	return progress{}, false
}

// fraction is the share done, within [0, 1]: an API's total can be off.
func (p progress) fraction() float64 {
	return math.Min(math.Max(float64(p.done)/float64(p.total), 0), 1)
}

// eta is the time left at the recent rate; ok is false when the rate says
// nothing (idle, paused, just started).
func (p progress) eta() (time.Duration, bool) {
	left := p.total - p.done
	if left <= 0 {
		return 0, true
	}
	if p.rate <= 0 {
		return 0, false
	}
	return time.Duration(float64(left) / p.rate * float64(time.Second)), true
}

// progressBar draws a fraction in width cells, with eighths for the edge.
func progressBar(fraction float64, width int) string {
	if width <= 0 {
		return ""
	}
	eighths := int(math.Round(math.Min(math.Max(fraction, 0), 1) * float64(width*8)))
	full, part := eighths/8, eighths%8
	var b strings.Builder
	b.WriteString(strings.Repeat("█", full))
	if part > 0 {
		b.WriteRune([]rune("▏▎▍▌▋▊▉")[part-1])
		full++
	}
	b.WriteString(strings.Repeat("░", width-full))
	return b.String()
}

// progressText is the header's progress line: the bar, then the share,
// the counts and the time left. ended says the run is over (no ETA then).
// The bar is "" when the width leaves it no room.
func progressText(p progress, state ingest.State, ended bool, width int) (bar, text string) {
	pct := int(math.Floor(p.fraction() * 100))
	counts := fmt.Sprintf("%3d%% · %s of %s %s", pct, formatCount(p.done), formatCount(p.total), p.unit)
	var eta string
	switch d, ok := p.eta(); {
	case ended || state == ingest.StateDone:
	case state == ingest.StatePaused:
		eta = "ETA when resumed"
	case !ok:
		eta = "ETA …"
	default:
		eta = "ETA " + etaText(d)
	}
	text = counts
	if eta != "" {
		text += " · " + eta
	}
	barWidth := min(max(width-len([]rune(text))-1, 0), 30)
	if barWidth < 8 {
		return "", cut(text, width)
	}
	return progressBar(p.fraction(), barWidth), text
}

// etaText rounds the time left up to whole seconds: an estimate has no
// tenths.
func etaText(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(math.Ceil(d.Seconds())))
	}
	return formatDuration(d)
}
