package redact

// Error returns an error whose message is err's, redacted as String does.
// Unwrap returns err, so errors.Is and errors.As keep working (and a caller
// that unwraps and prints the original takes the responsibility back).
// A nil err gives nil.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	return &redactedError{msg: r.String(err.Error()), err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
