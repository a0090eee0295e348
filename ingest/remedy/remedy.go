// Package remedy names what a user can do about an error, apart from how
// a front end asks for it. The engine and the output store say "start
// over" or "another output folder"; the command line spells that --fresh
// or --out DIR, the console a key or a profile key. An error offers its
// remedies (Offer, found with errors.As) and its message holds each in
// Plain words, which a front end's Spelling rewrites in its own.
package remedy

import (
	"errors"
	"strings"
)

// Remedy is one way out of an error.
type Remedy int

const (
	// StartOver moves the output's files aside and starts the run again.
	StartOver Remedy = iota + 1
	// OtherFolder writes the run into another output folder.
	OtherFolder
	// WaitForHolder waits for the run holding the output folder to end.
	WaitForHolder
	// SameShards runs with the shard count the folder was started with.
	SameShards
)

// Spelling is how one front end says each remedy: a clause that reads
// after "; " in a message.
type Spelling map[Remedy]string

// Plain is the engine's own spelling, the one messages are written with:
// words, no flag and no key.
var Plain = Spelling{
	StartOver:     "start the output over (the old one is moved aside, not deleted)",
	OtherFolder:   "pick another output folder, empty or new",
	WaitForHolder: "wait for it to end (or stop it)",
	SameShards:    "run with the shard count it was started with",
}

// Say is r in Plain words.
func (r Remedy) Say() string { return Plain[r] }

// Offer is an error that says what the user can do about it.
type Offer interface {
	error
	Remedies() []Remedy
}

// Error is an error with the remedies its message ends with.
type Error struct {
	Err      error // what went wrong; errors.Is and errors.As see it
	remedies []Remedy
}

// New is err with remedies, most likely first.
func New(err error, remedies ...Remedy) *Error { return &Error{Err: err, remedies: remedies} }

func (e *Error) Error() string { return e.Err.Error() + "; " + Join(e.remedies...) }

func (e *Error) Unwrap() error { return e.Err }

// Remedies lists what the user can do, most likely first.
func (e *Error) Remedies() []Remedy { return e.remedies }

// Join says remedies in Plain words, one after the other: "a, or b".
func Join(remedies ...Remedy) string {
	says := make([]string, len(remedies))
	for i, r := range remedies {
		says[i] = r.Say()
	}
	return strings.Join(says, ", or ")
}

// Of lists the remedies err offers; nil when it offers none.
func Of(err error) []Remedy {
	var o Offer
	if errors.As(err, &o) {
		return o.Remedies()
	}
	return nil
}

// Error is err's message with the remedies it offers in s's words; an
// error whose chain was cut (wrapped with %v) is read as Text.
func (s Spelling) Error(err error) string {
	remedies := Of(err)
	if remedies == nil {
		return s.Text(err.Error())
	}
	msg := err.Error()
	for _, r := range remedies {
		msg = s.replace(msg, r)
	}
	return msg
}

// Text is a message kept as text (a run's history, an event) with every
// remedy in it in s's words.
func (s Spelling) Text(msg string) string {
	for r := range Plain {
		msg = s.replace(msg, r)
	}
	return msg
}

func (s Spelling) replace(msg string, r Remedy) string {
	if said, ok := s[r]; ok {
		return strings.ReplaceAll(msg, Plain[r], said)
	}
	return msg
}
