package demoapi

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// Page sizes.
const (
	DefaultLimit = 100
	MaxLimit     = 1000 // larger requests are capped, not refused
)

// paramError is a bad query parameter; it becomes a 400 naming the parameter.
type paramError struct {
	param, value, want string
}

func (e *paramError) Error() string {
	return fmt.Sprintf("invalid query parameter %s=%q: %s", e.param, e.value, e.want)
}

// paramOf names the parameter an error is about, if any.
func paramOf(err error) string {
	var pe *paramError
	if errors.As(err, &pe) {
		return pe.param
	}
	return ""
}

// intParam reads an integer of at least low, or def when absent or empty.
func intParam(q url.Values, name string, def, low int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < low {
		return 0, &paramError{name, v, fmt.Sprintf("want an integer >= %d", low)}
	}
	return n, nil
}

// limitParam reads a page size: at least 1, capped at MaxLimit.
func limitParam(q url.Values, name string, def int) (int, error) {
	n, err := intParam(q, name, def, 1)
	return min(n, MaxLimit), err
}

// timeParam reads an RFC 3339 time; ok is false when the parameter is absent.
func timeParam(q url.Values, name string) (t time.Time, ok bool, err error) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, false, nil
	}
	t, err = time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, false, &paramError{name, v, "want an RFC 3339 time like 2026-01-01T00:00:00Z"}
	}
	return t, true, nil
}

// positionAndLimit reads a page's position (an offset, page number or id,
// as intParam reads it) and its size (as limitParam, DefaultLimit unless
// given): the pair every paged endpoint starts with.
func positionAndLimit(q url.Values, position string, def, minimum int, limit string) (int, int, error) {
	pos, err := intParam(q, position, def, minimum)
	if err != nil {
		return 0, 0, err
	}
	n, err := limitParam(q, limit, DefaultLimit)
	return pos, n, err
}
