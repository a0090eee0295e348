package store

import "io"

// What another store implementation (ingest/store/s3store) needs to keep
// the files it writes the same as the local folder's.

// ParseCheckpoint reads a checkpoint's bytes, checking its version and
// checksum; name says where it came from, for messages.
func ParseCheckpoint(name string, b []byte) (*Checkpoint, error) { return parseCheckpoint(name, b) }

// EncodeCheckpoint stamps c with its version and checksum and encodes it.
func EncodeCheckpoint(c *Checkpoint) ([]byte, error) { return encodeCheckpoint(c) }

// HistoryLine is e as one line of the history, newline included.
func HistoryLine(e HistoryEntry) ([]byte, error) { return historyLine(e) }

// ParseHistory reads history lines, keeping the last keep (0: all);
// damaged lines are skipped.
func ParseHistory(r io.Reader, keep int) ([]HistoryEntry, error) { return readHistory(r, keep) }
