package partition

import (
	"fmt"
	"strings"
)

// FailedError ends a run in which partitions failed; the others
// went on and are done.
type FailedError struct {
	Failed []Failure
}

// Failure is one failed partition and why.
type Failure struct {
	Key string
	Err error
}

func (e *FailedError) Error() string {
	// Named up to a bound: a fan-out of 50,000 may fail whole.
	const named = 20
	keys := make([]string, 0, min(len(e.Failed), named))
	for _, f := range e.Failed[:min(len(e.Failed), named)] {
		keys = append(keys, f.Key)
	}
	list := strings.Join(keys, ", ")
	if len(e.Failed) > named {
		list += fmt.Sprintf(", … (%d in all)", len(e.Failed))
	}
	msg := fmt.Sprintf("%d partition(s) failed: %s", len(e.Failed), list)
	for i, f := range e.Failed {
		if i == 5 {
			msg += fmt.Sprintf("\n  … and %d more (partitions.jsonl, or siphon state show, lists them)", len(e.Failed)-5)
			break
		}
		msg += fmt.Sprintf("\n  %s: %v", f.Key, f.Err)
	}
	return msg
}
