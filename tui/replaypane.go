package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"siphon/ingest/replay"
	"siphon/ingest/spec"
	"siphon/ingest/store"
	"siphon/ingest/termsafe"
)

// trialSelectors are the records and pagination the selector playground
// was left with, unsaved: a replay from the pages view walks with them.
type trialSelectors struct {
	records    string
	pagination spec.PaginationConfig
}

// replayWalk is one folder's replay: the original walk, the new one and
// where they differ; err says why there is none.
type replayWalk struct {
	partition string
	orig, now replay.Walk
	diff      []string
	err       error
}

// replayDoneMsg is a replay's result.
type replayDoneMsg struct {
	out   string
	walks []replayWalk
	err   error // the output has no archive to replay, or no folder
}

// replayConfig is what a replay walks with: the profile's selectors, or
// the playground's edits when there are some.
func replayConfig(s *runSession) (spec.Config, bool) {
	cfg := spec.Config{Name: s.profile.Name, Records: s.profile.Records, Pagination: s.profile.PaginationConfig, PrimaryKey: s.profile.PrimaryKey}
	if t := s.trial; t != nil {
		cfg.Records, cfg.Pagination = t.records, t.pagination
		return cfg, true
	}
	return cfg, false
}

// replayRun walks every archived page of the output again, offline, per
// partition for a partitioned run. It reads files only: no request.
func replayRun(out string, cfg spec.Config) tea.Cmd {
	return func() tea.Msg {
		folders, err := replay.Folders(store.At(out))
		if err != nil {
			return replayDoneMsg{out: out, err: err}
		}
		msg := replayDoneMsg{out: out}
		for _, f := range folders {
			w := replayWalk{partition: f.Partition}
			w.orig, w.err = replay.Original(f.Out, cfg.PrimaryKey)
			if w.err == nil {
				w.now, w.err = replay.Run(context.Background(), cfg, f.Out, replay.Options{})
			}
			if w.err == nil {
				w.diff = replay.Diff(w.orig, w.now)
			}
			msg.walks = append(msg.walks, w)
		}
		return msg
	}
}

// replayPane shows a replay: per page, the original walk beside the new
// one (records, first and last key, the cursor or next URL out, the stop),
// then where they differ.
type replayPane struct {
	plain
	env    *env
	name   string
	out    string
	edited bool
	done   bool
	res    replayDoneMsg
	vp     viewport.Model
	width  int
}

func newReplayPane(e *env, s *runSession) (replayPane, tea.Cmd) {
	cfg, edited := replayConfig(s)
	vp := viewport.New(0, 0)
	k := e.keys
	vp.KeyMap = viewport.KeyMap{Up: k.Up, Down: k.Down, PageUp: k.PageUp, PageDown: k.PageDown,
		HalfPageUp: key.NewBinding(key.WithDisabled()), HalfPageDown: key.NewBinding(key.WithDisabled())}
	r := replayPane{env: e, name: s.profile.Name, out: s.out, edited: edited, vp: vp}
	if s.out == "" {
		r.done, r.res.err = true, errors.New("this run has no output folder to replay")
		return r, nil
	}
	return r, replayRun(s.out, cfg)
}

func (r replayPane) Update(msg tea.Msg, c *ctx) (replayPane, tea.Cmd) {
	switch msg := msg.(type) {
	case replayDoneMsg:
		if msg.out == r.out && !r.done {
			r.done, r.res = true, msg
			r.vp.SetContent(strings.Join(r.lines(), "\n"))
		}
	case tea.KeyMsg:
		if key.Matches(msg, r.env.keys.Back) {
			return r, pop()
		}
		r.vp, _ = r.vp.Update(msg)
	}
	return r, nil
}

