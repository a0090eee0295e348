package s3store

import (
	"bytes"
	"testing"
	"time"
)

// TestChunksFromArena: the arena's chunks are whole, apart, bounded (an
// append past one never runs into the next), given back to their own
// free list and taken again before any other chunk; with the heap chunks
// given back too, no more than keptChunks are kept.
func TestChunksFromArena(t *testing.T) {
	var got [][]byte
	arenaCount := 0
	for range arenaChunks + 8 {
		c := getChunk()
		if len(c) != 0 || cap(c) != chunkSize {
			t.Fatalf("chunk of len %d, cap %d; want 0, %d", len(c), cap(c), chunkSize)
		}
		if inArena(c) {
			arenaCount++
		}
		got = append(got, c)
	}
	if arenaCount == 0 {
		t.Fatal("no chunk came from the arena: the mapping failed")
	}
	if arenaCount > arenaChunks {
		t.Fatalf("%d chunks in the arena, which holds %d", arenaCount, arenaChunks)
	}
	for i := range got {
		got[i] = append(got[i], bytes.Repeat([]byte{byte(i)}, chunkSize)...)
	}
	for i, c := range got {
		if !bytes.Equal(c, bytes.Repeat([]byte{byte(i)}, chunkSize)) {
			t.Fatalf("chunk %d was overwritten: chunks overlap", i)
		}
	}
	// An append past a full arena chunk moves it, leaving its neighbour.
	var first, second int = -1, -1
	for i, c := range got {
		if inArena(c) {
			if first < 0 {
				first = i
			} else if second < 0 {
				second = i
			}
		}
	}
	if second >= 0 {
		grown := append(got[first], 0xff)
		if inArena(grown) {
			t.Fatal("an append past a full chunk stayed in the arena")
		}
		if got[second][0] != byte(second) {
			t.Fatal("an append past a chunk ran into the next")
		}
	}
	for _, c := range got {
		putChunk(c)
	}
	if kept := len(arenaFree) + len(chunkPool); kept > keptChunks {
		t.Fatalf("%d chunks kept, more than the bound of %d", kept, keptChunks)
	}
	// A chunk given back twice, with the free list full, is dropped, not
	// waited on. The list is emptied after and each chunk put back once.
	twice := make(chan struct{})
	go func() {
		defer close(twice)
		for range arenaChunks + 1 {
			putChunk(got[first])
		}
	}()
	select {
	case <-twice:
	case <-time.After(10 * time.Second):
		t.Fatal("giving a chunk back to a full free list blocked")
	}
	for len(arenaFree) > 0 {
		<-arenaFree
	}
	for _, c := range got {
		if inArena(c) {
			putChunk(c)
		}
	}
	again := getChunk()
	defer putChunk(again)
	if !inArena(again) {
		t.Fatal("a chunk given back to the arena was not taken first")
	}
	if inArena(make([]byte, 0, chunkSize)) {
		t.Fatal("a chunk made on the heap counted as the arena's")
	}
}
