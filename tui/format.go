package tui

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"siphon/ingest"
	"siphon/ingest/paginate/styles"
	"siphon/ingest/store"
	"siphon/ingest/termsafe"
)

// formatCount writes n with thousands separators: 1,234,567.
func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// formatBytes writes a size in binary units: 512 B, 3.4 KiB, 12 MiB.
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, units := float64(n), []string{"KiB", "MiB", "GiB", "TiB"}
	i := -1
	for v >= unit && i < len(units)-1 {
		v /= unit
		i++
	}
	if v < 10 {
		return fmt.Sprintf("%.1f %s", v, units[i])
	}
	return fmt.Sprintf("%.0f %s", v, units[i])
}

// formatDuration writes a duration the way people say it: 950ms, 12s,
// 3m04s, 1h02m.
func formatDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
}

// countdown is the time left until t: milliseconds under a second (a
// 240ms retry wait is not "1s"), else whole seconds rounded up, so that a
// wait never shows 0s while it is still going.
func countdown(until, now time.Time) string {
	left := until.Sub(now)
	switch {
	case left <= 0:
		return "0s"
	case left < time.Second:
		return fmt.Sprintf("%dms", max(left.Milliseconds(), 1))
	}
	return fmt.Sprintf("%ds", int(math.Ceil(left.Seconds())))
}

// ago says how long ago t was: "0.4s ago", "3m ago"; "never" for zero.
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%.1fs ago", max(d.Seconds(), 0))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	default:
		return fmt.Sprintf("%dd ago", int(d.Hours()/24))
	}
}

// stateStopped is the word of a run that was stopped (x, or quitting): it
// is over, and R resumes it from its checkpoint. The engine's snapshot says
// PAUSED for it; the console says what happened.
const stateStopped = "STOPPED"

// stateWord maps a run's state to the documented state words; STARTING shows as
// RUNNING, since the run is already under way.
func stateWord(s ingest.Snapshot) string {
	if s.State == ingest.StateStarting || s.State == "" {
		return string(ingest.StateRunning)
	}
	return string(s.State)
}

// stateDetail explains the state: "12s — 429 Retry-After" while sleeping,
// "2/6 in 3s — HTTP 503" while retrying, the stop reason or error at the end.
func stateDetail(s ingest.Snapshot, now time.Time) string {
	switch s.State {
	case ingest.StateStarting, "":
		return "starting"
	case ingest.StateSleeping:
		if s.Until.IsZero() {
			return dashJoin("", s.Detail)
		}
		return dashJoin(countdown(s.Until, now), s.Detail)
	case ingest.StateRetrying:
		// The run's detail is "2/6 — cause": the countdown goes after the attempt.
		attempt, cause, found := strings.Cut(s.Detail, " — ")
		if !found {
			attempt, cause = "", s.Detail
		}
		head := strings.TrimSpace(attempt + " in " + countdown(s.Until, now))
		return dashJoin(head, cause)
	default:
		return causeFirst(s.Detail) // a failed run's error
	}
}

func dashJoin(head, tail string) string {
	switch {
	case tail == "":
		return head
	case head == "":
		return "— " + tail
	default:
		return head + " — " + tail
	}
}

// rateLimitText shows the server's budget: "3/5 left, resets in 2s".
func rateLimitText(s ingest.Snapshot, now time.Time) string {
	if !s.HasRateLimit {
		return "no rate-limit headers seen"
	}
	rl := s.RateLimit
	var parts []string
	switch {
	case rl.Remaining >= 0 && rl.Limit > 0:
		parts = append(parts, fmt.Sprintf("%s %d/%d left", gauge(rl.Remaining, rl.Limit, 10), rl.Remaining, rl.Limit))
	case rl.Remaining >= 0:
		parts = append(parts, fmt.Sprintf("%d left", rl.Remaining))
	case rl.Limit > 0:
		parts = append(parts, fmt.Sprintf("limit %d", rl.Limit))
	}
	if !rl.Reset.IsZero() {
		if rl.Reset.After(now) {
			parts = append(parts, "resets in "+countdown(rl.Reset, now))
		} else {
			parts = append(parts, "reset")
		}
	}
	return strings.Join(parts, ", ")
}

