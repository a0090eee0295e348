// Package replay walks a run's archived pages again, offline, with a
// profile as it is now: no request is sent. It answers "what would this
// records path, cursor path or stop rule have done?" without spending the
// API's rate limit, and says where the new walk and the original differ.
// EvalRecords and EvalNext do the same for one saved page (the console's
// selector playground).
package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"

	"siphon/ingest/bodyformat"
	"siphon/ingest/page"
	"siphon/ingest/paginate"
	"siphon/ingest/spec"
	"siphon/ingest/store"
)

// ErrNoArchive is a folder whose run kept no pages.
var ErrNoArchive = errors.New("no page archive")

// Page is one page of a walk: what it gave and where it led.
type Page struct {
	Page      int    `json:"page"`
	Records   int    `json:"records"`
	FirstKey  string `json:"first_key,omitempty"`
	LastKey   string `json:"last_key,omitempty"`
	CursorOut string `json:"cursor_out,omitempty"`
	Stop      string `json:"stop,omitempty"` // the walk ended after this page, and why
	Err       string `json:"error,omitempty"`
}

// Keys is the page's first and last primary key as "first…last"; "" when
// the page had none. The API's words: clean them before showing.
func (p Page) Keys() string {
	if p.FirstKey == "" && p.LastKey == "" {
		return ""
	}
	return p.FirstKey + "…" + p.LastKey
}

// Next is where the walk went after the page: its cursor or next URL out,
// else why it stopped or failed there.
func (p Page) Next() string {
	switch {
	case p.Err != "":
		return "error: " + p.Err
	case p.Stop != "":
		return "stop: " + p.Stop
	}
	return p.CursorOut
}

// Walk is a run's pages in order and why it stopped.
type Walk struct {
	Pages []Page `json:"pages"`
	Stop  string `json:"stop,omitempty"`
}

// entry is what a replay reads of a line of pages/index.jsonl.
type entry struct {
	Page      int               `json:"page"`
	URL       string            `json:"url"`
	Status    int               `json:"status"`
	Records   int               `json:"records"`
	CursorOut string            `json:"cursor_out"`
	File      string            `json:"file"`
	Offset    *int64            `json:"offset"` // within File, a segment; nil: File is the body
	Length    int64             `json:"length"`
	Headers   map[string]string `json:"headers"`
}

// maxRecordLine bounds a record line read back for its key: a longer one
// (not a record siphon wrote: a body held whole is at most 64 MiB) has none.
const maxRecordLine = 64 << 20

