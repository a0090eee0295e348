package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"path/filepath"
	"strings"
	"time"
	"unsafe"

	"siphon/ingest/apierror"
	"siphon/ingest/jqguard"
	"siphon/ingest/paginate"
	"siphon/ingest/redact"
	"siphon/ingest/remedy"
	"siphon/ingest/schema"
	"siphon/ingest/spec"
	"siphon/ingest/store"
	"siphon/ingest/textbound"
	"siphon/ingest/transport"
)

// walk is one run's progress through the pages: the output it writes, the
// paginator, the checkpoint state and the checks made page by page. Only the
// run's goroutine touches it. Its steps (fetch, check, screen, write,
// publish, commit) are separate methods so that fetching can later be spread
// over several workers feeding one committer.
type walk struct {
	rn           *runner
	c            *Client
	cfg          *spec.Config
	st           store.Store       // the output, held for this walk
	out          store.Writer      // its records, pages and checkpoint
	posIn        paginate.Position // the position the page being fetched started from
	startedAt    time.Time         // when this run's walk began
	priorElapsed time.Duration     // the time earlier runs of this output spent
	pending      *pendingCommit
	pag          *paginate.Paginator
	state        *store.Checkpoint
	shape        *schema.Tracker
	invalid      schema.Counts
	lastCommit   time.Time
	prevBody     uint64 // the last page's body's fingerprint, to catch an API ignoring the pagination
	sink         *pageSink
	// prevRecs holds the last page's records by hash: a record the next
	// page repeats unchanged is not written twice (see dropRepeats).
	prevRecs map[uint64]json.RawMessage
	// declared is the record count page 1 declared (a top-level total,
	// hits.total), at declaredAt; 0: none (complete.go).
	declared   paginate.Count
	declaredAt string
	// The pages' headers as shown, kept while they repeat (transport.HeaderMemo).
	shownResp transport.HeaderMemo
	shownSent transport.SentMemo
	entryRed  *redact.Redactor // the redactor the last index entry was built with
	// entry and entryPos are the page's index entry, reused from page to
	// page: the store encodes it at once and the page event copies it.
	entry    store.PageEntry
	entryPos paginate.Position
	// shownOut is the last page's cursor out as shown: the next page's
	// cursor in is most often the same text, shown alike.
	shownOut shownText
	resp     paginate.Response // the page as the paginator reads it, reused
	// pagJQ names the paginator's expressions for the jq guard; "": they
	// are plain paths, which run no jq and need no guard.
	pagJQ string
}

// loop is the run: open the output and the checkpoint, then page after
// page until the data ends, it fails, or it is cancelled.
func (rn *runner) loop(ctx context.Context) error {
	w, err := rn.open()
	if w == nil || err != nil {
		return err
	}
	defer w.close()
	rn.clock = &attemptClock{}
	defer rn.clock.stop()
	if rn.pool != nil {
		rn.ahead = newReadAhead(ctx, rn, rn.pool)
		defer rn.ahead.close()
	}
	defer func() {
		rn.run.mu.Lock()
		rn.run.invalid = w.invalid
		rn.run.mu.Unlock()
	}()
	maxPages := rn.job.MaxPages
	if maxPages == 0 {
		maxPages = w.cfg.Pagination.MaxPages
	}
	for fetched := 0; ; fetched++ {
		if rn.run.isPaused() {
			if err := w.commit(false, ""); err != nil {
				return err
			}
		}
		if _, err := rn.checkPause(ctx); err != nil {
			return w.stopWith(err)
		}
		if err := ctx.Err(); err != nil {
			return w.stopWith(err)
		}
		if maxPages > 0 && fetched >= maxPages {
			rn.setStop(paginate.StopMaxPages)
			return w.commit(false, paginate.StopMaxPages)
		}
		reason, err := w.step(ctx)
		if err != nil {
			return err
		}
		if reason != "" {
			rn.setStop(reason)
			if err := w.commit(true, reason); err != nil {
				return err
			}
			return w.finalChecks()
		}
		switch iv := w.c.commitInterval; {
		case iv == 0:
			// A checkpoint after every page: durable before the next request.
			if err := w.commit(false, ""); err != nil {
				return err
			}
		case iv > 0 && time.Since(w.lastCommit) >= iv:
			if err := w.commitSoon(); err != nil {
				return err
			}
		}
	}
}

