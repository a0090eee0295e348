package tui

import "time"

// throughput turns the run's record counter, read on every tick, into a
// recent rate and a per-second history for the sparkline.
type throughput struct {
	samples *ring[sample] // recent ticks, for the rate
	history *ring[float64]
	window  time.Duration // the rate is averaged over this

	bucketStart   time.Time
	bucketRecords int64 // the counter when the current second began
	seen          bool

	// The first reading since the window last restarted, and the latest:
	// a run's average over its walk, shown once it is over.
	first, last sample
}

type sample struct {
	at      time.Time
	records int64
}

const (
	rateWindow     = 5 * time.Second
	historySeconds = 120
)

func newThroughput() throughput {
	return throughput{samples: newRing[sample](64), history: newRing[float64](historySeconds), window: rateWindow}
}

// observe records the counter at a moment; call it on every tick.
func (t *throughput) observe(at time.Time, records int64) {
	if t.seen && records < t.last.records {
		// The counter went back: what it counts from moved (a resumed
		// run's records before it became known). Start over from here.
		t.restart()
	}
	if !t.seen {
		t.seen, t.bucketStart, t.bucketRecords = true, at, records
		t.first = sample{at, records}
	}
	t.last = sample{at, records}
	t.samples.push(sample{at, records})
	// Close every whole second that has passed; idle seconds count as zero.
	for at.Sub(t.bucketStart) >= time.Second {
		t.history.push(float64(records - t.bucketRecords))
		t.bucketRecords = records
		t.bucketStart = t.bucketStart.Add(time.Second)
		if at.Sub(t.bucketStart) > historySeconds*time.Second {
			t.bucketStart = at // a long gap: don't replay it second by second
		}
	}
}

// restart forgets the readings: the next one is the start of a new window
// (a run that resumed from its checkpoint, a partition retried). The
// sparkline's history stays.
func (t *throughput) restart() {
	t.samples = newRing[sample](t.samples.capacity())
	t.seen = false
}

// average is records per second from the first reading since the window
// restarted to the last one; ok is false before two readings apart.
func (t *throughput) average() (float64, bool) {
	span := t.last.at.Sub(t.first.at).Seconds()
	if !t.seen || span <= 0 {
		return 0, false
	}
	return float64(t.last.records-t.first.records) / span, true
}

// rate is records per second over the recent window.
func (t *throughput) rate() float64 {
	if t.samples.len() < 2 {
		return 0
	}
	last, _ := t.samples.at(t.samples.end() - 1)
	oldest := last
	for pos := t.samples.end() - 1; pos >= t.samples.first(); pos-- {
		s, _ := t.samples.at(pos)
		if last.at.Sub(s.at) > t.window {
			break
		}
		oldest = s
	}
	span := last.at.Sub(oldest.at).Seconds()
	if span <= 0 {
		return 0
	}
	return float64(last.records-oldest.records) / span
}

// perSecond is the history of records per second, oldest first.
func (t *throughput) perSecond() []float64 { return t.history.values() }
