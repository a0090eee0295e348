package tui

// Everything the console reads from a run's output folder is read here,
// in commands (never inside Update), with bounded memory: the folder's
// layout (file names, the checkpoint, the history) belongs to the ingest
// side, and this file is the one place that knows it.

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest"
	"siphon/ingest/store"
)

// bodyFile is the file of the archive (output.raw_pages) that keeps a
// page's body, relative to the output folder: a segment that the page's
// index line names, or a file of its own in older archives.
func bodyFile(out string, page int) string {
	e, err := store.FindPage(filepath.Join(out, store.PagesDir), page)
	if err != nil {
		return filepath.Join(store.PagesDir, store.PageFileName(page))
	}
	return filepath.Join(store.PagesDir, e.File)
}

// openBody opens a page's archived body, wherever the archive keeps it,
// and says in which file.
func openBody(out string, page int) (*store.PageBody, string, error) {
	dir := filepath.Join(out, store.PagesDir)
	e, err := store.FindPage(dir, page)
	if err != nil {
		return nil, filepath.Join(store.PagesDir, store.PageFileName(page)), err
	}
	b, err := store.OpenPageBody(dir, e)
	return b, filepath.Join(store.PagesDir, e.File), err
}

// readBody reads a page's archived body in a command: it can be big.
func readBody(out string, page int) tea.Cmd {
	return func() tea.Msg {
		b, file, err := openBody(out, page)
		if err != nil {
			return bodyReadMsg{page: page, file: file, err: err}
		}
		defer b.Close()
		body, err := io.ReadAll(b)
		return bodyReadMsg{page: page, file: file, body: body, err: err}
	}
}

// bodyTailBytes is how much of a big body's end the page detail shows,
// beside the first ingest.BodyPreviewBytes the page's event carried.
const bodyTailBytes = 16 << 10

// bodyTail is the end of a page's archived body, past the preview.
type bodyTail struct {
	read  bool   // the read has come back
	head  []byte // a past run's page, which has no preview: its first bytes
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
// A page with nothing shown (a past run's, read from its index) gets its
// first ingest.BodyPreviewBytes too, as a live run's event carries them.
func readBodyTail(out string, page int, shown int64) tea.Cmd {
	return func() tea.Msg {
		t := bodyTail{read: true}
		f, _, err := openBody(out, page)
		if err != nil {
			t.err = err
			return bodyTailMsg{out: out, page: page, tail: t}
		}
		defer f.Close()
		size := f.Size()
		if shown == 0 {
			t.head = make([]byte, min(size, ingest.BodyPreviewBytes))
			if _, err := io.ReadFull(f, t.head); err != nil {
				t.err = err
				return bodyTailMsg{out: out, page: page, tail: t}
			}
			shown = int64(len(t.head))
		}
		t.from = max(size-bodyTailBytes, shown)
		t.bytes, t.err = io.ReadAll(io.NewSectionReader(f, t.from, size-t.from))
		return bodyTailMsg{out: out, page: page, tail: t}
	}
}

// lastLines reads the last keep lines of a JSON-lines file, reading back
// from its end: memory is what those lines take, capped at maxBytes (fewer
// lines then), however big the file. A missing file has no lines.
func lastLines(path string, keep int, maxBytes int64) ([][]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	const chunk = 64 << 10
	end := fi.Size()
	start := end
	var buf []byte
	for start > 0 && int64(len(buf)) < maxBytes && bytes.Count(buf, []byte{'\n'}) <= keep {
		n := min(chunk, start)
		start -= n
		b := make([]byte, n, int64(len(buf))+n)
		if _, err := f.ReadAt(b, start); err != nil && err != io.EOF {
			return nil, err
		}
		buf = append(b, buf...)
	}
	lines := bytes.Split(bytes.TrimRight(buf, "\n"), []byte{'\n'})
	if start > 0 && len(lines) > 0 {
		lines = lines[1:] // the first is cut: it began before what was read
	}
	var out [][]byte
	for _, l := range lines {
		if l = bytes.TrimSpace(l); len(l) > 0 {
			out = append(out, l)
		}
	}
	if len(out) > keep {
		out = out[len(out)-keep:]
	}
	return out, nil
}

// pastRunMsg is a finished or stopped run as its output folder keeps it.
type pastRunMsg struct {
	profile Profile
	pane    pane
	run     pastRun
}

// pastRun is what the folder holds of a profile's runs: the last records,
// the last pages' index lines, the history (the newest run last) and the
// checkpoint. Each read's error is kept beside what was read.
type pastRun struct {
	records   []json.RawMessage
	pages     []store.PageEntry
	history   []store.HistoryEntry
	cp        *store.Checkpoint
	errs      []error
	noRecords bool // the folder has no records.jsonl
}

// pastRecordBytes bounds the records read back from a past run.
const pastRecordBytes = 32 << 20

// readPastRun reads a profile's output folder in a command, for its past
// run's records, pages and events.
func readPastRun(p Profile, pn pane) tea.Cmd {
	out := p.Out
	return func() tea.Msg {
		var run pastRun
		recPath := filepath.Join(out, store.RecordsFile)
		if _, err := os.Stat(recPath); errors.Is(err, fs.ErrNotExist) {
			run.noRecords = true
		}
		lines, err := lastLines(recPath, recordCapacity, pastRecordBytes)
		if err != nil {
			run.errs = append(run.errs, err)
		}
		for _, l := range lines {
			run.records = append(run.records, json.RawMessage(l))
		}
		idx, err := lastLines(filepath.Join(out, store.PagesDir, store.IndexFile), pageCapacity, pastRecordBytes)
		if err != nil {
			run.errs = append(run.errs, err)
		}
		for _, l := range idx {
			var e store.PageEntry
			if json.Unmarshal(l, &e) == nil {
				run.pages = append(run.pages, e)
			}
		}
		if run.history, err = store.At(out).ReadHistory(historyKeep); err != nil {
			run.errs = append(run.errs, err)
		}
		run.cp, _ = store.At(out).ReadCheckpoint()
		return pastRunMsg{profile: p, pane: pn, run: run}
	}
}
