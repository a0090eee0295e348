package ingest

import (
	"encoding/json"
	"time"

	"siphon/ingest/redact"
	"siphon/ingest/retry"
	"siphon/ingest/transport"
)

// Event is something a run has to say. The set is closed: every event is one
// of the structs below. Events come per request or page, never per record;
// per-record counters live in Snapshot.
type Event interface {
	// Kind names the event in logs ("page", "retry", ...).
	Kind() string
	// Time is when it happened.
	Time() time.Time
	// PartitionKey is the key of the partition the event is about; empty
	// for a run without partitions and for run-wide events.
	PartitionKey() string
	// withPartition returns the event tagged with a partition's key.
	// Unexported, so the set stays closed.
	withPartition(key string) Event
}

// At carries an event's timestamp.
type At struct {
	T time.Time `json:"time"`
	// Partition is the key of the partition the event is about; empty
	// for a run without partitions and for run-wide events.
	Partition string `json:"partition,omitempty"`
}

// Time returns when the event happened.
func (a At) Time() time.Time { return a.T }

// PartitionKey returns the key of the partition the event is about.
func (a At) PartitionKey() string { return a.Partition }

// Started opens every run.
type Started struct {
	At
	Profile  string `json:"profile"`
	URL      string `json:"url"` // redacted
	Out      string `json:"out"`
	Resumed  bool   `json:"resumed"`
	FromPage int    `json:"from_page,omitempty"` // pages already done when resuming
	Records  int64  `json:"records_before,omitempty"`
	Position string `json:"position,omitempty"` // where it resumes, in words
}

// RequestSent is one attempt at one page.
type RequestSent struct {
	At
	Page    int    `json:"page"`
	Attempt int    `json:"attempt"`
	Method  string `json:"method"`
	URL     string `json:"url"` // redacted
}

// PageFetched is a page that was received, its records written.
type PageFetched struct {
	At
	Page       int           `json:"page"`
	Status     int           `json:"status"`
	Attempts   int           `json:"attempts"`
	Records    int           `json:"records"`
	Bytes      int64         `json:"bytes"`
	Duration   time.Duration `json:"duration"`
	CursorIn   string        `json:"cursor_in,omitempty"`
	CursorOut  string        `json:"cursor_out,omitempty"`
	StopReason string        `json:"stop_reason,omitempty"` // set on the last page
	URL        string        `json:"url"`                   // redacted

	// For the console's page inspector and records preview; not logged.
	Request  PageRequest       `json:"-"`
	Response PageResponse      `json:"-"`
	Sample   []json.RawMessage `json:"-"` // the page's last records (at most SampleRecords)
}

// SampleRecords bounds the records a PageFetched event carries.
const SampleRecords = 200

// BodyPreviewBytes bounds the body a PageFetched event carries.
const BodyPreviewBytes = 16 << 10

// PageRequest is a page's request as sent, as the user is shown it
// (transport.Guard.ShownRequest says how).
type PageRequest = transport.ShownRequest

// PageResponse is a page's response, redacted, its body cut to
// BodyPreviewBytes.
type PageResponse struct {
	Status      int
	Headers     map[string]string
	ContentType string
	Body        []byte
	BodyBytes   int64
}

// RetryScheduled says a request failed and will be tried again after Wait.
type RetryScheduled struct {
	At
	Page        int           `json:"page"`
	Attempt     int           `json:"attempt"` // the attempt that failed
	MaxAttempts int           `json:"max_attempts"`
	Cause       string        `json:"cause"`
	Wait        time.Duration `json:"wait"`
	Source      retry.Source  `json:"source"` // backoff, retry-after or refreshed-token
}

// LoggedIn says the run logged in (auth type login): the first time, when
// the session token expired, or after the API refused it (401). Count is
// the logins so far, this one included.
type LoggedIn struct {
	At
	Page   int    `json:"page"`
	Count  int    `json:"count"`
	Reason string `json:"reason"`
}

// Throttled says the run sleeps to respect a rate limit.
type Throttled struct {
	At
	Until  time.Time     `json:"until"`
	Wait   time.Duration `json:"wait"`
	Reason string        `json:"reason"`
}

// RateLearned says the run changed the budget it learned from 429s
// without Retry-After: halved after one, grown back 10% at a time.
type RateLearned struct {
	At
	RequestsPerSecond float64 `json:"requests_per_second"`
	Reason            string  `json:"reason"`
}

// CheckpointSaved says the position and the data before it are durable.
type CheckpointSaved struct {
	At
	Pages   int   `json:"pages"`
	Records int64 `json:"records"`
}

// DriftDetected reports a change in the records' shape.
type DriftDetected struct {
	At
	Page    int    `json:"page"`
	Field   string `json:"field"`
	Change  string `json:"change"` // "new field", "vanished", "type changed"
	Was     string `json:"was,omitempty"`
	Now     string `json:"now,omitempty"`
	Example string `json:"example,omitempty"`
}

// Anomaly reports pagination that looks wrong, with what siphon did about it.
type Anomaly struct {
	At
	Page   int    `json:"page"`
	What   string `json:"what"`
	Action string `json:"action"` // "stopped" or "continued"
}