// open reads the checkpoint, refuses one that does not fit, and prepares
// the output. It returns a nil walk when there is nothing to do.
func (rn *runner) open() (*walk, error) {
	c := rn.c
	cfg := &c.cfg
	// The output is held before anything in it is read, moved or cut.
	st, err := rn.output().Claim(rn.job.Fresh)
	if err != nil {
		return nil, err
	}
	dir := st.String()
	held := false
	defer func() {
		if !held {
			st.Release()
		}
	}()
	cp, err := st.ReadCheckpoint()
	if err != nil {
		return nil, err
	}
	id, hash := c.guard.Identity()
	pag, err := paginate.New(cfg.Pagination, cfg.PrimaryKey)
	if err != nil {
		return nil, err
	}
	if cp != nil {
		if cp.Profile != cfg.Name {
			return nil, remedy.New(fmt.Errorf("%w: %s belongs to profile %q, not %q", store.ErrCheckpointDamaged, filepath.Join(dir, store.CheckpointFile), cp.Profile, cfg.Name), remedy.OtherFolder, remedy.StartOver)
		}
		if cp.ProfileHash != hash {
			return nil, &ProfileChangedError{Dir: dir, Changes: transport.IdentityChanges(cp.Identity, id)}
		}
		if cp.Done && !pag.Incremental() {
			rn.run.mu.Lock()
			rn.run.snap.Pages, rn.run.snap.Records, rn.run.snap.StopReason = cp.Pages, cp.Records, StopAlreadyDone
			rn.run.mu.Unlock()
			return nil, nil
		}
		pos := cp.Position
		pos.Cursor, pos.NextURL = c.guard.FromRefs(pos.Cursor), c.guard.FromRefs(pos.NextURL) // secrets were kept as references
		pag.Restore(pos)
	}
	out, err := st.Open(cp, store.Options{RawPages: cfg.Output.RawPages, Rejected: c.validator != nil, Recycle: store.RecycleBody})
	if err != nil {
		return nil, err
	}
	held = true // walk.close releases it
	w := &walk{rn: rn, c: c, cfg: cfg, st: st, out: out, pag: pag, shape: schema.NewTracker(), invalid: schema.Counts{}, lastCommit: time.Now(),
		state: &store.Checkpoint{Profile: cfg.Name, ProfileHash: hash, Pagination: cfg.Pagination.Type, Identity: id}}
	if cp != nil {
		w.state.Pages, w.state.Records, w.state.Rejected = cp.Pages, cp.Records, cp.Rejected
		w.state.Bytes, w.priorElapsed = cp.Bytes, time.Duration(cp.ElapsedMS)*time.Millisecond
	}
	w.startedAt = time.Now()
	if paginate.RunsJQ(cfg.Pagination) {
		w.pagJQ = paginate.ExprNames(cfg.Pagination)
	}
	if rn.pageReader() != nil && !pag.Incremental() && !pag.ReadsRecords() && c.validator == nil {
		// Nothing is decided about a record after the page is read (keyset
		// and timestamp paging read the records; a JSON Schema sorts them):
		// records go to the file as they are read, and bodies stream (the
		// archive, too, gets them as they arrive).
		w.sink = newPageSink(out, w.shape, len(cfg.PrimaryKey) > 0, true)
		w.sink.sample = !rn.job.Headless
		rn.recs = w.sink
	}
	for _, note := range st.Notes() {
		rn.emit(Warning{At: now(), What: note})
	}
	if cp == nil {
		// Vouch for the empty start at once: bytes a killed run leaves
		// before its first commit are then moved aside, not refused.
		w.state.Position, w.state.UpdatedAt = pag.Position(), time.Now().UTC()
		if err := out.Commit(w.state); err != nil {
			w.close()
			return nil, err
		}
	}
	r := rn.run
	r.mu.Lock()
	r.snap.Pages, r.snap.Records, r.snap.State = w.state.Pages, w.state.Records, StateRunning
	r.snap.SavedPages, r.snap.SavedRecords = w.state.Pages, w.state.Records
	r.snap.Bytes, r.snap.PriorElapsed = w.state.Bytes, w.priorElapsed
	r.snap.Position = textbound.Keep(c.redact().URL(pag.Describe()))
	r.mu.Unlock()
	rn.emit(Started{At: now(), Profile: cfg.Name, URL: c.Endpoint(), Out: dir, Resumed: cp != nil, FromPage: w.state.Pages,
		Records: w.state.Records, Position: textbound.Keep(c.redact().URL(pag.Describe()))})
	return w, nil
}

