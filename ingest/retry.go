package ingest

import "siphon/ingest/retry"

// failureOf is what the retry policy (package retry) needs to know of a
// failed attempt.
func failureOf(o outcome) retry.Failure {
	return retry.Failure{Status: o.status, Permanent: o.fail, RetryAfter: o.wait, RefreshAuth: o.refreshAuth}
}
