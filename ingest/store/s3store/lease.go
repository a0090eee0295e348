package s3store

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	"siphon/ingest/remedy"
	"siphon/ingest/store"
	"siphon/ingest/textbound"
)

// leaseBody is the content of .lock: who holds the prefix, until when.
type leaseBody struct {
	Siphon   string    `json:"siphon"` // "lease"
	Holder   string    `json:"holder"`
	Token    string    `json:"token"`
	Since    time.Time `json:"since"`
	Expires  time.Time `json:"expires"`
	Released bool      `json:"released,omitempty"`
}

// leaseTime is how long a lease lasts without renewal: a crashed owner's
// successor waits at most this long. SIPHON_S3_LEASE changes it (clocks
// of the machines sharing a prefix must agree to well within it).
func leaseTime() time.Duration { return envDuration("SIPHON_S3_LEASE", 30*time.Second) }

// lease is a held .lock: renewed in the background every fifth of its
// time with If-Match, so that a rival's takeover makes the renewal fail.
// valid says whether writing is still safe: not once the lease was lost,
// nor when the owner stalled so long that the lease may have expired in
// the eyes of others.
type lease struct {
	b     bucket
	key   string
	where string
	d     time.Duration

	mu      sync.Mutex
	etag    string
	body    leaseBody
	safe    time.Time // writes stop here: before Expires, by a margin
	lost    error
	stop    chan struct{}
	stopped chan struct{}
}

func holderName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("siphon run, pid %d on %s", os.Getpid(), host)
}

// takeLease takes loc's lease: creating .lock, or replacing one that was
// released or expired. A live lease is refused, naming its holder.
func takeLease(b bucket, loc Location) (*lease, error) {
	l := &lease{b: b, key: loc.key(lockKey), where: loc.String(), d: leaseTime(), stop: make(chan struct{}), stopped: make(chan struct{})}
	for range 5 {
		data, etag, err := b.get(l.key)
		if err != nil {
			return nil, err
		}
		cond := create
		if data != nil {
			var cur leaseBody
			if json.Unmarshal(data, &cur) != nil || cur.Siphon != "lease" {
				return nil, fmt.Errorf("%w: %s/%s is not a siphon lease; remove it if no siphon run uses %s", store.ErrFolderInUse, loc, lockKey, loc)
			}
			if !cur.Released && time.Now().Before(cur.Expires) {
				return nil, remedy.New(fmt.Errorf("%w: %s is held by %s (lease until %s, renewed while it runs; a crashed run's lease is taken over once it expires)",
					store.ErrFolderInUse, loc, textbound.Keep(cur.Holder), cur.Expires.UTC().Format(time.RFC3339)), remedy.WaitForHolder, remedy.OtherFolder)
			}
			cond = replace
		}
		now := time.Now()
		l.body = leaseBody{Siphon: "lease", Holder: holderName(), Token: randomID(), Since: now.UTC(), Expires: now.Add(l.d).UTC()}
		enc, _ := json.Marshal(l.body)
		tag, err := b.put(l.key, append(enc, '\n'), cond, etag)
		if isConflictErr(err) {
			continue // raced with another taker: look again
		}
		if err != nil {
			return nil, err
		}
		l.etag, l.safe = tag, now.Add(l.d-l.d/4)
		go l.renew()
		return l, nil
	}
	return nil, fmt.Errorf("%w: %s: the lease keeps changing hands; another run is taking it", store.ErrFolderInUse, loc)
}

func (l *lease) renew() {
	defer close(l.stopped)
	t := time.NewTicker(l.d / 5)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		l.mu.Lock()
		if l.lost != nil {
			l.mu.Unlock()
			return
		}
		now := time.Now()
		next := l.body
		next.Expires = now.Add(l.d).UTC()
		etag := l.etag
		l.mu.Unlock()
		enc, _ := json.Marshal(next)
		tag, err := l.b.put(l.key, append(enc, '\n'), replace, etag)
		l.mu.Lock()
		switch {
		case err == nil:
			l.etag, l.body, l.safe = tag, next, now.Add(l.d-l.d/4)
		case isConflictErr(err):
			l.lost = fmt.Errorf("%w: another run took over %s (this run's lease had expired: was it stalled?); this run stops without writing more", ErrLeaseLost, l.where)
		}
		// other errors: tried again next tick; valid() stops writes when
		// the lease may have run out meanwhile
		l.mu.Unlock()
	}
}

// valid is nil while this run may write under the lease.
func (l *lease) valid() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost != nil {
		return l.lost
	}
	if time.Now().After(l.safe) {
		l.lost = fmt.Errorf("%w: the lease on %s ran out before it could be renewed (the run stalled, or the store was unreachable for %s); another run may own it now, so this run stops without writing more", ErrLeaseLost, l.where, l.d)
		return l.lost
	}
	return nil
}

// release stops renewing and marks the lease released (If-Match: a lease
// another run took over is left alone).
func (l *lease) release() {
	select {
	case <-l.stop:
		return
	default:
	}
	close(l.stop)
	<-l.stopped
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost != nil {
		return
	}
	next := l.body
	next.Released, next.Expires = true, time.Now().UTC()
	enc, _ := json.Marshal(next)
	_, _ = l.b.put(l.key, append(enc, '\n'), replace, l.etag)
}