// step fetches, checks, writes and publishes one page. It returns the stop
// reason when the walk is over.
func (w *walk) step(ctx context.Context) (string, error) {
	pageNo := w.state.Pages + 1
	cursorIn := w.pag.Describe()
	w.posIn = w.pag.Position() // for the index: where a rewind to this page starts
	req, err := w.c.requestOf(w.pag.Request())
	if err != nil {
		return "", w.stopWith(err)
	}
	if w.sink != nil {
		w.sink.pageNo = pageNo
	}
	w.planAhead(req)
	f, err := w.rn.fetchPage(ctx, pageNo, req)
	if err != nil {
		if ok, rerr := w.restartOnCap(err, pageNo); ok {
			return "", rerr
		}
		return "", w.stopWith(err) // a failed attempt took back its records
	}
	reason, err := w.take(ctx, f, pageNo, cursorIn)
	if f.arch != nil {
		f.arch.Discard() // a body take did not finish
	}
	if err != nil || reason == paginate.StopRepeatedPage {
		if f.direct {
			if aerr := w.out.AbortPage(); aerr != nil {
				return "", errors.Join(err, aerr)
			}
		}
		if err != nil {
			return "", w.stopWith(err)
		}
	}
	return reason, nil
}

// planAhead has spare request slots fetch the pages after req (ahead.go).
func (w *walk) planAhead(req request) {
	if w.rn.ahead == nil {
		return
	}
	next, err := w.rn.target(req)
	if err != nil {
		return
	}
	w.rn.ahead.plan(next.key(), func(k int) (target, bool) {
		r, ok := w.pag.Ahead(k)
		if !ok {
			return target{}, false
		}
		req, err := w.c.requestOf(r)
		if err != nil {
			return target{}, false
		}
		t, err := w.rn.target(req)
		return t, err == nil
	})
}

// take checks, writes and publishes a page that arrived. With a direct
// sink its records are written already; on an error step takes them back.
func (w *walk) take(ctx context.Context, f *fetched, pageNo int, cursorIn string) (string, error) {
	if err := w.check(f, pageNo); errors.Is(err, errRepeatedPage) {
		return paginate.StopRepeatedPage, nil
	} else if err != nil {
		return "", err
	}
	before := w.pag.Position()
	recs, reason, err := w.advance(ctx, f, pageNo, before)
	if err != nil {
		return "", err
	}
	if recs, err = w.vet(f, recs, pageNo); err != nil {
		w.pag.Restore(before)
		return "", err
	}
	written, err := w.writeRecords(f, recs)
	if err != nil {
		return "", err // the last checkpoint stays as it was; resume cuts the partial write
	}
	entry := w.pageEntry(f, pageNo, written, cursorIn, reason)
	if err := w.archive(f, entry); err != nil {
		return "", err
	}
	if f.direct {
		w.sink.end()
	}
	w.out.EndPage()
	w.state.Pages = pageNo
	w.state.Records += int64(written)
	w.state.Bytes += f.size
	w.publish(f, recs, entry, reason)
	return reason, nil
}

