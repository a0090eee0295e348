// Package openapi reads an API's OpenAPI description (3.0 or 3.1, or
// Swagger 2.0, converted to 3.0 by the library's converter; YAML or JSON;
// a file or a URL) and proposes one profile per operation that lists
// records: a GET, or a POST that searches, whose success response holds an
// array of objects. The records path comes from the response schema, the
// pagination from the parameters, response fields and headers
// (specimport.GuessPaging), the primary key from id-like fields of the
// records, the auth from the security schemes; required parameters come
// from Options.Set or are listed as needed.
//
// It is built on github.com/getkin/kin-openapi: a well-kept library that
// loads 3.0, 3.1 (type arrays, $ref siblings, webhooks) and 2.0 into one
// model, resolves $refs with a reader siphon supplies (so that only the
// description's own origin is read, each document bounded), and keeps
// cyclic schemas as cyclic pointers rather than expanding them. Walks over
// schemas here are bounded in depth and skip a schema already on their path.
package openapi