// lines draws the replay at the pane's width.
func (r replayPane) lines() []string {
	st, width := r.env.styles, r.width
	with := "the profile's selectors"
	if r.edited {
		with = "the selectors as edited (s on a page)"
	}
	lines := []string{st.Subtle.Render(cut("every archived page walked again with "+with+"; no request sent", width))}
	if !r.done {
		return append(lines, "replaying…")
	}
	if err := r.res.err; err != nil {
		text := "No replay: " + oneLine(err.Error())
		if errors.Is(err, replay.ErrNoArchive) {
			text += ". Keep the pages (output.raw_pages: true) and run again to replay."
		}
		// Wrapped, not cut: the remedy is at its end.
		return append(lines, st.Error.Render(ansi.Wrap(termsafe.Line(text), max(width, 1), "")))
	}
	for _, w := range r.res.walks {
		if w.partition != "" {
			lines = append(lines, "", st.Title.Render(cut("partition "+termsafe.Line(w.partition), width)))
		}
		if w.err != nil {
			lines = append(lines, st.Error.Render(cut("cannot replay: "+oneLine(w.err.Error()), width)))
			continue
		}
		lines = append(lines, walkLines(w.orig, w.now, width)...)
		lines = append(lines, cut(fmt.Sprintf("original: %s, %s · replay: %s, %s", counted(len(w.orig.Pages), "page", "pages"), stopText(w.orig.Stop),
			counted(len(w.now.Pages), "page", "pages"), stopText(w.now.Stop)), width))
		if len(w.diff) == 0 {
			lines = append(lines, st.Selected.Render("The walks agree."))
			continue
		}
		lines = append(lines, st.Error.Render("Where they differ:"))
		for _, d := range w.diff {
			lines = append(lines, "  "+termsafe.Line(d))
		}
	}
	return lines
}

func stopText(stop string) string {
	if stop == "" {
		return "no stop"
	}
	return "stopped: " + termsafe.Line(stop)
}

// walkLines is the two walks side by side, a page a line, each half cut
// to fit.
func walkLines(orig, now replay.Walk, width int) []string {
	half := max((width-6)/2, 12)
	keysW := max((half-7)/2, 4)
	nextW := max(half-7-keysW-2, 4)
	cell := func(p replay.Page) string {
		return fmt.Sprintf("%5d %s %s", p.Records, fit(termsafe.Line(p.Keys()), keysW), fit(termsafe.Line(p.Next()), nextW))
	}
	blank := strings.Repeat(" ", 6+keysW+1+nextW)
	lines := []string{cut(fmt.Sprintf("%4s %s │ %s", "page", fit("  rec keys", 6+keysW)+" "+fit("next or stop", nextW), "replay"), width)}
	for i := range max(len(orig.Pages), len(now.Pages)) {
		left, right := blank, ""
		if i < len(orig.Pages) {
			left = cell(orig.Pages[i])
		}
		if i < len(now.Pages) {
			right = cell(now.Pages[i])
		}
		lines = append(lines, cut(strings.TrimRight(fmt.Sprintf("%4d %s │ %s", i+1, left, right), " "), width))
	}
	return lines
}

func (r replayPane) SetSize(width, height int) replayPane {
	r.width = width
	r.vp.Width, r.vp.Height = width, max(height, 1)
	r.vp.SetContent(strings.Join(r.lines(), "\n"))
	return r
}

func (r replayPane) update(msg tea.Msg, c *ctx) (screen, tea.Cmd) { return r.Update(msg, c) }
func (r replayPane) resize(w, h int) screen                       { return r.SetSize(w, h) }
func (r replayPane) View() string                                 { return r.vp.View() }
func (r replayPane) crumbs(p []string) []string                   { return append(p, "replay") }
func (r replayPane) ShortHelp() []key.Binding                     { return r.env.keys.ReplayHelp().ShortHelp() }
func (r replayPane) FullHelp() [][]key.Binding                    { return r.env.keys.ReplayHelp().FullHelp() }

func (r replayPane) scrolled() string {
	if r.vp.TotalLineCount() <= r.vp.Height {
		return ""
	}
	return fmt.Sprintf("%d%%", int(r.vp.ScrollPercent()*100))
}