// advance moves the paginator past the page and returns the page's records
// (none when they went to the sink as read) and the stop reason, if the
// page is the last. A position a resume could not use is taken back.
func (w *walk) advance(ctx context.Context, f *fetched, pageNo int, before paginate.Position) ([]json.RawMessage, string, error) {
	// The request's timeout has ended: the run's context bounds the
	// paginator's jq, and the memory guard too.
	gctx, stop := ctx, func() {}
	if w.pagJQ != "" {
		gctx, stop = w.c.guardJQ(ctx, w.pagJQ)
	}
	f.page.SetContext(gctx)
	recs := f.records
	if !f.direct {
		recs = w.pag.Dedup(f.records)
	}
	w.resp = paginate.Response{Status: f.status, Header: f.header, URL: f.url, Page: f.page, Records: recs, Fetched: f.found, PageNo: pageNo}
	reason, err := w.pag.Advance(&w.resp)
	w.resp = paginate.Response{} // the page is let go
	stop()
	if err = jqguard.Stopped(gctx, err); err != nil {
		var an *paginate.AnomalyError
		if errors.As(err, &an) {
			w.rn.noteAnomaly(Anomaly{At: now(), Page: pageNo, What: an.What, Action: "stopped"})
		}
		return nil, "", fmt.Errorf("page %d: %w (the page was not saved)", pageNo, err)
	}
	for _, note := range w.pag.TakeNotes() {
		w.rn.noteAnomaly(Anomaly{At: now(), Page: pageNo, What: textbound.Keep(w.c.redact().String(note)), Action: "continued"})
	}
	w.restarted(w.pag.TakeRestart())
	if err := paginate.CheckResumable(w.pag.Position(), pageNo); err != nil {
		w.pag.Restore(before)
		return nil, "", err
	}
	return recs, reason, nil
}

// vet reports repeats and drift in a page's records and, for held records,
// sorts out those the JSON Schema refuses. It returns the records to write.
func (w *walk) vet(f *fetched, recs []json.RawMessage, pageNo int) ([]json.RawMessage, error) {
	if f.direct {
		// The sink saw the records as they were read.
		w.noteRepeats(w.sink.repeated, pageNo)
		return nil, w.drift(w.shape.EndPage(), pageNo)
	}
	return w.screen(w.dropRepeats(recs, pageNo), pageNo)
}

// writeRecords writes held records (direct ones are written already) and
// returns how many the page wrote.
func (w *walk) writeRecords(f *fetched, recs []json.RawMessage) (int, error) {
	if f.direct {
		return w.sink.kept, nil
	}
	if err := w.out.WriteRecords(recs); err != nil {
		return 0, err
	}
	return len(recs), nil
}

// pageEntry is the page's line in the page index, redacted, then bounded:
// a 9 MB header or cursor is cut, visibly, in the index, the events and the
// console (boundstext.go).
func (w *walk) pageEntry(f *fetched, pageNo, written int, cursorIn, reason string) *store.PageEntry {
	cursorOut := w.pag.Describe()
	if reason != "" {
		cursorOut = ""
	}
	red := w.c.redact()
	w.entryRed = red
	entry := &w.entry
	*entry = store.PageEntry{Page: pageNo, Time: time.Now().UTC(), Method: f.method, URL: textbound.Keep(f.redactedURL), Status: f.status,
		Attempts: f.attempts, Duration: f.duration.Round(time.Microsecond).String(), Bytes: f.size, Records: written,
		CursorIn: w.shownOut.url(red, cursorIn), Headers: w.shownResp.Show(red, f.header)}
	entry.CursorOut = w.shownOut.url(red, cursorOut)
	w.entryPos = w.posIn // as the checkpoint keeps a position: secrets as their references
	w.entryPos.NextURL, w.entryPos.Cursor = w.c.guard.CheckpointURL(w.posIn.NextURL), w.c.guard.CheckpointText(w.posIn.Cursor)
	entry.Position = &w.entryPos
	return entry
}

// shownText remembers a text as shown (redacted, then bounded) by one
// redactor.
type shownText struct {
	red         *redact.Redactor
	text, shown string
}

// url is textbound.Keep(red.URL(text)), from the memo when it is the text
// shown last.
func (m *shownText) url(red *redact.Redactor, text string) string {
	if red != m.red || text != m.text {
		m.red, m.text, m.shown = red, text, textbound.Keep(red.URL(text))
	}
	return m.shown
}

