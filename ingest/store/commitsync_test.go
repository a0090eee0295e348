package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// syncedNames lists what a commit of w now would sync, committing it.
func syncedNames(t *testing.T, w Writer, pages int) []string {
	t.Helper()
	fw := w.(*folderWriter)
	b, syncs, err := fw.prepareCommit(&Checkpoint{Profile: "p", Pages: pages})
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.finishCommit(b, syncs, fw.takeStart()); err != nil {
		t.Fatal(err)
	}
	return syncs.names[:syncs.n]
}

// writePage writes a page of one record.
func writePage(t *testing.T, w Writer, rec string) {
	t.Helper()
	w.BeginPage()
	if err := w.WriteRecord([]byte(rec)); err != nil {
		t.Fatal(err)
	}
	w.EndPage()
}

// TestCommitsSyncWhatGrew: a commit syncs the files that grew since their
// last sync and no others; a new run's empty files need none, and a
// resumed run's are synced once (they may have been cut back). The
// folders holding names the run made are synced with its first commit
// that vouches for data, and pages/ again after a new segment.
func TestCommitsSyncWhatGrew(t *testing.T) {
	dir := t.TempDir()
	s := claim(t, dir)
	w, err := s.Open(nil, Options{RawPages: true, Rejected: true})
	if err != nil {
		t.Fatal(err)
	}
	segment := filepath.Join(PagesDir, SegmentName(1))
	if got := syncedNames(t, w, 0); len(got) != 0 {
		t.Errorf("a new run's empty start syncs %v, want nothing", got)
	}
	writePage(t, w, `{"id":1}`)
	if err := w.ArchivePage(&PageEntry{Page: 1, Status: 200}, []byte(`{"data":[{"id":1}]}`), false, false); err != nil {
		t.Fatal(err)
	}
	// The run's first commit with data also makes the names it made
	// durable: pages/'s entries, and the folder's own in its parent.
	if got, want := syncedNames(t, w, 1), []string{RecordsFile, segment, IndexFile, PagesDir, filepath.Dir(dir)}; !slices.Equal(got, want) {
		t.Errorf("after a page, a commit syncs %v, want %v", got, want)
	}
	if got := syncedNames(t, w, 1); len(got) != 0 {
		t.Errorf("with nothing written since, a commit syncs %v, want nothing", got)
	}
	if err := w.WriteRejected(2, "too odd", []byte(`{"id":2}`)); err != nil {
		t.Fatal(err)
	}
	if got, want := syncedNames(t, w, 2), []string{RejectedFile}; !slices.Equal(got, want) {
		t.Errorf("after a rejected record alone, a commit syncs %v, want %v", got, want)
	}
	if err := w.(*folderWriter).rollSegment(); err != nil {
		t.Fatal(err)
	}
	if err := w.ArchivePage(&PageEntry{Page: 3, Status: 200}, []byte(`{"data":[]}`), false, false); err != nil {
		t.Fatal(err)
	}
	if got, want := syncedNames(t, w, 3), []string{filepath.Join(PagesDir, SegmentName(2)), IndexFile, PagesDir}; !slices.Equal(got, want) {
		t.Errorf("after a new segment, a commit syncs %v, want %v", got, want)
	}
	cp, err := s.ReadCheckpoint()
	if err != nil || cp == nil {
		t.Fatalf("checkpoint: %v, %v", cp, err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w, err = s.Open(cp, Options{RawPages: true, Rejected: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if got, want := syncedNames(t, w, 3), []string{RecordsFile, filepath.Join(PagesDir, SegmentName(2)), IndexFile, RejectedFile}; !slices.Equal(got, want) {
		t.Errorf("a resumed run's first commit syncs %v, want %v", got, want)
	}
}

// TestNewRunsEmptyStartIsACheckpoint: the first commit of a new run, which
// vouches for nothing, still leaves a checkpoint (bytes a killed run
// leaves after it are moved aside on resume, not refused), and the next
// commit replaces it.
func TestNewRunsEmptyStartIsACheckpoint(t *testing.T) {
	dir := t.TempDir()
	s := claim(t, dir)
	w := archiveRun(t, s, nil, 1)
	commitAs(t, w, 0)
	if cp, err := s.ReadCheckpoint(); err != nil || cp == nil || cp.Pages != 0 || cp.RecordsBytes != 0 {
		t.Fatalf("after the empty start: checkpoint %+v, %v", cp, err)
	}
	writePage(t, w, `{"id":1}`)
	commitAs(t, w, 1)
	w.Close()
	if cp, err := s.ReadCheckpoint(); err != nil || cp == nil || cp.Pages != 1 || cp.RecordsBytes != int64(len(`{"id":1}`)+1) {
		t.Fatalf("after the first page: checkpoint %+v, %v", cp, err)
	}
}

// TestPartitionsEmptyStartIsStaged: a partition's first commit, which
// vouches for nothing, stages the checkpoint's temporary file and renames
// nothing; the first commit that vouches for data fills that file and
// renames it into place, leaving no other. Bytes a walk killed in between
// leaves are moved aside by the next (it finds the staged start, and no
// checkpoint), not refused; without the staged start they are refused.
func TestPartitionsEmptyStartIsStaged(t *testing.T) {
	claimPart := func(t *testing.T, run string) (Store, string) {
		t.Helper()
		loc := Dir(run).Partition("p1")
		s, err := loc.Claim(false)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Release)
		return s, loc.String()
	}
	staged := func(t *testing.T, dir string) []string {
		t.Helper()
		m, err := filepath.Glob(filepath.Join(dir, "."+CheckpointFile+".*.tmp"))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	t.Run("committed", func(t *testing.T) {
		s, dir := claimPart(t, t.TempDir())
		w := archiveRun(t, s, nil, 1)
		commitAs(t, w, 0)
		if cp, err := s.ReadCheckpoint(); err != nil || cp != nil {
			t.Fatalf("after the empty start: checkpoint %+v, %v; want none yet", cp, err)
		}
		if got := staged(t, dir); len(got) != 1 {
			t.Fatalf("after the empty start: staged %v, want one", got)
		}
		writePage(t, w, `{"id":1}`)
		commitAs(t, w, 1)
		w.Close()
		if cp, err := s.ReadCheckpoint(); err != nil || cp == nil || cp.Pages != 1 || cp.RecordsBytes != int64(len(`{"id":1}`)+1) {
			t.Fatalf("after the first page: checkpoint %+v, %v", cp, err)
		}
		if got := staged(t, dir); len(got) != 0 {
			t.Errorf("after the first page: %v left", got)
		}
	})
	for _, keep := range []bool{true, false} {
		t.Run(fmt.Sprintf("killed/staged-start-kept=%v", keep), func(t *testing.T) {
			run := t.TempDir()
			s, dir := claimPart(t, run)
			w := archiveRun(t, s, nil, 1)
			commitAs(t, w, 0)
			writePage(t, w, `{"id":1}`)
			if err := w.(*folderWriter).flushRecords(); err != nil { // on disk, never committed
				t.Fatal(err)
			}
			w.Close()
			s.Release()
			if !keep {
				for _, f := range staged(t, dir) {
					if err := os.Remove(f); err != nil {
						t.Fatal(err)
					}
				}
			}
			s, _ = claimPart(t, run)
			w, err := s.Open(nil, Options{RawPages: true})
			if !keep {
				if !errors.Is(err, ErrCheckpointDamaged) {
					t.Fatalf("unvouched bytes with no staged start: %v, want them refused", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unvouched bytes beside a staged start: %v, want them moved aside", err)
			}
			defer w.Close()
			if fi, err := os.Stat(filepath.Join(dir, RecordsFile)); err != nil || fi.Size() != 0 {
				t.Errorf("records.jsonl after the resume: %v, %v; want it empty", fi, err)
			}
			if aside, _ := filepath.Glob(filepath.Join(dir, asideDir, RecordsFile+"*")); len(aside) != 1 {
				t.Errorf("moved aside: %v, want records.jsonl's bytes", aside)
			}
			if got := staged(t, dir); len(got) != 0 {
				t.Errorf("the killed run's staged start is still there: %v", got)
			}
		})
	}
}

// TestPartitionFoldersNeedNoMarker: a partition's folder is claimed without
// a marker of its own (its run's folder has one), and is claimed again as
// siphon's, through its run or by its address alone.
func TestPartitionFoldersNeedNoMarker(t *testing.T) {
	run := Dir(t.TempDir())
	part := run.Partition("p1")
	s, err := part.Claim(false)
	if err != nil {
		t.Fatal(err)
	}
	w := archiveRun(t, s, nil, 1, `{"data":[1]}`)
	commitAs(t, w, 1)
	w.Close()
	s.Release()
	if _, err := os.Stat(filepath.Join(part.String(), MarkerFile)); !os.IsNotExist(err) {
		t.Errorf("a partition's folder has a marker (%v)", err)
	}
	for _, loc := range []Location{part, At(part.String())} {
		s, err := loc.Claim(false)
		if err != nil {
			t.Fatalf("claiming %s again: %v", loc, err)
		}
		cp, err := s.ReadCheckpoint()
		if err != nil || cp == nil || cp.Pages != 1 {
			t.Errorf("%s: checkpoint %+v, %v", loc, cp, err)
		}
		s.Release()
	}
}
