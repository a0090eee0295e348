package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"siphon/ingest"
	"siphon/ingest/budget"
	"siphon/ingest/termsafe"
)

func lineCount(s string) int { return strings.Count(s, "\n") + 1 }

// bodyHeight is the rows left for a screen's body.
func (m Model) bodyHeight(s screen) int {
	used := 1 + lineCount(m.statusLine()) + lineCount(m.helpView()) // title, status, help
	if s.session() != nil {
		used += headerLines(s.session()) + 1 // the run's header and a rule
	}
	return max(m.height-used, 1)
}

// body is the screen that draws the body: the top, unless it is a question.
func (m Model) body() screen {
	for i := len(m.stack) - 1; i > 0; i-- {
		if m.stack[i].prompt() == "" {
			return m.stack[i]
		}
	}
	return m.stack[0]
}

// render draws the whole screen at the model's size.
func (m Model) render() string {
	st := m.env.styles
	var parts []string
	parts = append(parts, cut(m.titleLine(), m.width))
	b := m.body()
	if r := b.session(); r != nil {
		parts = append(parts, m.runHeader(r)...)
		parts = append(parts, st.Rule.Render(strings.Repeat("─", max(m.width, 1))))
	}
	parts = append(parts, b.View())
	top := strings.Join(parts, "\n")
	// Pad the body so the status line and help stay at the bottom.
	if pad := m.height - lineCount(top) - lineCount(m.statusLine()) - lineCount(m.helpView()); pad > 0 {
		top += strings.Repeat("\n", pad)
	}
	return top + "\n" + m.statusLine() + "\n" + m.helpView()
}

func (m Model) titleLine() string {
	st := m.env.styles
	title := m.env.opts.Title
	if title == "" {
		title = "siphon"
	}
	var crumbs []string
	for _, s := range m.stack {
		crumbs = s.crumbs(crumbs)
	}
	// Crumbs name profiles and partitions: profile text.
	for i, c := range crumbs {
		crumbs[i] = termsafe.Line(c)
	}
	title = termsafe.Line(title)
	left := st.Title.Render(title) + st.Subtle.Render(" › "+strings.Join(crumbs, " › "))
	// The session's runs, always in sight: how many go on, how many failed.
	counts := m.runs.countsText()
	pos := m.body().scrolled()
	if counts == "" && pos == "" {
		return left
	}
	style := st.Subtle
	if _, failed := m.runs.counts(); failed > 0 {
		style = st.Error
	}
	var right string
	if counts != "" {
		right = style.Render("runs: " + counts)
	}
	if pos != "" {
		right = strings.TrimSpace(st.Subtle.Render(pos) + "  " + right)
	}
	gap := m.width - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 2 {
		return cut(left, max(m.width-lipgloss.Width(right)-2, 0)) + "  " + right
	}
	return left + strings.Repeat(" ", gap) + right
}

func (m Model) statusLine() string {
	st := m.env.styles
	if q := m.top().prompt(); q != "" {
		return twoLines(st.Question, termsafe.Line(q), m.width) // it names a profile
	}
	if m.status == "" {
		return ""
	}
	if m.statusErr {
		return twoLines(st.Error, m.status, m.width)
	}
	return twoLines(st.Status, m.status, m.width)
}

// twoLines wraps a status or a question onto two lines at most, at word
// boundaries, so that a narrow screen still shows its end (the "(y/n)", the
// file a profile was saved to); past two lines it is cut with "…".
func twoLines(style lipgloss.Style, text string, width int) string {
	if width <= 0 || ansi.StringWidth(text) <= width {
		return style.Render(cut(text, width))
	}
	lines := strings.Split(ansi.Wrap(text, width, " "), "\n")
	if len(lines) > 2 {
		lines[1] = cut(lines[1]+" "+strings.Join(lines[2:], " "), width)
		lines = lines[:2]
	}
	for i, l := range lines {
		lines[i] = style.Render(cut(strings.TrimRight(l, " "), width))
	}
	return strings.Join(lines, "\n")
}

// helpView is the short help of the screen on top, or the full one.
func (m Model) helpView() string {
	if m.help.ShowAll {
		return helpTable(m.env.styles, m.top().FullHelp(), m.width)
	}
	return helpLine(m.env.styles, m.top().ShortHelp(), m.width)
}