// archive writes the page's index line and, with raw_pages, its body: a
// streamed body is on disk already, a held one is archived redacted.
func (w *walk) archive(f *fetched, entry *store.PageEntry) error {
	body, onDisk, pooled := f.body, false, false
	if f.arch != nil {
		kept, err := f.arch.Finish()
		if err != nil {
			return err
		}
		body, onDisk, pooled = kept, kept == nil && f.size > 0, kept != nil
	}
	if !onDisk {
		shown := w.c.guard.Archivable(body)
		if pooled && (len(shown) == 0 || &shown[0] != &body[0]) {
			store.RecycleBody(body) // a redacted copy is archived instead
			pooled = false
		}
		body = shown
	}
	return w.out.ArchivePage(entry, body, onDisk, pooled)
}

// dropRepeats leaves out the records that repeat, byte for byte, a record
// of the page before: with a primary key, identical text means the same
// record seen twice (offset paging while new records push the rest down).
// A changed record under the same key is a new version and is kept.
func (w *walk) dropRepeats(recs []json.RawMessage, pageNo int) []json.RawMessage {
	if len(w.cfg.PrimaryKey) == 0 {
		return recs
	}
	seen := make(map[uint64]json.RawMessage, len(recs))
	kept := recs[:0:0]
	repeated := 0
	for _, rec := range recs {
		h := maphash.Bytes(repeatSeed, rec)
		seen[h] = rec
		if prev, ok := w.prevRecs[h]; ok && bytes.Equal(prev, rec) {
			repeated++
			continue
		}
		kept = append(kept, rec)
	}
	w.prevRecs = seen
	w.noteRepeats(repeated, pageNo)
	return kept
}

func (w *walk) noteRepeats(repeated, pageNo int) {
	if repeated > 0 {
		w.rn.noteAnomaly(Anomaly{At: now(), Page: pageNo, What: fmt.Sprintf("page %d repeated %d unchanged records of page %d (records shifted between requests?); they were not written again", pageNo, repeated, pageNo-1), Action: "continued"})
	}
}

var repeatSeed = maphash.MakeSeed()

// errRepeatedPage ends a walk whose API repeats its last page.
var errRepeatedPage = errors.New("repeated last page")

// check catches what is wrong with a page as a whole: the same body as the
// page before (stop), or a first page where the records path finds nothing
// (say where the arrays are).
func (w *walk) check(f *fetched, pageNo int) error {
	sum := f.sum
	if f.found > 0 && sum == w.prevBody {
		if pageNo > 2 {
			// Some APIs answer any page past the end with the last one again.
			w.rn.noteAnomaly(Anomaly{At: now(), Page: pageNo, What: fmt.Sprintf("page %d is identical to page %d: taken as the end (some APIs repeat their last page); the repeat was not saved", pageNo, pageNo-1), Action: "stopped"})
			return errRepeatedPage
		}
		w.rn.noteAnomaly(Anomaly{At: now(), Page: pageNo, What: fmt.Sprintf("page %d is identical to page %d: the API seems to ignore the pagination parameters", pageNo, pageNo-1), Action: "stopped"})
		return fmt.Errorf("page %d: the same body as page %d came back; stopping before writing duplicates (the page was not saved)", pageNo, pageNo-1)
	}
	w.prevBody = sum
	if w.state.Pages == 0 {
		w.declared, w.declaredAt = paginate.DeclaredTotal(f.page)
		if f.found == 0 {
			return w.recordsElsewhere(f.page, f.size, pageNo)
		}
	}
	return nil
}

// screen reports schema drift and keeps aside (or fails on) the records
// that break the profile's JSON Schema. It returns the records to write.
func (w *walk) screen(recs []json.RawMessage, pageNo int) ([]json.RawMessage, error) {
	if err := w.drift(w.shape.Observe(recs), pageNo); err != nil {
		return nil, err
	}
	if w.c.validator == nil {
		return recs, nil
	}
	kept := recs[:0:0]
	for i, rec := range recs {
		ok, reason, paths := w.c.validator.Validate(rec)
		if ok {
			kept = append(kept, rec)
			continue
		}
		w.invalid.Add(paths)
		reason = w.c.redact().String(reason)
		if w.cfg.Schema.OnInvalid == "fail" {
			return nil, fmt.Errorf("page %d, record %d fails the JSON Schema %s: %s (schema.on_invalid is fail; the page was not saved)", pageNo, i+1, w.cfg.Schema.File, reason)
		}
		if err := w.out.WriteRejected(pageNo, reason, rec); err != nil {
			return nil, err
		}
		w.state.Rejected++
	}
	return kept, nil
}

