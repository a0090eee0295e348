package tui

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/itchyny/gojq"
)

const (
	maxFilterResults = 500
	filterTimeout    = time.Second // a filter like repeat(.) must not hang the console
)

// runJQ applies a jq filter to each record and gathers what it yields.
func runJQ(expr string, records []json.RawMessage) ([]json.RawMessage, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("%q: %v", expr, err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, fmt.Errorf("%q: %v", expr, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), filterTimeout)
	defer cancel()
	var out []json.RawMessage
	for i, raw := range records {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			continue // the preview holds what the API sent; skip what is not JSON
		}
		iter := code.RunWithContext(ctx, v)
		for {
			res, ok := iter.Next()
			if !ok {
				break
			}
			if err, isErr := res.(error); isErr {
				if ctx.Err() != nil {
					return nil, fmt.Errorf("gave up after %s", filterTimeout)
				}
				return nil, fmt.Errorf("record %d of %d: %v", i+1, len(records), err)
			}
			b, err := gojq.Marshal(res)
			if err != nil {
				return nil, err
			}
			out = append(out, b)
			if len(out) >= maxFilterResults {
				return out, nil
			}
		}
	}
	return out, nil
}
