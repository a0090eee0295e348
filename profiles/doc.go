// Package profiles loads siphon's YAML profile files into a validated
// ingest.Config, finds saved profiles on disk and prints them back.
//
// A profile is one YAML mapping (CONTRACT.md is the reference):
//
//	name, description, base_url, path, method, params, headers, body,
//	auth:       type none|api_key|bearer|basic|oauth2 and that type's fields
//	tls:        ca_file, cert_file, key_file, insecure_skip_verify
//	records, primary_key,
//	pagination: type none|offset|page|cursor|next_url|link_header|keyset|timestamp,
//	            limit, limit_param, max_pages and that type's fields
//	rate_limit: requests_per_second | requests_per_minute, burst, respect_headers
//	retry:      max_attempts, initial_backoff, max_backoff, on_status, max_retry_after
//	timeout, allowed_hosts,
//	schema:     on_drift, file, on_invalid
//	output:     dir, raw_pages
//
// Loading is strict: unknown and duplicate keys, wrong types and values are
// errors, each reported with file:line:column, and all of a file's problems
// are reported at once. Secrets (auth values, tokens, passwords, client
// secrets, refresh tokens, and sensitive headers or query parameters) are
// only ever references, ${VAR} or file:PATH, never literals. Every other
// string may use ${VAR} and ${VAR:-default}; $$ is a literal $.
package profiles