// gauge draws part of whole in width cells: ▮▮▮▯▯.
func gauge(part, whole int64, width int) string {
	if whole <= 0 || width <= 0 {
		return ""
	}
	filled := int(math.Round(float64(min(max(part, 0), whole)) / float64(whole) * float64(width)))
	return strings.Repeat("▮", filled) + strings.Repeat("▯", width-filled)
}

var sparkLevels = []rune("▁▂▃▄▅▆▇█")

// sparkline draws the last width values scaled to the largest of them; a
// zero is a blank so that idle time reads as a gap.
func sparkline(values []float64, width int) string {
	if len(values) > width {
		values = values[len(values)-width:]
	}
	top := 0.0
	for _, v := range values {
		top = max(top, v)
	}
	var b strings.Builder
	for range width - len(values) {
		b.WriteByte(' ')
	}
	for _, v := range values {
		if v <= 0 || top == 0 {
			b.WriteByte(' ')
			continue
		}
		i := int(math.Ceil(v/top*float64(len(sparkLevels)))) - 1
		b.WriteRune(sparkLevels[min(max(i, 0), len(sparkLevels)-1)])
	}
	return b.String()
}

// checkpointText is a profile's state in the picker: new, resumable at a
// page, done, or why its checkpoint cannot be read.
func checkpointText(cp *store.Checkpoint, err error, now time.Time) string {
	switch {
	case err != nil:
		return "checkpoint damaged"
	case cp == nil:
		return "new"
	case cp.Done:
		return "done · " + ago(cp.UpdatedAt, now)
	default:
		return fmt.Sprintf("resumable at page %d · %s", cp.Pages+1, ago(cp.UpdatedAt, now))
	}
}

// incremental reports whether a finished run of this pagination style
// still fetches what is new when started again.
func incremental(pagination string) bool { return styles.Incremental(pagination) }

// fit cuts s to width cells with an ellipsis, and pads it to width. s may
// hold styling (SGR) but no text from outside that has not passed
// termsafe: an escape sequence counts as no cells, so a raw one would both
// reach the terminal and throw the width off. The callers clean it first.
func fit(s string, width int) string {
	if width <= 0 {
		return ""
	}
	s = ansi.Truncate(s, width, "…")
	if w := ansi.StringWidth(s); w < width {
		s += strings.Repeat(" ", width-w)
	}
	return s
}

// cut cuts s to width cells with an ellipsis, without padding; like fit,
// it takes styled text, so text from outside is cleaned before it comes.
func cut(s string, width int) string {
	if width <= 0 {
		return ""
	}
	return ansi.Truncate(s, width, "…")
}

// oneLine folds a text from outside onto one line for a table cell or a
// status line: every control and escape shown visibly (termsafe.Line), runs
// of space made one.
func oneLine(s string) string {
	return strings.Join(strings.Fields(termsafe.Line(s)), " ")
}

// plural picks the word for n of a thing: 1 result, 2 results.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// counted is n and its noun, thousands separated: "1 page", "1,204 pages".
func counted[N int | int64](n N, one, many string) string {
	return formatCount(int64(n)) + " " + plural(int(min(int64(n), 2)), one, many)
}

// sideStep is how far left and right scroll a list sideways.
const sideStep = 8

// sideways moves a sideways scroll with left and right: the new shift, and
// whether the key was one of them.
func sideways(msg tea.KeyMsg, k KeyMap, shift int) (int, bool) {
	switch {
	case key.Matches(msg, k.Left):
		return max(shift-sideStep, 0), true
	case key.Matches(msg, k.Right):
		return shift + sideStep, true
	}
	return shift, false
}

// shifted is s without its first n cells (s is plain, cleaned text), with a
// mark that the line goes on to the left.
func shifted(s string, n int) string {
	if n <= 0 {
		return s
	}
	w := ansi.StringWidth(s)
	if n >= w {
		return "…"
	}
	return "…" + ansi.Cut(s, n+1, w)
}
