package s3store

import (
	"fmt"
	"io"
	"os"
	"strings"

	"siphon/ingest/store"
)

// A rewind (siphon state rewind) vouches for less than the checkpoint
// before it. A local folder cuts its files back; segments cannot be cut in
// place, so the segment the cut falls in is replaced by a copy of its
// first bytes, and every segment after it is moved aside, under the lease.

var _ store.Cutter = (*held)(nil)

// segmentFile is one of the objects a segment is made of, by where it is
// under the prefix and how it is named (records-NNNNNN.jsonl, ...).
type segmentFile struct {
	dir, stem, suffix string
	// vouched is the length the checkpoint vouches for of all of them
	// together, or nil: the page bodies, whose cut the checkpoint gives
	// within the segment (PagesFile, PagesBytes).
	vouched func(*store.Checkpoint) int64
}

var segmentFiles = []segmentFile{
	{"", "records", ".jsonl", func(cp *store.Checkpoint) int64 { return cp.RecordsBytes }},
	{"", "rejected", ".jsonl", func(cp *store.Checkpoint) int64 { return cp.RejectedBytes }},
	{store.PagesDir + "/", "index", ".jsonl", func(cp *store.Checkpoint) int64 { return cp.IndexBytes }},
	{store.PagesDir + "/", "pages", ".bin", nil},
}

// segmentOfName is the segment a name under the prefix belongs to, and
// which of its objects it is; false for any other name.
func segmentOfName(name string) (int, int, bool) {
	for i, f := range segmentFiles {
		if rest, ok := strings.CutPrefix(name, f.dir); ok && !strings.Contains(rest, "/") {
			if n, ok := store.SegmentNumber(rest, f.stem, f.suffix); ok {
				return n, i, true
			}
		}
	}
	return 0, 0, false
}

// CutBack makes the prefix end where next says, before next is
// committed: segments past the one next.PagesFile names move to
// aside/rewound-STAMP/, and that segment's objects are cut to the lengths
// next vouches for (the original moves aside, a copy of its first bytes
// takes its name). It refuses a cut past what cur vouches for.
func (h *held) CutBack(cur, next *store.Checkpoint) error {
	k, ok := store.SegmentNumber(next.PagesFile, "pages", ".bin")
	if !ok {
		return fmt.Errorf("cannot cut %s back: the page index names %q, not a page segment, as where the first page taken back lies", h.loc, next.PagesFile)
	}
	if k > cur.Segments {
		return fmt.Errorf("cannot cut %s back to segment %d: the checkpoint vouches for %d segments only", h.loc, k, cur.Segments)
	}
	objs, err := h.b.list(h.loc.dir())
	if err != nil {
		return err
	}
	type found struct {
		name string
		size int64
	}
	var past []string
	var before [4]int64 // each kind's bytes in segments before k
	var at [4]*found    // each kind's object of segment k
	for _, o := range objs {
		name := strings.TrimPrefix(o.key, h.loc.dir())
		n, kind, ok := segmentOfName(name)
		switch {
		case !ok:
		case n < k:
			before[kind] += o.size
		case n == k:
			at[kind] = &found{name, o.size}
		default:
			past = append(past, name)
		}
	}
	// What segment k keeps of each object, checked before anything moves.
	var want [4]int64
	for i, f := range segmentFiles {
		var size int64
		if at[i] != nil {
			size = at[i].size
		}
		if f.vouched == nil {
			want[i] = next.PagesBytes
		} else {
			want[i] = f.vouched(next) - before[i]
		}
		if want[i] < 0 || want[i] > size {
			return fmt.Errorf("%w: cannot cut %s back: segment %d's %s objects hold %d bytes, and the cut would keep %d of them; the segments do not add up to the checkpoint", store.ErrCheckpointDamaged, h.loc, k, f.stem, size, want[i])
		}
	}
	dst := asideDir + "rewound-" + stamp() + "/"
	for _, name := range past {
		if err := h.lease.valid(); err != nil {
			return err
		}
		if err := h.b.move(h.loc.key(name), h.loc.key(dst+name)); err != nil {
			return err
		}
	}
	whole, cut := 0, 0
	for i, o := range at {
		if o == nil || want[i] == o.size {
			continue
		}
		if err := h.cutObject(o.name, o.size, want[i], dst); err != nil {
			return err
		}
		if want[i] == 0 {
			whole++
		} else {
			cut++
		}
	}
	next.Segments = k
	next.PagesFile, next.PagesBytes = "", 0 // a local folder's; segments say it by themselves
	var moved []string
	if len(past) > 0 {
		moved = append(moved, fmt.Sprintf("%d objects of the segments after segment %d", len(past), k))
	}
	if whole > 0 {
		moved = append(moved, fmt.Sprintf("%d objects of segment %d", whole, k))
	}
	if cut > 0 {
		moved = append(moved, fmt.Sprintf("%d objects of segment %d as they were (their first bytes stay, cut back)", cut, k))
	}
	if len(moved) > 0 {
		h.note(fmt.Sprintf("rewound: %s were moved to %s", strings.Join(moved, ", "), h.b.url(h.loc.key(dst))))
	}
	return nil
}

// cutObject replaces the object name (size bytes) by its first keep
// bytes: they are copied into a temporary file (memory stays flat), the
// object moves to dst, and the copy is put in its place. keep 0: the
// object just moves.
func (h *held) cutObject(name string, size, keep int64, dst string) error {
	key := h.loc.key(name)
	var tmp *os.File
	if keep > 0 {
		info, err := h.b.head(key)
		if err != nil {
			return err
		}
		if info.size != size {
			return fmt.Errorf("cannot cut %s back: it changed while siphon cut it (another writer?)", h.b.url(key))
		}
		body, err := h.b.getRange(key, info.etag, 0, keep-1)
		if err != nil {
			return err
		}
		tmp, err = os.CreateTemp("", "siphon-cut-*")
		if err == nil {
			defer os.Remove(tmp.Name())
			defer tmp.Close()
			var n int64
			n, err = io.Copy(tmp, body)
			if err == nil && n != keep {
				err = fmt.Errorf("reading %s: %d bytes of the %d asked for", h.b.url(key), n, keep)
			}
		}
		body.Close()
		if err != nil {
			return fmt.Errorf("cutting %s back: %w", h.b.url(key), err)
		}
	}
	if err := h.lease.valid(); err != nil {
		return err
	}
	if err := h.b.move(key, h.loc.key(dst+name)); err != nil {
		return err
	}
	if tmp == nil {
		return nil
	}
	if err := h.lease.valid(); err != nil {
		return err
	}
	return h.putNewBody(name, io.NewSectionReader(tmp, 0, keep), keep)
}
