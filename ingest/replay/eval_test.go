package replay

import (
	"context"
	"strings"
	"testing"
	"time"

	"siphon/ingest/paginate"
	"siphon/ingest/spec"
)

func TestPlaygroundEvaluation(t *testing.T) {
	body := []byte(`{"items":[{"id":1},{"id":2}],"meta":{"next":"abc"}}`)
	recs, err := EvalRecords(context.Background(), ".items", body)
	if err != nil || len(recs) != 2 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	next, stop, err := EvalNext(context.Background(), spec.PaginationConfig{Type: spec.PageCursor, CursorPath: ".meta.next"}, ".items", body, nil, "")
	if err != nil || next != "abc" || stop != "" {
		t.Fatalf("next %q stop %q err %v", next, stop, err)
	}
	_, stop, err = EvalNext(context.Background(), spec.PaginationConfig{Type: spec.PageCursor, CursorPath: ".meta.nope"}, ".items", body, nil, "")
	if err != nil || stop != paginate.StopNoCursor {
		t.Fatalf("stop %q err %v", stop, err)
	}
	pages := []byte(`{"items":[{"id":1}],"total_pages":20}`)
	_, stop, err = EvalNext(context.Background(), spec.PaginationConfig{Type: spec.PagePage, TotalPagesPath: ".total_pages"}, ".items", pages, nil, "http://api.test/x?page=20")
	if err != nil || stop != paginate.StopLastPage {
		t.Errorf("page 20 of 20: stop %q err %v", stop, err)
	}
	next, _, _ = EvalNext(context.Background(), spec.PaginationConfig{Type: spec.PagePage, TotalPagesPath: ".total_pages"}, ".items", pages, nil, "http://api.test/x?page=7")
	if next != "page=8" {
		t.Errorf("after page 7: next %q", next)
	}
	if _, err := EvalRecords(context.Background(), ".items[", body); err == nil {
		t.Fatal("a bad expression passed")
	}
}

func TestEndlessJQIsStopped(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := EvalRecords(ctx, "[repeat(.)] | .[]", []byte(`{"a":1}`))
	if err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("got %v, want the evaluation stopped by its deadline", err)
	}
}
