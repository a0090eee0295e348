// Package curlimport turns a pasted curl command into a siphon profile.
//
// Parse reads the command as a shell would (bash, or Windows cmd with ^
// escapes), interprets the curl options that matter for pulling data
// (method, URL, query, headers, credentials, body, TLS, timeout) and writes
// a profile (the format is in docs/profiles.md). Every secret-looking value is
// replaced by a ${VAR} reference; Result.Vars says which variables to
// export, with the values found so that the CLI can offer them. Whatever
// cannot be carried over is dropped with a note, never silently.
package curlimport
