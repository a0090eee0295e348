package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
)

func lineCount(s string) int { return strings.Count(s, "\n") + 1 }

// render draws the whole screen at the model's size.
func (m Model) render() string {
	st := m.styles
	var parts []string
	parts = append(parts, cut(m.titleLine(), m.width))
	body := m.bodyHeight()
	switch {
	case m.form != nil:
		parts = append(parts, m.form.view(st, m.width, body))
	case m.screen == screenPicker:
		parts = append(parts, m.picker.view(st, m.width, body, m.now()))
	default:
		parts = append(parts, m.runHeader()...)
		parts = append(parts, st.Rule.Render(strings.Repeat("─", max(m.width, 1))))
		parts = append(parts, m.paneView(body))
	}
	top := strings.Join(parts, "\n")
	// Pad the body so the status line and help stay at the bottom.
	if pad := m.height - lineCount(top) - 1 - lineCount(m.helpView()); pad > 0 {
		top += strings.Repeat("\n", pad)
	}
	return top + "\n" + m.statusLine() + "\n" + m.helpView()
}

func (m Model) titleLine() string {
	st := m.styles
	title := m.opts.Title
	if title == "" {
		title = "siphon"
	}
	crumbs := []string{"profiles"}
	if m.form != nil {
		crumbs = append(crumbs, "new")
	}
	if m.screen == screenRun && m.run != nil {
		crumbs = []string{m.run.profile.Name}
		switch m.pane {
		case paneEvents:
			crumbs = append(crumbs, "events")
		case paneRecords:
			crumbs = append(crumbs, "records")
		case panePages:
			crumbs = append(crumbs, "pages")
			if m.play != nil {
				crumbs = append(crumbs, "selectors")
			}
		}
	}
	return st.Title.Render(title) + st.Subtle.Render(" › "+strings.Join(crumbs, " › "))
}

func (m Model) statusLine() string {
	st := m.styles
	switch m.asking {
	case askQuit:
		return st.Question.Render(cut("Stop the run and quit? Its checkpoint is saved; start it again to resume. (y/n)", m.width))
	case askLeave:
		return st.Question.Render(cut("Stop the run and go back to the profiles? Its checkpoint is saved. (y/n)", m.width))
	case askFresh:
		what := "Start " + m.freshItem.profile.Name + " over?"
		if cp := m.freshItem.cp; cp != nil && cp.Done {
			what = fmt.Sprintf("%s is complete (%d pages). Start over?", m.freshItem.profile.Name, cp.Pages)
		}
		return st.Question.Render(cut(what+" The old output is moved aside, not deleted. (y/n)", m.width))
	}
	if m.status == "" {
		return ""
	}
	if m.statusErr {
		return st.Error.Render(cut(m.status, m.width))
	}
	return st.Status.Render(cut(m.status, m.width))
}

// helpView is the short help of the view on screen, or the full one.
func (m Model) helpView() string {
	h := m.help
	h.Width = m.width
	return h.View(m.helpKeys())
}

func (m Model) helpKeys() help.KeyMap {
	k := m.keys
	switch {
	case m.asking != noQuestion:
		return k.ConfirmHelp()
	case m.form != nil:
		return m.form.help(k)
	case m.play != nil && m.screen == screenRun:
		return k.EditorHelp("save to the profile")
	case m.typing():
		return k.FilterHelp()
	case m.screen == screenPicker:
		return k.PickerHelp()
	case m.inDetail():
		return k.DetailHelp(m.pane == panePages)
	case m.pane == paneEvents:
		return k.ListHelp(false, false, false, m.run.live())
	case m.pane == paneRecords:
		return k.ListHelp(true, true, true, m.run.live())
	case m.pane == panePages:
		return k.ListHelp(true, false, false, m.run.live())
	default:
		return k.RunHelp(m.run.live())
	}
}

func (m Model) paneView(height int) string {
	st := m.styles
	switch m.pane {
	case paneEvents:
		return m.events.view(st, m.width, height)
	case paneRecords:
		return m.records.view(st, m.width, height)
	case panePages:
		if m.play != nil {
			return m.playgroundView(height)
		}
		return m.pages.view(st, m.width, height)
	}
	// The overview: what to do next, then the latest events.
	hint := "Recent events (e: full log · r: records · i: pages)"
	if m.run != nil && m.run.ended {
		hint = "The run has ended (esc: profiles · r: records · i: pages · e: full log)"
	}
	return st.Subtle.Render(cut(hint, m.width)) + "\n" + m.events.view(st, m.width, max(height-1, 1))
}

// runHeader is the run's state at a glance: what, where, how it goes.
func (m Model) runHeader() []string {
	st, r, w, now := m.styles, m.run, m.width, m.now()
	s := r.snap
	word := stateWord(s)
	detail := stateDetail(s, now)
	if r.live() && r.pauseWanted && word != "PAUSED" {
		detail = dashJoin(detail, "pausing after this page")
	}
	elapsed := now.Sub(s.Started)
	if r.ended && !s.LastCheckpoint.IsZero() && s.LastCheckpoint.After(s.Started) {
		elapsed = s.LastCheckpoint.Sub(s.Started)
	}
	rate := formatCount(int64(r.tp.rate()+0.5)) + " rec/s"
	if spark := sparkline(r.tp.perSecond(), 12); strings.TrimSpace(spark) != "" {
		rate += " " + spark
	}
	counts := fmt.Sprintf("pages %d · records %s · %s · %s · elapsed %s",
		s.Pages, formatCount(s.Records), formatBytes(s.Bytes), rate, formatDuration(elapsed))
	checkpoint := "checkpoint " + ago(s.LastCheckpoint, now)
	if r.ended && !s.LastCheckpoint.IsZero() {
		checkpoint = "checkpoint saved at " + s.LastCheckpoint.Format("15:04:05")
	}
	lines := []string{
		st.Title.Render(r.profile.Name) + " " + st.Subtle.Render(cut(r.url, w-len(r.profile.Name)-1)),
		st.stateStyle(word).Render(word) + " " + cut(detail, w-len(word)-1),
	}
	if p, ok := runProgress(s, r.tp.rate(), r.pageTP.rate()); ok {
		bar, text := progressText(p, s.State, r.ended, w)
		if bar != "" {
			text = st.stateStyle(word).UnsetBold().Render(bar) + " " + text
		}
		lines = append(lines, text)
	}
	return append(lines,
		cut(counts, w),
		cut("rate limit "+rateLimitText(s, now)+" · "+checkpoint, w),
		m.badges(),
	)
}

// headerLines is the height of the run's header: one more line when the
// run's size is known, for its progress bar.
func (m Model) headerLines() int {
	if m.run == nil {
		return 5
	}
	if _, ok := runProgress(m.run.snap, 0, 0); ok {
		return 6
	}
	return 5
}

// badges call out what deserves a look.
func (m Model) badges() string {
	st, s := m.styles, m.run.snap
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
		return st.Faint.Render(cut("no anomalies, drift, retries or sleeps · → "+m.run.out, m.width))
	}
	return cut(strings.Join(out, "  ")+st.Faint.Render(" · → "+m.run.out), m.width)
}
