package tui

// Everything the console reads from a run's output folder is read here,
// in commands (never inside Update), with bounded memory: the folder's
// layout (file names, the checkpoint, the history) belongs to the ingest
// side, and this file is the one place that knows it.

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"path"

	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest"
	"siphon/ingest/store"
)

// readView is the output at out as its readers see it (a local folder or
// s3://BUCKET/PREFIX: store.Location.ReadFS), never by an OS path.
func readView(out string) (fs.FS, error) { return store.At(out).ReadFS() }

// bodyFile is the file of the archive (output.raw_pages) that keeps a
// page's body, relative to the output: a segment that the page's index
// line names, or a file of its own in older archives.
func bodyFile(out string, page int) string {
	e := &store.PageEntry{File: store.PageFileName(page)}
	if fsys, err := readView(out); err == nil {
		if found, err := store.FindPage(fsys, page); err == nil {
			e = found
		}
	}
	return path.Join(store.PagesDir, e.File)
}

// openBody opens a page's archived body, wherever the archive keeps it,
// and says in which file.
func openBody(out string, page int) (*store.PageBody, string, error) {
	file := path.Join(store.PagesDir, store.PageFileName(page))
	fsys, err := readView(out)
	if err != nil {
		return nil, file, err
	}
	e, err := store.FindPage(fsys, page)
	if err != nil {
		return nil, file, err
	}
	b, err := store.OpenPageBody(fsys, e)
	return b, path.Join(store.PagesDir, e.File), err
}

// readBody reads a page's archived body in a command: it can be big
// (store.ReadPageBody bounds it).
func readBody(out string, page int) tea.Cmd {
	return func() tea.Msg {
		file := path.Join(store.PagesDir, store.PageFileName(page))
		fsys, err := readView(out)
		if err != nil {
			return bodyReadMsg{page: page, file: file, err: err}
		}
		e, err := store.FindPage(fsys, page)
		if err != nil {
			return bodyReadMsg{page: page, file: file, err: err}
		}
		body, err := store.ReadPageBody(fsys, e)
		return bodyReadMsg{page: page, file: path.Join(store.PagesDir, e.File), body: body, err: err}
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

// lastLines reads the last keep lines of one of an output's JSON-lines
// files (store.OpenJoined: the file, or its segments), reading back from
// its end: memory is what those lines take, capped at maxBytes (fewer
// lines then), however big the file. A missing file is fs.ErrNotExist.
func lastLines(fsys fs.FS, name string, keep int, maxBytes int64) ([][]byte, error) {
	j, err := store.OpenJoined(fsys, name)
	if err != nil {
		return nil, err
	}
	defer j.Close()
	lines, _, err := j.Tail(j.Size(), keep, maxBytes)
	return lines, err
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
		loc := store.At(out)
		if fsys, err := loc.ReadFS(); err != nil {
			run.errs = append(run.errs, err)
		} else {
			lines, err := lastLines(fsys, store.RecordsFile, recordCapacity, pastRecordBytes)
			run.noRecords = errors.Is(err, fs.ErrNotExist)
			if err != nil && !run.noRecords {
				run.errs = append(run.errs, err)
			}
			for _, l := range lines {
				run.records = append(run.records, json.RawMessage(l))
			}
			idx, err := lastLines(fsys, path.Join(store.PagesDir, store.IndexFile), pageCapacity, pastRecordBytes)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				run.errs = append(run.errs, err)
			}
			for _, l := range idx {
				var e store.PageEntry
				if json.Unmarshal(l, &e) == nil {
					run.pages = append(run.pages, e)
				}
			}
		}
		var err error
		if run.history, err = loc.ReadHistory(historyKeep); err != nil {
			run.errs = append(run.errs, err)
		}
		run.cp, _ = loc.ReadCheckpoint()
		return pastRunMsg{profile: p, pane: pn, run: run}
	}
}