// drift reports schema drift, and fails with schema.on_drift: fail.
func (w *walk) drift(drifts []schema.Drift, pageNo int) error {
	for _, d := range drifts {
		w.rn.noteDrift(DriftDetected{At: now(), Page: pageNo, Field: d.Field, Change: d.Change, Was: d.Was, Now: d.Now, Example: w.c.redact().String(d.Example)})
		if w.cfg.Schema.OnDrift == "fail" {
			return fmt.Errorf("page %d: schema drift: %s %s (%s → %s), and schema.on_drift is fail (the page was not saved)", pageNo, d.Field, d.Change, orDash(d.Was), orDash(d.Now))
		}
	}
	return nil
}

// publish updates the snapshot and emits the page event.
func (w *walk) publish(f *fetched, held []json.RawMessage, entry *store.PageEntry, reason string) {
	r := w.rn.run
	r.mu.Lock()
	r.snap.Pages, r.snap.Records, r.snap.LastPage = w.state.Pages, w.state.Records, time.Now()
	r.snap.Rejected = w.state.Rejected
	r.snap.TotalRecords, r.snap.TotalPages = w.pag.Totals()
	r.snap.Bytes += f.size
	r.snap.Position = entry.CursorOut
	r.mu.Unlock()
	// The event's texts are the index entry's, redacted already when the
	// redactor is still the one the entry was built with.
	ev := PageFetched{At: now(), Page: entry.Page, Status: f.status, Attempts: f.attempts, Records: entry.Records, Bytes: f.size,
		Duration: f.duration, CursorIn: entry.CursorIn, CursorOut: entry.CursorOut, StopReason: reason, URL: entry.URL}
	if !w.rn.job.Headless {
		red := w.c.redact()
		preview, sample := w.shown(red, f, held)
		ev.Request = w.c.guard.ShownRequestWith(f.method, entry.URL, w.shownSent.Show(w.c.guard, red, f.sent), f.sentBody, BodyPreviewBytes)
		// f.head is the body's first 64 KiB (or all of it): redacted, then cut.
		ev.Response = PageResponse{Status: f.status, Headers: entry.Headers, ContentType: f.header.Get("Content-Type"), Body: preview, BodyBytes: f.size}
		ev.Sample = sample
	}
	w.rn.emitAs(ev, w.entryRed)
}

// shown is the page event's body preview and sample (its last
// SampleRecords records). The preview is the body's start (f.head)
// redacted, then cut to BodyPreviewBytes; head is read in place, not
// copied to a string first: the redactor keeps nothing it is given, and
// the copy below is made before head's buffer is used again. For a page
// whose records went to the sink as read, the sample is copied from the
// sink's tail into the preview's buffer: the event outlives the page's
// buffers; when the body is whole in head and the preview its untouched
// start, the buffer is a copy of the body instead, and the sample's
// records parts of it. A held page's records (held) are its own already.
func (w *walk) shown(red *redact.Redactor, f *fetched, held []json.RawMessage) ([]byte, []json.RawMessage) {
	head := unsafe.String(unsafe.SliceData(f.head), len(f.head))
	preview := strings.TrimSuffix(red.Cut(head, BodyPreviewBytes), redact.Ellipsis)
	if !f.direct {
		return []byte(preview), held[max(len(held)-SampleRecords, 0):]
	}
	tail := &w.sink.tail
	size := tail.LastSize(SampleRecords)
	if int64(len(head)) == f.size && len(head) <= len(preview)+size && strings.HasPrefix(head, preview) && tail.Verbatim(f.head, SampleRecords) {
		// head is the whole body, the preview its untouched start and the
		// sample's records parts of it: one copy of the body holds both,
		// no bigger than the two apart.
		buf := []byte(head)
		return buf[:len(preview):len(preview)], tail.PartsOf(buf, SampleRecords)
	}
	buf := make([]byte, len(preview)+size)
	n := copy(buf, preview)
	return buf[:n:n], tail.LastIn(buf[n:], SampleRecords)
}

