// Package recorded turns recorded requests (a Postman collection's items, a
// HAR file's entries) into profile proposals. Each request is rendered as
// the curl command it amounts to and read by siphon's curl importer, so a
// credential becomes a ${VAR} reference by the same rules as `siphon import
// curl`; the recorded response, when there is one, says where the records
// are, what identifies them and how the API pages.
package recorded
