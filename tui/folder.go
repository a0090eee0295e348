package tui

// Everything the console reads from a run's output folder is read here,
// in commands (never inside Update), with bounded memory: the folder's
// layout (file names, the checkpoint, the history) belongs to the ingest
// side, and this file is the one place that knows it.

import (
	"io"
	"os"
	"path/filepath"

	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest/store"
)

// bodyFile is where a run archives a page's body (output.raw_pages).
func bodyFile(out string, page int) string {
	return filepath.Join(out, store.PagesDir, store.PageFileName(page))
}

// readBody reads a page's archived body in a command: it can be big.
func readBody(out string, page int) tea.Cmd {
	return func() tea.Msg {
		body, err := os.ReadFile(bodyFile(out, page))
		return bodyReadMsg{page: page, body: body, err: err}
	}
}

// bodyTailBytes is how much of a big body's end the page detail shows,
// beside the first ingest.BodyPreviewBytes the page's event carried.
const bodyTailBytes = 16 << 10

// bodyTail is the end of a page's archived body, past the preview.
type bodyTail struct {
	read  bool   // the read has come back
	bytes []byte // the last bodyTailBytes (or fewer: what follows the preview)
	from  int64  // the offset in the body where bytes start
	err   error  // not archived (fs.ErrNotExist) or unreadable
}

// bodyTailMsg is a page's body's end, read for its detail.
type bodyTailMsg struct {
	out  string
	page int
	tail bodyTail
}

// readBodyTail reads, in a command, the end of a page's archived body
// past its first shown bytes: at most bodyTailBytes, whatever its size.
func readBodyTail(out string, page int, shown int64) tea.Cmd {
	return func() tea.Msg {
		t := bodyTail{read: true}
		f, err := os.Open(bodyFile(out, page))
		if err != nil {
			t.err = err
			return bodyTailMsg{out: out, page: page, tail: t}
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			t.err = err
			return bodyTailMsg{out: out, page: page, tail: t}
		}
		t.from = max(fi.Size()-bodyTailBytes, shown, 0)
		t.bytes, t.err = io.ReadAll(io.NewSectionReader(f, t.from, fi.Size()-t.from))
		return bodyTailMsg{out: out, page: page, tail: t}
	}
}
