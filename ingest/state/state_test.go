package state

import (
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"
	"testing"

	"siphon/ingest/paginate"
	"siphon/ingest/store"
	_ "siphon/ingest/store/s3store" // s3:// addresses
	"siphon/ingest/store/s3store/s3test"
)

// writePages writes pages first..last into loc as a run does, two records
// a page (page 5 has one refused by a JSON Schema), committing after
// every two pages (a segment each in a bucket), each index line with the
// position before its page.
func writePages(t *testing.T, loc store.Location, cp *store.Checkpoint, first, last int) *store.Checkpoint {
	t.Helper()
	st, err := loc.Claim(false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Release()
	w, err := st.Open(cp, store.Options{RawPages: true, Rejected: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	next := &store.Checkpoint{Profile: "p"}
	if cp != nil {
		*next = *cp
	}
	for n := first; n <= last; n++ {
		w.BeginPage()
		for i := range 2 {
			if err := w.WriteRecord(fmt.Appendf(nil, `{"id":%d}`, 2*n+i)); err != nil {
				t.Fatal(err)
			}
		}
		if n == 5 {
			if err := w.WriteRejected(n, "too odd", json.RawMessage(`{"id":-5}`)); err != nil {
				t.Fatal(err)
			}
			next.Rejected++
		}
		e := &store.PageEntry{Page: n, Status: 200, Records: 2, Position: &paginate.Position{Page: n}}
		if err := w.ArchivePage(e, fmt.Appendf(nil, `{"page":%d}`, n), false, false); err != nil {
			t.Fatal(err)
		}
		w.EndPage()
		next.Pages, next.Records, next.Position = n, next.Records+2, paginate.Position{Page: n + 1}
		if n%2 == 0 || n == last {
			if err := w.Commit(next); err != nil {
				t.Fatal(err)
			}
		}
	}
	return next
}

// lines is an output's JSON-lines file (or its segments) as its readers see it.
func lines(t *testing.T, loc store.Location, name string) []string {
	t.Helper()
	view, err := loc.ReadFS()
	if err != nil {
		t.Fatal(err)
	}
	j, err := store.OpenJoined(view, name)
	if err != nil {
		return nil
	}
	defer j.Close()
	b, err := io.ReadAll(io.NewSectionReader(j, 0, j.Size()))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// TestRewindFolderAndBucket: in a folder and in a bucket alike, a rewind
// takes back the pages' records, their rejected records, index lines and
// bodies, and the checkpoint starts the next run at the first page taken
// back; the run that goes on ends with every page and record once, the
// cut falling within a segment or between two. A folder's bytes past its
// checkpoint are no page of the rewind.
func TestRewindFolderAndBucket(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	srv.Bucket(t, "lake")
	for _, tc := range []struct {
		name string
		loc  store.Location
	}{
		{"folder", store.Dir(t.TempDir())},
		{"bucket", store.At("s3://lake/rw")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cp := writePages(t, tc.loc, nil, 1, 6)
			if tc.name == "folder" {
				// A killed run's page 7, past what the checkpoint vouches for.
				st, _ := tc.loc.Claim(false)
				w, err := st.Open(cp, store.Options{RawPages: true, Rejected: true})
				if err != nil {
					t.Fatal(err)
				}
				w.WriteRecord([]byte(`{"id":14}`))
				w.ArchivePage(&store.PageEntry{Page: 7, Records: 1, Position: &paginate.Position{Page: 7}}, []byte("{}"), false, false)
				w.Close()
				st.Release()
			}
			for _, c := range []struct {
				pages      int
				wantRecs   int
				wantPage   int
				wantIndex  int
				wantReject int
			}{
				{3, 6, 4, 3, 0}, // from page 4: page 4 shares its segment with page 3
				{1, 4, 3, 2, 0}, // the last page of the first two segments' worth
			} {
				change, err := Rewind(tc.loc, c.pages)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := tc.loc.ReadCheckpoint()
				if got.Pages != c.wantIndex || got.Records != int64(c.wantRecs) || got.Position.Page != c.wantPage || got.Rejected != int64(c.wantReject) || got.Done {
					t.Errorf("rewind %d: checkpoint %+v (%s)", c.pages, got, change.Did)
				}
				if recs := lines(t, tc.loc, store.RecordsFile); len(recs) != c.wantRecs {
					t.Errorf("rewind %d: %d records: %v", c.pages, len(recs), recs)
				}
				if idx := lines(t, tc.loc, path.Join(store.PagesDir, store.IndexFile)); len(idx) != c.wantIndex {
					t.Errorf("rewind %d: %d index lines", c.pages, len(idx))
				}
				if rej := lines(t, tc.loc, store.RejectedFile); len(rej) != c.wantReject {
					t.Errorf("rewind %d: rejected %v", c.pages, rej)
				}
				if len(change.Notes) == 0 {
					t.Errorf("rewind %d: no note says where the pages went", c.pages)
				}
			}
			cp, _ = tc.loc.ReadCheckpoint()
			writePages(t, tc.loc, cp, 3, 6)
			recs := lines(t, tc.loc, store.RecordsFile)
			if strings.Join(recs, " ") != `{"id":2} {"id":3} {"id":4} {"id":5} {"id":6} {"id":7} {"id":8} {"id":9} {"id":10} {"id":11} {"id":12} {"id":13}` {
				t.Errorf("after going on: %v", recs)
			}
			if rej := lines(t, tc.loc, store.RejectedFile); len(rej) != 1 {
				t.Errorf("rejected after going on: %v", rej)
			}
			view, _ := tc.loc.ReadFS()
			for n := 1; n <= 6; n++ {
				e, err := store.FindPage(view, n)
				if err != nil {
					t.Fatal(err)
				}
				if b, err := store.ReadPageBody(view, e); err != nil || string(b) != fmt.Sprintf(`{"page":%d}`, n) {
					t.Errorf("page %d: %q, %v", n, b, err)
				}
			}
			if _, err := Rewind(tc.loc, 7); err == nil || !strings.Contains(err.Error(), "holds 6") {
				t.Errorf("a rewind past the first page: %v", err)
			}
		})
	}
}
