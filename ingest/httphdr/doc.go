// Package httphdr parses the response headers that tell a client when and how
// fast it may ask again, and where the next page is: Retry-After, RFC 8288
// Link, and the several rate-limit header dialects in use; and it joins
// headers into one value per name for showing them.
//
// Every parser takes untrusted input: malformed values are skipped, absurd
// ones are clamped, and nothing panics.
package httphdr
