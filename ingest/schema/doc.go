// Package schema watches the shape of API records and validates them.
//
// A Tracker learns the fields and JSON types of the first pages of a run
// and then reports drift (new, vanished or retyped fields) page by page,
// each change once. A Validator checks records against a JSON Schema file.
// Neither prints: the run loop turns their results into events.
package schema
