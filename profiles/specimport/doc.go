// Package specimport holds what siphon's importers of API descriptions
// (OpenAPI, Postman collections, HAR files; see the subpackages) share: a
// Proposal, which is one profile for one request that lists records; how
// pagination is guessed from the names of parameters, response fields and
// headers (GuessPaging); how proposals are named; and how one is written as
// a profile. It reads descriptions only: confirming a proposal against the
// API is the caller's (siphon import runs the probe).
package specimport
