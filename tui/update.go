package tui

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"
)

// bodyHeight is the rows left for the picker or a pane.
func (m Model) bodyHeight() int {
	used := 1 + 1 + lineCount(m.helpView()) // title, status line, help
	if m.screen == screenRun {
		used += m.headerLines() + 1 // the run's header and a rule
	}
	return max(m.height-used, 1)
}

func (m Model) onKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	k := m.keys
	if keyMatches(msg, k.ForceQuit) {
		return m.quit()
	}
	if m.asking != noQuestion {
		return m.answer(msg)
	}
	if m.help.ShowAll && (keyMatches(msg, k.Help) || keyMatches(msg, k.Back)) {
		m.help.ShowAll = false
		return m, nil
	}
	switch {
	case m.form != nil:
		return m.formKey(msg)
	case m.play != nil && m.screen == screenRun:
		return m.playgroundKey(msg)
	case m.typing():
		return m.routeToPane(msg)
	}
	switch {
	case keyMatches(msg, k.Help):
		m.help.ShowAll = !m.help.ShowAll
		return m, nil
	case keyMatches(msg, k.Quit):
		if m.run.live() {
			m.asking = askQuit
			return m, nil
		}
		return m.quit()
	}
	if m.screen == screenPicker {
		return m.pickerKey(msg)
	}
	return m.runKey(msg)
}

// typing reports whether a text field has the keys.
func (m Model) typing() bool {
	switch {
	case m.screen == screenPicker:
		return m.picker.filterOn
	case m.pane == paneRecords:
		return m.records.typing
	}
	return false
}

func (m Model) quit() (Model, tea.Cmd) {
	if !m.run.live() {
		return m, tea.Quit
	}
	// Quit once the run has saved its checkpoint and closed its events.
	m.run.runner.Cancel()
	m.quitting = true
	m.setStatus("stopping: saving the checkpoint…", false)
	return m, nil
}

func (m Model) answer(msg tea.KeyMsg) (Model, tea.Cmd) {
	k := m.keys
	q := m.asking
	switch {
	case keyMatches(msg, k.Yes):
		m.asking = noQuestion
	case keyMatches(msg, k.No):
		m.asking = noQuestion
		return m, nil
	default:
		return m, nil // a question waits for its answer
	}
	switch q {
	case askQuit:
		return m.quit()
	case askLeave:
		if !m.run.live() {
			m.toPicker()
			return m, nil
		}
		m.run.runner.Cancel()
		m.leaving = true
		m.setStatus("stopping: saving the checkpoint…", false)
	case askFresh:
		return m.start(m.freshItem, true)
	}
	return m, nil
}

func (m Model) pickerKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	k := m.keys
	it, ok := m.picker.selected()
	switch {
	case keyMatches(msg, k.Enter) && ok && it.profile.NeedsLogin && m.opts.Login != nil:
		name := it.profile.Name
		return m, tea.ExecProcess(m.opts.Login(it.profile), func(err error) tea.Msg { return loginDoneMsg{name: name, err: err} })
	case keyMatches(msg, k.Enter) && ok:
		if it.cp != nil && it.cp.Done && !incremental(it.profile.Pagination) && it.profile.Err == nil {
			m.asking, m.freshItem = askFresh, it
			return m, nil
		}
		return m.start(it, false)
	case keyMatches(msg, k.Add):
		return m.openForm()
	case keyMatches(msg, k.Fresh) && ok:
		if it.cp == nil && it.cpErr == nil {
			return m.start(it, false) // nothing to start over from
		}
		m.asking, m.freshItem = askFresh, it
		return m, nil
	}
	var cmd tea.Cmd
	m.picker, cmd = m.picker.update(msg, k, m.bodyHeight())
	return m, cmd
}

func (m Model) runKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	k := m.keys
	switch {
	case keyMatches(msg, k.Pause):
		if m.run.live() {
			if m.run.pauseWanted {
				m.run.runner.Resume()
			} else {
				m.run.runner.Pause()
			}
			m.run.pauseWanted = !m.run.pauseWanted
		}
		return m, nil
	case keyMatches(msg, k.Events):
		m.pane = togglePane(m.pane, paneEvents)
		return m, nil
	case keyMatches(msg, k.Records) && !m.inDetail():
		m.pane = togglePane(m.pane, paneRecords)
		return m, nil
	case keyMatches(msg, k.Pages) && !m.inDetail():
		m.pane = togglePane(m.pane, panePages)
		return m, nil
	case keyMatches(msg, k.Selectors) && m.pane == panePages && m.pages.detail:
		return m.openPlayground()
	case keyMatches(msg, k.Copy) && m.pane == panePages:
		if req, ok := m.pages.selectedRequest(); ok {
			m.clipboard = osc52(curlCommand(req))
			m.setStatus(fmt.Sprintf("copied page %d's request as a curl command (OSC 52; secrets stay REDACTED)", m.pages.detailPage.Page), false)
		}
		return m, nil
	case keyMatches(msg, k.Back) && !m.inDetail():
		switch {
		case m.pane == paneRecords && m.records.filter != "":
			m.records = m.records.clearFilter()
		case m.pane != paneOverview:
			m.pane = paneOverview
		case m.run.live():
			m.asking = askLeave
		default:
			m.toPicker()
		}
		return m, nil
	}
	return m.routeToPane(msg)
}

func (m Model) inDetail() bool {
	return m.pane == paneRecords && m.records.detail || m.pane == panePages && m.pages.detail
}

func togglePane(current, want pane) pane {
	if current == want {
		return paneOverview
	}
	return want
}

func (m Model) routeToPane(msg tea.KeyMsg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	h := m.bodyHeight()
	switch {
	case m.screen == screenPicker:
		m.picker, cmd = m.picker.update(msg, m.keys, h)
	case m.pane == paneEvents, m.pane == paneOverview:
		m.events = m.events.update(msg, m.keys, h)
	case m.pane == paneRecords:
		m.records, cmd = m.records.update(msg, m.keys, m.styles, m.width, h)
	case m.pane == panePages:
		m.pages, cmd = m.pages.update(msg, m.keys, m.styles, m.width, h)
	}
	return m, cmd
}