// readIndex reads the page archive's index of out.
func readIndex(fsys fs.FS, out store.Location) ([]entry, error) {
	idx, err := store.OpenJoined(fsys, path.Join(store.PagesDir, store.IndexFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s: the run kept no pages (output.raw_pages: false), or has not run", ErrNoArchive, out)
	}
	if err != nil {
		return nil, err
	}
	defer idx.Close()
	var list []entry
	lines := idx.Lines(idx.Size(), store.MaxIndexLine)
	for lines.Next() {
		line := lines.Line()
		if lines.Long() {
			return nil, fmt.Errorf("%s: longer than %d MiB, not an index line siphon wrote", lines.Where(), store.MaxIndexLine>>20)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var e entry
		if err := json.Unmarshal(line, &e); err != nil {
			return nil, fmt.Errorf("%s: %v", lines.Where(), err)
		}
		list = append(list, e)
	}
	if err := lines.Err(); err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("%w in %s: the index lists no pages", ErrNoArchive, out)
	}
	return list, nil
}

// Original is the walk a run made, from its output: the index's pages, the
// keys of the records each wrote (the records, read page by page), and the
// checkpoint's stop reason.
func Original(out store.Location, primaryKey []string) (Walk, error) {
	fsys, err := out.ReadFS()
	if err != nil {
		return Walk{}, err
	}
	idx, err := readIndex(fsys, out)
	if err != nil {
		return Walk{}, err
	}
	recs, err := store.OpenJoined(fsys, store.RecordsFile)
	if err != nil {
		return Walk{}, err
	}
	defer recs.Close()
	lines := recs.Lines(recs.Size(), maxRecordLine)
	w := Walk{}
	for _, e := range idx {
		p := Page{Page: e.Page, Records: e.Records, CursorOut: e.CursorOut}
		for i := 0; i < e.Records; i++ {
			if !lines.Next() {
				if err := lines.Err(); err != nil {
					return w, err
				}
				return w, fmt.Errorf("the records of %s end before page %d's", out, e.Page)
			}
			key := ""
			if !lines.Long() {
				key = keyOf(lines.Line(), primaryKey)
			}
			if i == 0 {
				p.FirstKey = key
			}
			p.LastKey = key
		}
		w.Pages = append(w.Pages, p)
	}
	if cp, err := out.ReadCheckpoint(); err == nil && cp != nil && cp.Done {
		w.Stop = cp.StopReason
		w.Pages[len(w.Pages)-1].Stop = cp.StopReason
	}
	return w, nil
}

// Folder is one walk's output: the run's own, or a partition's (its KEY).
type Folder struct {
	Out       store.Location
	Partition string
}

// Folders lists the walks in an output: itself, or each partition of a
// partitioned run, in the order of their keys.
func Folders(out store.Location) ([]Folder, error) {
	fsys, err := out.ReadFS()
	if err != nil {
		return nil, err
	}
	if isDir(fsys, store.PagesDir) {
		return []Folder{{Out: out}}, nil
	}
	parts, err := fs.ReadDir(fsys, store.PartitionsDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var list []Folder
	for _, p := range parts { // sorted by key
		if p.IsDir() && isDir(fsys, path.Join(store.PartitionsDir, p.Name(), store.PagesDir)) {
			list = append(list, Folder{Out: out.Partition(p.Name()), Partition: p.Name()})
		}
	}
	if len(list) == 0 {
		if top, err := fs.ReadDir(fsys, "."); errors.Is(err, fs.ErrNotExist) || err == nil && len(top) == 0 {
			return nil, fmt.Errorf("%s does not exist: run the profile first (or name the output it wrote)", out)
		}
		return nil, fmt.Errorf("%w in %s: the run kept no pages (output.raw_pages: false)", ErrNoArchive, out)
	}
	return list, nil
}

// isDir says name is a folder of fsys.
func isDir(fsys fs.FS, name string) bool {
	fi, err := fs.Stat(fsys, name)
	return err == nil && fi.IsDir()
}

// Options tune a replay.
type Options struct {
	// Write, when set, is given each replayed record, as a run's writer
	// would be (store.Writer.WriteRecord).
	Write func(rec []byte) error
}

// Run walks out's archived pages in order with cfg (records, pagination,
// primary key as the profile says now). It stops where cfg's walk would,
// or at the archive's end.
func Run(ctx context.Context, cfg spec.Config, out store.Location, opt Options) (Walk, error) {
	fsys, err := out.ReadFS()
	if err != nil {
		return Walk{}, err
	}
	idx, err := readIndex(fsys, out)
	if err != nil {
		return Walk{}, err
	}
	expr, err := page.Compile(cfg.Records)
	if err != nil {
		return Walk{}, fmt.Errorf("records %q: %w", cfg.Records, err)
	}
	pcfg := cfg.Pagination
	pcfg.MaxPages = 0 // a replay walks what the archive holds
	pag, err := paginate.New(pcfg, cfg.PrimaryKey)
	if err != nil {
		return Walk{}, err
	}
	w := Walk{}
	rp := &replayer{ctx: ctx, fsys: fsys, cfg: cfg, expr: expr, pag: pag, out: opt.Write}
	for i, e := range idx {
		if err := ctx.Err(); err != nil {
			return w, err
		}
		p, stop := rp.page(i+1, e)
		if rp.err != nil {
			return w, fmt.Errorf("writing the replayed records: %w", rp.err)
		}
		w.Pages = append(w.Pages, p)
		if stop != "" {
			w.Stop = stop
			return w, nil
		}
	}
	w.Stop = "archive ends"
	return w, nil
}

// replayer walks archived pages one at a time with one paginator.
type replayer struct {
	ctx  context.Context
	fsys fs.FS // the output's read view
	cfg  spec.Config
	expr *page.Expr
	pag  *paginate.Paginator
	out  func([]byte) error // where the replayed records go, or nil
	err  error              // the first error out gave
}

// page replays archived page n: what it gives and, when the walk ends
// there, why.
func (rp *replayer) page(n int, e entry) (Page, string) {
	p := Page{Page: n}
	body, err := store.ReadPageBody(rp.fsys, &store.PageEntry{Page: e.Page, File: e.File, Offset: e.Offset, Length: e.Length})
	if err != nil {
		p.Err = fmt.Sprintf("page %d's body is missing from the archive: %v", e.Page, err)
		return p, "archive incomplete"
	}
	// The archive keeps bodies as they came: an XML or CSV page is read
	// as the JSON a run read.
	body, _, _, err = bodyformat.Bytes(body, bodyformat.Options{Format: rp.cfg.Format, ContentType: e.header().Get("Content-Type")}, max(64<<20, 16*int64(len(body))))
	if err != nil {
		p.Err = fmt.Sprintf("page %d: %v", e.Page, err)
		return p, "error"
	}
	pg := page.Parse(rp.ctx, body, rp.expr)
	recs, err := pg.Records(rp.expr)
	if err != nil {
		p.Err = err.Error()
		return p, "error"
	}
	fetched := len(recs)
	recs = rp.pag.Dedup(recs)
	p.Records = len(recs)
	for j, r := range recs {
		key := keyOf(r, rp.cfg.PrimaryKey)
		if j == 0 {
			p.FirstKey = key
		}
		p.LastKey = key
		rp.write(r)
	}
	stop, err := rp.pag.Advance(&paginate.Response{Status: e.Status, Header: e.header(), URL: e.url(), Page: pg, Records: recs, Fetched: fetched, PageNo: n})
	if err != nil {
		p.Err = err.Error()
		return p, "error"
	}
	if stop == "" {
		p.CursorOut = rp.pag.Describe()
	}
	p.Stop = stop
	return p, stop
}

// write hands a replayed record to out; the writer compacts it as a run's does.
func (rp *replayer) write(r []byte) {
	if rp.out != nil && rp.err == nil {
		rp.err = rp.out(r)
	}
}

// url is the page's URL as archived (redacted), for relative next links.
func (e entry) url() *url.URL {
	if u, err := url.Parse(e.URL); err == nil {
		return u
	}
	return &url.URL{}
}

// header is the page's response headers as archived.
func (e entry) header() http.Header {
	h := http.Header{}
	for k, v := range e.Headers {
		h.Set(k, v)
	}
	return h
}

// keyOf is a record's primary key as text ("" without one).
func keyOf(rec []byte, fields []string) string {
	if len(fields) == 0 {
		return ""
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(rec, &m) != nil {
		return ""
	}
	parts := make([]string, len(fields))
	for i, f := range fields {
		v := bytes.TrimSpace(m[f])
		parts[i] = strings.Trim(string(v), `"`)
	}
	return strings.Join(parts, "/")
}

// Diff lists where two walks differ, page by page, in words; nil when they
// agree.
func Diff(orig, now Walk) []string {
	var out []string
	n := max(len(orig.Pages), len(now.Pages))
	for i := 0; i < n; i++ {
		switch {
		case i >= len(now.Pages):
			out = append(out, fmt.Sprintf("page %d: the original walk went on; the replay stopped before it (%s)", i+1, now.Stop))
			continue
		case i >= len(orig.Pages):
			out = append(out, fmt.Sprintf("page %d: the replay would go on; the original stopped before it", i+1))
			continue
		}
		a, b := orig.Pages[i], now.Pages[i]
		var d []string
		if b.Err != "" {
			d = append(d, "replay: "+b.Err)
		}
		if a.Records != b.Records {
			d = append(d, fmt.Sprintf("records %d → %d", a.Records, b.Records))
		}
		if a.FirstKey != b.FirstKey || a.LastKey != b.LastKey {
			d = append(d, fmt.Sprintf("keys %s…%s → %s…%s", a.FirstKey, a.LastKey, b.FirstKey, b.LastKey))
		}
		if a.CursorOut != b.CursorOut && b.Stop == "" && a.Stop == "" {
			d = append(d, fmt.Sprintf("next %q → %q", a.CursorOut, b.CursorOut))
		}
		if (a.Stop != "") != (b.Stop != "") && i == len(orig.Pages)-1 {
			d = append(d, fmt.Sprintf("stop %q → %q", a.Stop, b.Stop))
		}
		if len(d) > 0 {
			out = append(out, fmt.Sprintf("page %d: %s", i+1, strings.Join(d, "; ")))
		}
	}
	if orig.Stop != "" && now.Stop != "" && orig.Stop != now.Stop && len(orig.Pages) == len(now.Pages) {
		out = append(out, fmt.Sprintf("the walk ends %q → %q", orig.Stop, now.Stop))
	}
	return out
}
