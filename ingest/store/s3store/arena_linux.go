package s3store

import (
	"sync"
	"syscall"
	"unsafe"
)

// The first chunks a process uses come from one mapping that the kernel
// may back with 2 MiB pages (MADV_HUGEPAGE; the default "madvise" setting
// of transparent huge pages honours it). A segment's chunks are fresh
// memory in every new process: faulted in 4 KiB at a time, they cost a
// siphon run to S3 about 90 ms of CPU on a virtual machine, a fifth of a
// 100,000-record run; 2 MiB pages take 512 times fewer faults. Where the
// kernel says no, the mapping is plain memory, as before.
// The mapping lives as long as the process; its chunks are reused
// (arenaFree), never unmapped.
const arenaChunks = keptChunks // 32 MiB: all the chunks kept between segments

var arena struct {
	once   sync.Once
	mu     sync.Mutex
	mem    []byte // arenaChunks chunks, 2 MiB aligned; nil if the mapping failed
	lo, hi uintptr
	carved int
}

const hugePage = 2 << 20

func mapArena() {
	size := arenaChunks * chunkSize
	m, err := syscall.Mmap(-1, 0, size+hugePage, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return
	}
	// Huge pages need 2 MiB alignment: the mapping is one page longer,
	// and starts at its first aligned byte.
	skip := int((hugePage - uintptr(unsafe.Pointer(&m[0]))%hugePage) % hugePage)
	mem := m[skip : skip+size : skip+size]
	_ = syscall.Madvise(mem, 14) // MADV_HUGEPAGE; a kernel without it leaves 4 KiB pages
	arena.mem = mem
	arena.lo = uintptr(unsafe.Pointer(&mem[0]))
	arena.hi = arena.lo + uintptr(size)
}

// arenaChunk is the next chunk never used yet, or nil once all were.
func arenaChunk() []byte {
	arena.once.Do(mapArena)
	arena.mu.Lock()
	defer arena.mu.Unlock()
	if arena.mem == nil || arena.carved == arenaChunks {
		return nil
	}
	off := arena.carved * chunkSize
	arena.carved++
	return arena.mem[off : off : off+chunkSize]
}

// inArena reports whether c is one of the arena's chunks.
func inArena(c []byte) bool {
	arena.once.Do(mapArena) // which also orders this read after the mapping's writes
	if cap(c) == 0 || arena.mem == nil {
		return false
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(c)))
	return p >= arena.lo && p < arena.hi
}
