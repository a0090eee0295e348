package budget

import (
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// Registry hands out one Shared budget per API origin (scheme, host and
// port) to the runs of a process.
type Registry struct {
	dir string // state files; "": this process only
	id  string // pid and a random tag: two registries are two sharers

	mu sync.Mutex
	m  map[string]*Shared
}

// NewRegistry makes a registry whose budgets are shared with other
// processes through state files in dir, or within this process only when
// dir is "".
func NewRegistry(dir string) *Registry {
	var tag [4]byte
	_, _ = rand.Read(tag[:])
	return &Registry{dir: dir, id: fmt.Sprintf("%d-%x", os.Getpid(), tag), m: map[string]*Shared{}}
}

// Origin is a URL's scheme://host:port, the unit of a shared budget; ""
// when raw has no host.
func Origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

// For returns the origin's budget, made on first use. With a state file
// that exists already it starts from what other processes learned.
func (r *Registry) For(origin string) *Shared {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.m[origin]
	if ok {
		return s
	}
	s = &Shared{origin: origin, id: r.id, changed: make(chan struct{}), sent: map[string]int64{}, live: map[string]int{}}
	s.takeOp = s.takeUpdate
	if r.dir == "" {
		s.store = &memStore{st: emptyState(origin)}
	} else {
		fs := newFileStore(r.dir, origin, r.id)
		if _, err := os.Lstat(fs.path); err == nil {
			fs.share()
			// Start from what others learned. What was wrong with the file
			// is told by the first request; a refused file is its error.
			s.pending, _ = fs.update(nil)
		}
		s.store = fs
	}
	r.m[origin] = s
	return s
}

// Share is how an origin's budget stands, for a display; false when no
// run has used it.
func (r *Registry) Share(origin string) (Share, bool) {
	r.mu.Lock()
	s, ok := r.m[origin]
	r.mu.Unlock()
	if !ok {
		return Share{}, false
	}
	return s.Share(), true
}

// Shared is one origin's budget: the server's window, holds and the
// client-side pace that every member (profile) on the origin obeys, kept
// in a store that other processes may share.
type Shared struct {
	origin string
	id     string

	mu       sync.Mutex
	store    store
	changed  chan struct{} // closed and replaced when a waiter may go on
	watched  bool          // changed was handed to a waiter since it was made
	taking   takeState     // take's verdict, made by takeOp under mu
	takeOp   func(*state, time.Time)
	pace     pace                // the strictest rate_limit of the members so far
	inflight int64               // this process's requests sent and not yet answered
	awaiting map[uint64]struct{} // their places (seq) until answered or released
	sent     map[string]int64
	live     map[string]int // runs going on, by profile
	pending  []string       // notes about the store, for the next Acquire to tell
}

// Share describes an origin's budget: who spends it and what is left.
type Share struct {
	Origin    string
	Members   []ShareMember // profiles of this process that sent requests, by name
	Others    int           // other processes seen spending it in the last few seconds
	Limit     int64         // the server's window; -1: unknown
	Remaining int64         // left in the window as counted here; -1: unknown
	Reset     time.Time
	Rate      float64 // the shared client-side rate; 0: none
}

// ShareMember is one profile's part of a shared budget.
type ShareMember struct {
	Profile string
	Sent    int64 // requests it sent through the budget
	Live    bool  // a run of it is going on
}

// Share describes the budget as this process last saw it (no file is
// read: a display may call it often).
func (s *Shared) Share() Share {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.store.last()
	out := Share{Origin: s.origin, Limit: -1, Remaining: -1, Rate: s.pace.rate}
	if st.Known {
		out.Limit, out.Remaining, out.Reset = st.Limit, max(st.Avail, 0), st.Reset
	}
	for name, n := range s.sent {
		out.Members = append(out.Members, ShareMember{Profile: name, Sent: n, Live: s.live[name] > 0})
	}
	sort.Slice(out.Members, func(i, j int) bool { return out.Members[i].Profile < out.Members[j].Profile })
	now := time.Now()
	for pid, seen := range st.Procs {
		if pid != s.id && now.Sub(seen) <= procFresh {
			out.Others++
		}
	}
	return out
}

// wake lets every waiter look again. Call with mu held. Without a
// waiter (a run that never waits, after every request) it costs nothing.
func (s *Shared) wake() {
	if !s.watched {
		return
	}
	close(s.changed)
	s.changed, s.watched = make(chan struct{}), false
}

// watch is the channel wake closes, for a waiter. Call with mu held.
func (s *Shared) watch() <-chan struct{} {
	s.watched = true
	return s.changed
}

// join tightens the shared pace to a member's rate when that is stricter.
// Call with mu held.
func (s *Shared) join(cfg Config) {
	if rps := cfg.RequestsPerSecond; rps > 0 && (s.pace.rate == 0 || rps < s.pace.rate) {
		s.pace = pace{rate: rps, burst: max(cfg.Burst, 1)}
		s.store.share()
	}
}

// holdText says what a hold is and, for a long one, where it is kept.
func (s *Shared) holdText(h *hold, now time.Time) string {
	if !h.long() {
		return h.Why
	}
	where := "held in this process only (no state file)"
	if f := s.store.where(); f != "" {
		where = fmt.Sprintf("siphon keeps it as a hold in %s, which every run on %s obeys", f, s.origin)
	}
	return fmt.Sprintf("the server at %s asked for no more requests until %s (%s from now; %s); %s",
		s.origin, h.Until.Format(time.RFC3339), h.Until.Sub(now).Round(time.Second), h.Why, where)
}

// sharedThrough names the state file in a message about the budget.
func (s *Shared) sharedThrough() string {
	if f := s.store.where(); f != "" {
		return " (shared through " + f + ")"
	}
	return ""
}