// commit makes the written pages durable and saves the checkpoint that
// vouches for them, before it returns.
func (w *walk) commit(done bool, reason string) error {
	if err := w.inflight(); err != nil {
		return err
	}
	st := w.checkpoint(done, reason)
	if err := w.out.Commit(st); err != nil {
		return err
	}
	w.lastCommit = time.Now()
	w.saved(w.lastCommit, st.Pages, st.Records)
	return nil
}

// commitSoon starts a commit whose syncs run while the walk goes on (group
// commit): the checkpoint lags the records by an interval at most. The
// one before is reported first, at a point that does not depend on how
// fast the disk is.
func (w *walk) commitSoon() error {
	if b, ok := w.out.(store.BusyCommitter); ok && w.pending != nil && b.CommitBusy() {
		return nil // still uploading: fetch on, ask again after the next page
	}
	if err := w.inflight(); err != nil {
		return err
	}
	st := w.checkpoint(false, "")
	if err := w.out.StartCommit(st); err != nil {
		return err
	}
	w.lastCommit = time.Now()
	w.pending = &pendingCommit{at: w.lastCommit, pages: st.Pages, records: st.Records}
	return nil
}

// pendingCommit is what a commit in flight will report once it is done.
type pendingCommit struct {
	at      time.Time
	pages   int
	records int64
}

// inflight waits for the commit commitSoon started, if any, and reports it.
func (w *walk) inflight() error {
	job := w.pending
	if job == nil {
		return nil
	}
	w.pending = nil
	if err := w.out.WaitCommit(); err != nil {
		return err
	}
	w.saved(job.at, job.pages, job.records)
	return nil
}

// checkpoint is the state to save now.
func (w *walk) checkpoint(done bool, reason string) *store.Checkpoint {
	st := w.state
	st.Position, st.Done, st.StopReason, st.UpdatedAt = w.pag.Position(), done, reason, time.Now().UTC()
	st.ElapsedMS = (w.priorElapsed + time.Since(w.startedAt)).Milliseconds()
	st.Position.NextURL = w.c.guard.CheckpointURL(st.Position.NextURL)
	st.Position.Cursor = w.c.guard.CheckpointText(st.Position.Cursor)
	return st
}

func (w *walk) saved(at time.Time, pages int, records int64) {
	r := w.rn.run
	r.mu.Lock()
	r.snap.LastCheckpoint, r.snap.SavedPages, r.snap.SavedRecords = at, pages, records
	r.mu.Unlock()
	w.rn.emit(CheckpointSaved{At: now(), Pages: pages, Records: records})
}

// close closes the output's files, then gives the output up.
func (w *walk) close() {
	w.out.Close()
	w.st.Release()
	if w.sink != nil {
		w.rn.recs = nil
		w.sink.release()
		w.sink = nil
	}
}

// stopWith saves what is durable and ends the run with err.
func (w *walk) stopWith(err error) error {
	if cerr := w.commit(false, ""); cerr != nil {
		return errors.Join(err, cerr)
	}
	return err
}

// restartOnCap restarts the walk when a page failed with the API's
// pagination cap (pagination.restart). ok is false when the error is no
// cap; otherwise the walk goes on from its restarted first page (nil), or
// stops because it cannot restart.
func (w *walk) restartOnCap(err error, pageNo int) (bool, error) {
	var pe *apierror.PageError
	if !errors.As(err, &pe) || pe.Status == 0 {
		return false, nil
	}
	rs, rerr := w.pag.RestartOnError(pe.Status, pe.Cause+" "+pe.Snippet)
	if rerr != nil {
		return true, w.stopWith(fmt.Errorf("page %d: %w; the API answered: %w", pageNo, rerr, err))
	}
	if rs == nil {
		return false, nil
	}
	w.restarted(rs)
	return true, nil
}

// restarted reports a restart of the walk.
func (w *walk) restarted(rs *paginate.Restarted) {
	if rs == nil {
		return
	}
	red := w.c.redact()
	w.rn.emit(Restarted{At: now(), Page: rs.Page, Restart: rs.N, From: textbound.Keep(red.URL(rs.From)), Params: textbound.Keep(red.String(rs.Params)), Cause: textbound.Keep(red.String(rs.Cause))})
}
