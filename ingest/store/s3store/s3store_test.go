package s3store

import (
	"errors"
	"strings"
	"testing"

	"siphon/ingest/store"
	"siphon/ingest/store/s3store/s3test"
)

// TestSegmentsLeaseAndResume against the Versity gateway: records become
// segment objects only when a commit closes them; a second owner is
// refused naming the holder; a resume moves a segment uploaded past the
// checkpoint aside, so no record is seen twice.
func TestSegmentsLeaseAndResume(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	b := srv.Bucket(t, "lake")
	loc := store.At("s3://lake/runs/x")
	st, err := loc.Claim(false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.At("s3://lake/runs/x/").Claim(false); !errors.Is(err, store.ErrFolderInUse) || !strings.Contains(err.Error(), "pid") {
		t.Fatalf("second owner: %v", err)
	}
	w, err := st.Open(nil, store.Options{RawPages: true})
	if err != nil {
		t.Fatal(err)
	}
	cp := &store.Checkpoint{Profile: "p"}
	write := func(recs ...string) {
		w.BeginPage()
		for _, r := range recs {
			if err := w.WriteRecord([]byte(r)); err != nil {
				t.Fatal(err)
			}
		}
		w.EndPage()
	}
	write(`{"id":1}`, `{"id":2}`)
	w.BeginPage()
	w.WriteRecord([]byte(`{"id":99}`))
	if err := w.AbortPage(); err != nil {
		t.Fatal(err)
	}
	if err := w.ArchivePage(&store.PageEntry{Page: 1}, []byte(`{"data":[1,2]}`), false, false); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(cp); err != nil {
		t.Fatal(err)
	}
	write(`{"id":3}`)
	if err := w.Commit(cp); err != nil {
		t.Fatal(err)
	}
	objs := srv.Objects(t, b, "runs/x/")
	if got := string(srv.Get(t, b, "runs/x/records-000001.jsonl")); got != "{\"id\":1}\n{\"id\":2}\n" {
		t.Errorf("segment 1: %q", got)
	}
	if _, ok := objs["runs/x/pages/pages-000001.bin"]; !ok {
		t.Errorf("no page segment: %v", objs)
	}
	if cp.Segments != 2 || cp.RecordsBytes != 27 {
		t.Errorf("checkpoint: %d segments, %d bytes", cp.Segments, cp.RecordsBytes)
	}
	// A crash after a segment's upload, before its checkpoint.
	if _, err := srv.Client().PutObject(t.Context(), putInput(b, "runs/x/records-000003.jsonl", `{"id":4}`+"\n")); err != nil {
		t.Fatal(err)
	}
	w.Close()
	st.Release()

	st, err = loc.Claim(false)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	defer st.Release()
	got, err := st.ReadCheckpoint()
	if err != nil || got.Segments != 2 {
		t.Fatalf("checkpoint read back: %+v, %v", got, err)
	}
	if _, err := st.Open(got, store.Options{}); err != nil {
		t.Fatal(err)
	}
	if notes := st.Notes(); len(notes) != 1 || !strings.Contains(notes[0], "moved to") {
		t.Errorf("notes: %v", notes)
	}
	for k := range srv.Objects(t, b, "runs/x/") {
		if k == "runs/x/records-000003.jsonl" {
			t.Error("the unvouched segment is still where readers see it")
		}
	}
}
