package tui

// Where each list screen is, for the title line's "n/m".

func (p picker) scrolled() string        { return p.list.Position() }
func (l runsList) scrolled() string      { return l.list.Position() }
func (h historyScreen) scrolled() string { return h.list.Position() }

func (r runView) scrolled() string {
	switch r.pane {
	case paneEvents:
		return r.log.list.Position()
	case paneRecords:
		return r.records.list.Position()
	case panePages:
		return r.pages.list.Position()
	}
	if r.hasPart {
		return r.parts.list.Position()
	}
	return ""
}
