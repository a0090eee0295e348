// Package budget decides when a request may go. Every request of siphon
// asks it first, and it answers for everything that limits requests:
//
//   - the client-side rate (rate_limit), per origin and per member;
//   - the server's rate-limit headers: a request takes a ticket before it
//     is sent and each response reconciles the count, so workers in
//     flight cannot overrun the last few requests of a window, and a spent
//     window holds everyone until its reset;
//   - holds: a Retry-After, or a reset too far away to wait out silently;
//   - a rate learned from 429s without Retry-After.
//
// A budget is per API origin (scheme, host and port), shared by every
// profile (Member) that sends to it. Its state lives in a store: in memory
// for one process, or in a locked state file that other siphon processes
// on the machine read and write too, so a Retry-After or a spent window
// received by one holds them all. The decisions themselves are pure
// functions of the state and the time (policy.go).
package budget
