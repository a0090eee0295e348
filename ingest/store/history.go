package store

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"siphon/ingest/textbound"
)

// Outcome is how a run ended, as the history keeps it.
type Outcome string

// Run outcomes in the history.
const (
	OutcomeDone        Outcome = "done"
	OutcomeFailed      Outcome = "failed"
	OutcomeInterrupted Outcome = "interrupted"
	OutcomeStopped     Outcome = "stopped" // at --max-pages: resumable, not done
	OutcomeState       Outcome = "state"   // no run: siphon state corrected the position (rewind, set, reset)
)

// HistoryEntry is one run in history.jsonl: one JSON line per run,
// appended when the run ends (done, failed, interrupted or stopped). It holds
// counts and the redacted error text, never a secret.
type HistoryEntry struct {
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Profile    string    `json:"profile"`
	Outcome    Outcome   `json:"outcome"`     // done, failed, interrupted, stopped
	StopReason string    `json:"stop_reason"` // why it stopped, in words
	Pages      int       `json:"pages"`       // pages in the folder at the end (earlier runs' included)
	Records    int64     `json:"records"`
	Retries    int       `json:"retries"`
	Sleeps     int       `json:"sleeps"` // rate-limit waits
	Errors     int       `json:"errors"` // failed attempts: retried ones and the last one of a failed run
	Error      string    `json:"error,omitempty"`
	Version    string    `json:"siphon_version"`
}

// historyLine is e as one line of the history, its texts bounded and its
// controls escaped, newline included.
func historyLine(e HistoryEntry) ([]byte, error) {
	e.Error, e.StopReason = textbound.Keep(e.Error), textbound.Keep(e.StopReason)
	line, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	return append(textbound.EscapeControls(line), '\n'), nil
}

// appendHistory adds one line to dir's history in one write (O_APPEND), so
// that two processes' lines never interleave. A folder that was never
// made (the run failed before it began) gets none.
func appendHistory(dir string, e HistoryEntry) error {
	if _, err := os.Stat(dir); err != nil {
		return nil
	}
	line, err := historyLine(e)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, HistoryFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	_, werr := f.Write(line)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("history: writing %s: %w", path, werr)
	}
	return nil
}

// maxHistoryLine bounds one line of history read back: siphon writes
// lines of a few KiB (every text in them is bounded), so a longer one was
// not written by it and is skipped, read past without being held.
const maxHistoryLine = 4 << 20

// readHistoryFile reads dir's history: see Location.ReadHistory. A missing
// file is no history.
func readHistoryFile(dir string, keep int) ([]HistoryEntry, error) {
	f, err := os.Open(filepath.Join(dir, HistoryFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading history: %w", err)
	}
	defer f.Close()
	return readHistory(f, keep)
}

// readHistory reads history lines, keeping the last keep (0: all). A
// damaged line (a torn write) or one over maxHistoryLine is skipped, not
// fatal: the lines after it are read.
func readHistory(r io.Reader, keep int) ([]HistoryEntry, error) {
	var out []HistoryEntry
	br := bufio.NewReaderSize(r, 64<<10)
	var line []byte
	skip := false // the line read is over the bound: read on to its end
	for {
		chunk, err := br.ReadSlice('\n')
		if !skip {
			if len(line)+len(chunk) > maxHistoryLine {
				skip, line = true, line[:0]
			} else {
				line = append(line, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if !skip && len(bytes.TrimSpace(line)) > 0 {
			var e HistoryEntry
			if json.Unmarshal(line, &e) == nil {
				out = append(out, e)
				if keep > 0 && len(out) > keep {
					out = out[1:]
				}
			}
		}
		line, skip = line[:0], false
		if cap(line) > 1<<20 {
			line = nil
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("reading history: %w", err)
		}
	}
}
