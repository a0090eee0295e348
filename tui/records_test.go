package tui

import (
	"encoding/json"
	"strconv"
	"testing"
)

func TestAddLatestCopiesOnlyWhatStays(t *testing.T) {
	page := func(from, n int) []json.RawMessage {
		var out []json.RawMessage
		for i := range n {
			out = append(out, json.RawMessage(strconv.Itoa(from+i)))
		}
		return out
	}
	tests := []struct {
		name      string
		batches   [][][]json.RawMessage
		wantFirst string
		wantTotal int
	}{
		{"small batches keep everything", [][][]json.RawMessage{{page(0, 3)}, {page(3, 3)}}, "0", 6},
		{"a big batch keeps its tail", [][][]json.RawMessage{{page(0, 10)}, {page(10, 300), page(310, 300)}}, "110", 610},
		{"a batch bigger than one page's worth", [][][]json.RawMessage{{page(0, 200), page(200, 200), page(400, 200)}}, "100", 600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newRunSession(Profile{}, nil, 0)
			for _, b := range tt.batches {
				v.addLatest(b)
			}
			first, _ := v.records.at(v.records.first())
			last, _ := v.records.at(v.records.end() - 1)
			if string(first) != tt.wantFirst || v.records.end() != tt.wantTotal || string(last) != strconv.Itoa(tt.wantTotal-1) {
				t.Errorf("held %s..%s, %d in all; want %s..%d, %d", first, last, v.records.end(), tt.wantFirst, tt.wantTotal-1, tt.wantTotal)
			}
		})
	}
}

func TestInspectorKeepsOnlyThePreview(t *testing.T) {
	whole := make([]byte, 1<<20)
	page := samplePage(1, t0)
	page.Response.Body = whole[:16<<10]
	v := newRunSession(Profile{}, nil, 0)
	v.addPage(page)
	kept, _ := v.pages.at(0)
	if len(kept.Response.Body) != 16<<10 || cap(kept.Response.Body) >= len(whole) {
		t.Errorf("the inspector holds %d bytes (capacity %d) of the body", len(kept.Response.Body), cap(kept.Response.Body))
	}
}