// runHeader is the run's state at a glance: what, where, how it goes.
func (m Model) runHeader(r *runSession) []string {
	st, w, now := m.env.styles, m.width, m.env.now()
	s := r.snap
	word := r.word()
	detail := stateDetail(s, now)
	switch {
	case word == stateStopped:
		detail = "checkpoint saved · R resumes"
	case word == stateWaiting:
		detail = "waits for a free slot"
	case word == string(ingest.StatePaused) && s.Partitions != nil:
		detail = "every partition paused · P resumes"
	case r.live() && r.pauseWanted && word != string(ingest.StatePaused):
		detail = dashJoin(detail, "pausing after this page")
	}
	elapsed := now.Sub(s.Started)
	if r.ended && !s.LastCheckpoint.IsZero() && s.LastCheckpoint.After(s.Started) {
		elapsed = s.LastCheckpoint.Sub(s.Started)
	}
	elapsed += s.PriorElapsed // earlier runs' time: bytes and elapsed go on like pages and records
	// The rate and its sparkline go last: a narrow screen cuts them first.
	rate := rateText(r, now)
	if spark := sparkline(r.tp.perSecond(), 8); strings.TrimSpace(spark) != "" && !r.over() {
		rate += " · last 8s " + spark
	}
	counts := fmt.Sprintf("pages %d · records %s · %s · elapsed %s · %s",
		s.Pages, formatCount(s.Records), formatBytes(s.Bytes), formatDuration(elapsed), rate)
	checkpoint := "checkpoint " + ago(s.LastCheckpoint, now)
	if r.ended && !s.LastCheckpoint.IsZero() {
		checkpoint = "checkpoint saved at " + s.LastCheckpoint.Format("15:04:05")
	}
	name := cut(termsafe.Line(r.profile.Name), w)
	what := st.Title.Render(name)
	if room := w - ansi.StringWidth(name) - 1; room > 0 {
		what += " " + st.Subtle.Render(cut(termsafe.Line(r.url), room))
	}
	lines := []string{
		what,
		st.stateStyle(word).Render(word) + " " + cut(oneLine(detail), w-len(word)-1),
	}
	if p, ok := runProgress(s, r.tp.rate(), r.pageTP.rate()); ok {
		bar, text := progressText(p, s.State, r.ended, w)
		if bar != "" {
			text = st.stateStyle(word).UnsetBold().Render(bar) + " " + text
		}
		lines = append(lines, text)
	} else {
		// The line is kept, so that a total learned mid-run brings its
		// bar without pushing the screen down.
		lines = append(lines, st.Faint.Render(cut("progress: no total from the API yet", w)))
	}
	limit := "rate limit " + rateLimitText(s, now)
	if split := m.budgetSplit(r); split != "" {
		limit += " · " + split
	}
	return append(lines,
		cut(counts, w),
		cut(termsafe.Line(limit)+" · "+checkpoint, w),
		m.badges(r),
	)
}

// budgetSplit says who shares the run's rate budget and how it is spent:
// "budget shared: alpha 52%, beta 48% + 1 other process"; "" when the run
// has it alone.
func (m Model) budgetSplit(r *runSession) string {
	b := m.env.opts.Budgets
	if b == nil {
		return ""
	}
	share, ok := b.Share(budget.Origin(r.url))
	if !ok {
		return ""
	}
	var total int64
	for _, mem := range share.Members {
		total += mem.Sent
	}
	if len(share.Members) < 2 && share.Others == 0 {
		return ""
	}
	var parts []string
	for _, mem := range share.Members {
		if len(share.Members) < 2 || total == 0 {
			break
		}
		parts = append(parts, fmt.Sprintf("%s %d%%", mem.Profile, int(float64(mem.Sent)*100/float64(total)+0.5)))
	}
	text := "budget shared: " + strings.Join(parts, ", ")
	switch {
	case share.Others == 1 && len(parts) == 0:
		text = "budget shared with 1 other process"
	case share.Others > 1 && len(parts) == 0:
		text = fmt.Sprintf("budget shared with %d other processes", share.Others)
	case share.Others == 1:
		text += " + 1 other process"
	case share.Others > 1:
		text += fmt.Sprintf(" + %d other processes", share.Others)
	}
	return text
}

// headerLines is the height of the run's header, the same all along: the
// progress line is there before the run's size is known.
func headerLines(*runSession) int { return 6 }

// badges call out what deserves a look.
func (m Model) badges(r *runSession) string {
	st, s := m.env.styles, r.snap
	var out []string
	add := func(n int64, one, many string, style func(...string) string) {
		if n == 1 {
			out = append(out, style("⚠ 1 "+one))
		} else if n > 1 {
			out = append(out, style(fmt.Sprintf("⚠ %s %s", formatCount(n), many)))
		}
	}
	add(int64(s.Anomalies), "anomaly", "anomalies", st.Warn.Render)
	add(int64(s.Drifts), "schema drift", "schema drifts", st.Warn.Render)
	add(int64(s.Retries), "retry", "retries", st.Badge.Render)
	add(int64(s.Throttles), "rate-limit sleep", "rate-limit sleeps", st.Badge.Render)
	add(s.Rejected, "rejected record", "rejected records", st.Error.Render)
	add(int64(s.DroppedEvents), "event dropped", "events dropped", st.Faint.Render)
	if len(out) == 0 {
		return st.Faint.Render(cut("no anomalies, drift, retries or sleeps · → "+termsafe.Line(r.out), m.width))
	}
	return cut(strings.Join(out, "  ")+st.Faint.Render(" · → "+termsafe.Line(r.out)), m.width)
}
