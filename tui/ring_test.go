package tui

import (
	"slices"
	"testing"
)

func TestRingKeepsTheLast(t *testing.T) {
	tests := []struct {
		pushes    int
		capacity  int
		wantFirst int
		want      []int
	}{
		{0, 3, 0, []int{}},
		{2, 3, 0, []int{0, 1}},
		{3, 3, 0, []int{0, 1, 2}},
		{7, 3, 4, []int{4, 5, 6}},
		{5, 0, 4, []int{4}}, // a zero capacity still holds one
	}
	for _, tt := range tests {
		r := newRing[int](tt.capacity)
		for i := range tt.pushes {
			r.push(i)
		}
		if got := r.values(); !slices.Equal(got, tt.want) {
			t.Errorf("%d pushes into %d: values %v, want %v", tt.pushes, tt.capacity, got, tt.want)
		}
		if r.first() != tt.wantFirst || r.end() != tt.pushes || r.len() != len(tt.want) {
			t.Errorf("%d pushes into %d: first %d end %d len %d", tt.pushes, tt.capacity, r.first(), r.end(), r.len())
		}
		for _, v := range tt.want {
			if got, ok := r.at(v); !ok || got != v {
				t.Errorf("at(%d) = %d, %v", v, got, ok)
			}
		}
		if _, ok := r.at(tt.wantFirst - 1); ok && tt.wantFirst > 0 {
			t.Errorf("at(%d) still held after it fell out", tt.wantFirst-1)
		}
		if _, ok := r.at(tt.pushes); ok {
			t.Errorf("at(%d) held before it was pushed", tt.pushes)
		}
	}
}

func TestRingPtrUpdatesInPlace(t *testing.T) {
	r := newRing[int](2)
	r.push(1)
	r.push(2)
	r.push(3)
	*r.ptr(2) = 30
	if p := r.ptr(0); p != nil {
		t.Error("ptr to a dropped value is not nil")
	}
	if got := r.values(); !slices.Equal(got, []int{2, 30}) {
		t.Errorf("values %v", got)
	}
}
