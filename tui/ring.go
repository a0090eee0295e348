package tui

// ring keeps the last cap values pushed: the console's memory stays bounded
// however long a run goes. Positions are absolute (the n-th value ever
// pushed), so a view can hold its place while old values fall out.
type ring[T any] struct {
	buf   []T
	start int // index in buf of the oldest value
	n     int // values held
	total int // values ever pushed
}

func newRing[T any](capacity int) *ring[T] {
	return &ring[T]{buf: make([]T, max(capacity, 1))}
}

func (r *ring[T]) push(v T) {
	if r.n < len(r.buf) {
		r.buf[(r.start+r.n)%len(r.buf)] = v
		r.n++
	} else {
		r.buf[r.start] = v
		r.start = (r.start + 1) % len(r.buf)
	}
	r.total++
}

// drop counts n values as pushed and gone, with all older ones: for a
// caller that knows they would be pushed out before anyone looks.
func (r *ring[T]) drop(n int) {
	if n <= 0 {
		return
	}
	clear(r.buf)
	r.start, r.n = 0, 0
	r.total += n
}

// len is how many values are held.
func (r *ring[T]) len() int { return r.n }

// first is the absolute position of the oldest value held.
func (r *ring[T]) first() int { return r.total - r.n }

// end is one past the absolute position of the newest value.
func (r *ring[T]) end() int { return r.total }

// at returns the value at an absolute position, if still held.
func (r *ring[T]) at(pos int) (T, bool) {
	var zero T
	if pos < r.first() || pos >= r.total {
		return zero, false
	}
	return r.buf[(r.start+pos-r.first())%len(r.buf)], true
}

// ptr returns a pointer to the value at an absolute position, for updates
// in place (marking a page after the fact).
func (r *ring[T]) ptr(pos int) *T {
	if pos < r.first() || pos >= r.total {
		return nil
	}
	return &r.buf[(r.start+pos-r.first())%len(r.buf)]
}

// values returns the values held, oldest first.
func (r *ring[T]) values() []T {
	out := make([]T, 0, r.n)
	for i := range r.n {
		out = append(out, r.buf[(r.start+i)%len(r.buf)])
	}
	return out
}

// span is the absolute positions held, for a scrollList.
func (r *ring[T]) span() (first, end int) { return r.first(), r.end() }

// capacity is how many values the ring holds at most.
func (r *ring[T]) capacity() int { return len(r.buf) }

// resize changes the capacity, keeping the newest values that fit;
// positions stay as they were.
func (r *ring[T]) resize(capacity int) {
	capacity = max(capacity, 1)
	if capacity == len(r.buf) {
		return
	}
	vals := r.values()
	if len(vals) > capacity {
		vals = vals[len(vals)-capacity:]
	}
	buf := make([]T, capacity)
	copy(buf, vals)
	r.buf, r.start, r.n = buf, 0, len(vals)
}