// Restarted says a walk met the API's deep-paging cap (pagination.restart)
// and started again from its first page, filtered past the last record
// written.
type Restarted struct {
	At
	Page    int    `json:"page"`    // the last page before the restart
	Restart int    `json:"restart"` // 1 for the first
	From    string `json:"from"`    // where the walk stood: offset=400
	Params  string `json:"params"`  // what the restarted walk adds: id_gte=401
	Cause   string `json:"cause"`   // the cap it met
}

// Warning is something the user must know that does not stop the run: TLS
// verification switched off, a rotated refresh token that could not be
// stored.
type Warning struct {
	At
	What string `json:"what"`
}

// Paused says the run stopped between pages, after its checkpoint.
type Paused struct{ At }

// Resumed says a paused run goes on.
type Resumed struct{ At }

// Finished closes every run. Err is nil when it completed.
type Finished struct {
	At
	Pages    int   `json:"pages"`
	Records  int64 `json:"records"`
	Rejected int64 `json:"rejected,omitempty"`
	// Invalid counts the records that failed the JSON Schema per field path.
	Invalid    map[string]int `json:"invalid_paths,omitempty"`
	Elapsed    time.Duration  `json:"elapsed"`
	StopReason string         `json:"stop_reason,omitempty"`
	Err        error          `json:"-"`
	Error      string         `json:"error,omitempty"` // redacted Err text
	Canceled   bool           `json:"canceled,omitempty"`
}

func (Started) Kind() string         { return "started" }
func (RequestSent) Kind() string     { return "request" }
func (PageFetched) Kind() string     { return "page" }
func (RetryScheduled) Kind() string  { return "retry" }
func (Throttled) Kind() string       { return "throttled" }
func (LoggedIn) Kind() string        { return "login" }
func (CheckpointSaved) Kind() string { return "checkpoint" }
func (RateLearned) Kind() string     { return "rate" }
func (DriftDetected) Kind() string   { return "drift" }
func (Anomaly) Kind() string         { return "anomaly" }
func (Warning) Kind() string         { return "warning" }
func (Restarted) Kind() string       { return "restart" }
func (Paused) Kind() string          { return "paused" }
func (Resumed) Kind() string         { return "resumed" }
func (Finished) Kind() string        { return "finished" }

func (e Started) withPartition(k string) Event         { e.Partition = k; return e }
func (e RequestSent) withPartition(k string) Event     { e.Partition = k; return e }
func (e PageFetched) withPartition(k string) Event     { e.Partition = k; return e }
func (e RetryScheduled) withPartition(k string) Event  { e.Partition = k; return e }
func (e Throttled) withPartition(k string) Event       { e.Partition = k; return e }
func (e LoggedIn) withPartition(k string) Event        { e.Partition = k; return e }
func (e CheckpointSaved) withPartition(k string) Event { e.Partition = k; return e }
func (e RateLearned) withPartition(k string) Event     { e.Partition = k; return e }
func (e DriftDetected) withPartition(k string) Event   { e.Partition = k; return e }
func (e Anomaly) withPartition(k string) Event         { e.Partition = k; return e }
func (e Warning) withPartition(k string) Event         { e.Partition = k; return e }
func (e Restarted) withPartition(k string) Event       { e.Partition = k; return e }
func (e Paused) withPartition(k string) Event          { e.Partition = k; return e }
func (e Resumed) withPartition(k string) Event         { e.Partition = k; return e }
func (e Finished) withPartition(k string) Event        { e.Partition = k; return e }

// redacted is ev redacted with the run's redactor.
func (rn *runner) redacted(ev Event) Event {
	if rn.c == nil {
		return ev
	}
	return redacted(rn.c.redact(), ev)
}

// redacted returns ev with every text in it redacted: whatever built the
// event, no cursor, URL or message leaves the run holding a secret. Texts
// are redacted whole, before any reader cuts them to its width.
func redacted(red *redact.Redactor, ev Event) Event {
	switch e := ev.(type) {
	case Started:
		e.URL, e.Position = red.URL(e.URL), red.URL(e.Position)
		return e
	case RequestSent:
		e.URL = red.URL(e.URL)
		return e
	case PageFetched:
		e.URL, e.CursorIn, e.CursorOut = red.URL(e.URL), red.URL(e.CursorIn), red.URL(e.CursorOut)
		e.Request.URL = red.URL(e.Request.URL)
		return e
	case RetryScheduled:
		e.Cause = red.String(e.Cause)
		return e
	case Throttled:
		e.Reason = red.String(e.Reason)
		return e
	case LoggedIn:
		e.Reason = red.String(e.Reason)
		return e
	case DriftDetected:
		e.Example = red.String(e.Example)
		return e
	case Anomaly:
		e.What = red.String(e.What)
		return e
	case Warning:
		e.What = red.String(e.What)
		return e
	case Restarted:
		e.From, e.Params, e.Cause = red.URL(e.From), red.String(e.Params), red.String(e.Cause)
		return e
	case Finished:
		e.Error = red.String(e.Error)
		e.Err = red.Error(e.Err)
		return e
	}
	return ev
}
