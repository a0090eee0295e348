// Package profiles loads siphon's YAML profile files into a validated
// spec.Config, finds saved profiles on disk and prints them back.
//
// Every key a profile may have is declared once, in fieldTable
// (fields.go): its type, default, meaning, whether it may hold a secret,
// which pagination or auth types it belongs to and which need it. The
// decoder, Format and Doc (the writer siphon import curl uses too),
// FieldText and SetField, docs/profiles.md's key table and
// docs/profile.schema.json all follow it (go generate ./profiles rewrites
// the docs).
//
// Loading is strict: unknown and duplicate keys, wrong types and values are
// errors, each reported with file:line:column, and all of a file's problems
// are reported at once. Secrets (auth values, tokens, passwords, client
// secrets, refresh tokens, and sensitive headers or query parameters) are
// only ever references, ${VAR} or file:PATH, never literals. Every other
// string may use ${VAR} and ${VAR:-default}; $$ is a literal $.
package profiles
