// Package ingest pulls one profile's records out of an HTTP API. New builds
// a Client from a Config; Client.Start begins a Run that pages through the
// API (rate budget, retries, pagination, partitions), writes the records
// and checkpoints to an output folder so that a run resumes where it
// stopped, and tells what happens as Events and Snapshots. The console
// (tui) and the headless runner (cmd/siphon) are both built on it; the
// parts with one job each live in its subpackages.
package ingest
